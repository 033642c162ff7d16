import { method, NotFoundError } from '@hero/core';
import { z } from 'zod';
import type { Registry } from './registry.js';
import { routerHealthSchema, scanResultSchema, serviceSummarySchema, type RouterHealth } from './schemas.js';

const name = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must match [A-Za-z0-9_.-]+');

/** The router's own JSON-RPC methods. */
export function routerMethods(registry: Registry, health: () => RouterHealth) {
  return {
    'router.services': method({
      summary: 'Lists discovered services with their sockets and status',
      params: z.object({}),
      result: z.array(serviceSummarySchema),
      handler: () => registry.summaries(),
    }),
    'router.service': method({
      summary: 'One service with its sockets and their methods',
      params: z.object({ name: name.describe('Service directory name, e.g. hero_db') }),
      result: serviceSummarySchema,
      handler: ({ name }) => {
        const s = registry.summary(name, true);
        if (!s) throw new NotFoundError(`no service ${name}`);
        return s;
      },
    }),
    'router.scan': method({
      summary: 'Rescans the socket dir, probes every socket and refreshes the cached OpenRPC documents now',
      params: z.object({}),
      result: scanResultSchema,
      handler: async () => {
        const t = performance.now();
        await registry.scan(true, true);
        return { took_ms: Math.round((performance.now() - t) * 10) / 10, services: registry.summaries() };
      },
    }),
    'router.health': method({
      summary: "The router's own health and socket counts by status",
      params: z.object({}),
      result: routerHealthSchema,
      handler: () => health(),
    }),
    'router.spec': method({
      summary: "A socket's cached OpenRPC document",
      params: z.object({
        service: name.describe('Service directory name'),
        socket: name.default('rpc').describe('Socket name (default rpc)'),
      }),
      result: z.record(z.string(), z.unknown()),
      handler: async ({ service, socket }) => {
        const entry = registry.get(service, socket) ?? (await registry.lookupOnDisk(service, socket));
        if (!entry) throw new NotFoundError(`no socket ${service}/${socket}`);
        if (!entry.spec && entry.status !== 'inactive') await registry.probe(entry, true);
        if (!entry.spec) throw new NotFoundError(`${service}/${socket} has no OpenRPC document (status ${entry.status})`);
        return entry.spec;
      },
    }),
  };
}
