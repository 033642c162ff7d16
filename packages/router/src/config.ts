import { z } from 'zod';

const headerValue = z.string().regex(/^[\x20-\x7e]*$/, 'must be printable ASCII (it is sent as a header)');

const tokenSchema = z.strictObject({
  token: headerValue.min(16).describe('Bearer token accepted on the TCP entry (at least 16 characters)'),
  context: headerValue.default('').describe('X-Hero-Context sent upstream for requests with this token (empty: the global `context`)'),
  name: z.string().default('').describe('Label shown in logs instead of the token'),
});

/** hero_router configuration (TOML keys). */
export const configSchema = z.strictObject({
  socket_dir: z.string().default('~/hero/var/sockets').describe('Directory holding <service>/<name>.sock'),
  discover_dir: z
    .string()
    .default('')
    .describe('Directory whose <service>/<name>.sock are discovered and routed (empty: socket_dir); lets a second router map a node'),
  listen: z
    .string()
    .default('127.0.0.1:9998')
    .describe('TCP entry point host:port; empty disables it. Non-loopback hosts need `auth`'),
  context: headerValue.default('').describe('X-Hero-Context sent upstream when the token gives none (empty: not sent)'),
  auth: z
    .strictObject({
      tokens: z.array(tokenSchema).default([]).describe('Accepted bearer tokens; when set, every TCP request needs one (401)'),
      allow: z
        .array(z.string())
        .default([])
        .describe('CIDR allow-list of client addresses (e.g. 10.0.0.0/8, ::1/128); when set, others get 403'),
    })
    .default({ tokens: [], allow: [] })
    .describe('Access control of the TCP entry point'),
  tls: z
    .strictObject({
      cert: z.string().default('').describe('PEM certificate file; with `key`, the TCP entry serves HTTPS'),
      key: z.string().default('').describe('PEM private key file'),
    })
    .default({ cert: '', key: '' })
    .describe('TLS for the TCP entry point'),
  scan_interval_ms: z.number().int().min(0).default(15_000).describe('Periodic rescan and health probe interval (0: off)'),
  watch: z.boolean().default(true).describe('Rescan when the socket dir changes (fs.watch)'),
  watch_debounce_ms: z.number().int().min(0).default(150).describe('Delay that groups filesystem events into one rescan'),
  probe_timeout_ms: z.number().int().min(1).default(2_000).describe('Timeout of each discovery probe'),
  upstream_timeout_ms: z
    .number()
    .int()
    .min(0)
    .default(60_000)
    .describe('Time an upstream may take to send response headers before 504 (0: no limit)'),
  idle_timeout_ms: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('Close a proxied exchange when no byte moves for this long (0: no limit; SSE and WebSockets stay open)'),
  client_timeout_ms: z
    .number()
    .int()
    .min(0)
    .default(75_000)
    .describe('Close a client connection that is idle, or stuck sending a request head, for this long (0: never)'),
  max_idle: z.number().int().min(0).default(256).describe('Most idle keep-alive connections kept per upstream socket'),
  keep_alive_ms: z.number().int().min(0).default(4_000).describe('How long an idle pooled upstream connection is kept (below the upstream keep-alive timeout; Node servers use 5 s)'),
});

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
