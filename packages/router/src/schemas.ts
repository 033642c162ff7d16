import { z } from 'zod';

export const socketStatusSchema = z
  .enum(['healthy', 'unhealthy', 'inactive', 'non_rpc', 'unknown'])
  .describe('healthy: answers /health; unhealthy: health fails; inactive: nothing listens; non_rpc: not a Hero HTTP service; unknown: not probed yet');

export const methodInfoSchema = z.object({
  name: z.string(),
  summary: z.string(),
  params: z.array(z.object({ name: z.string(), required: z.boolean() })),
});

export const socketInfoSchema = z.object({
  name: z.string().describe('Socket name (file name without .sock)'),
  path: z.string().describe('Absolute socket path'),
  url: z.string().describe('Path prefix on the TCP entry point'),
  status: socketStatusSchema,
  protocol: z.enum(['openrpc', 'ui', 'rest']).nullable(),
  title: z.string().nullable(),
  version: z.string().nullable(),
  description: z.string().nullable(),
  error: z.string().nullable().describe('Why the socket is not healthy'),
  checked_at: z.string().nullable().describe('Time of the last probe (ISO 8601)'),
  method_count: z.number().int(),
  methods: z.array(methodInfoSchema).optional(),
});

export const serviceSummarySchema = z.object({
  name: z.string().describe('Service directory name'),
  status: socketStatusSchema.describe('Status of its rpc socket (or its first socket)'),
  sockets: z.array(socketInfoSchema),
});

export const scanResultSchema = z.object({
  took_ms: z.number(),
  services: z.array(serviceSummarySchema),
});

export const routerHealthSchema = z.object({
  status: z.literal('ok'),
  version: z.string(),
  uptime_secs: z.number().int(),
  listen: z.string().nullable().describe('TCP entry point, host:port'),
  tls: z.boolean(),
  auth: z.boolean(),
  services: z.number().int(),
  sockets: z.number().int(),
  by_status: z.record(z.string(), z.number().int()),
  proxy: z
    .object({
      clients: z.number().int().describe('Open client connections (tunnels included)'),
      in_flight: z.number().int().describe('Requests being proxied'),
      idle_upstream: z.number().int().describe('Idle pooled connections to services'),
    })
    .nullable()
    .describe('TCP entry point counters (null without one)'),
});

export type SocketStatus = z.output<typeof socketStatusSchema>;
export type MethodInfo = z.output<typeof methodInfoSchema>;
export type SocketInfo = z.output<typeof socketInfoSchema>;
export type ServiceSummary = z.output<typeof serviceSummarySchema>;
export type ScanResult = z.output<typeof scanResultSchema>;
export type RouterHealth = z.output<typeof routerHealthSchema>;
