/**
 * hero_master: the master side of a compute cluster, as a Hero service. Workers send
 * `node.heartbeat` through this node's router with their own bearer token; the router turns the
 * token into `X-Hero-Context`, and the master accepts a heartbeat only for the node its
 * context names — a worker cannot speak for another one.
 *
 *   tsx --conditions=@hero/source master/master.ts --config master.toml
 */
import { AuthError, expandHome, method, serveRpc, socketPath, type RunContext } from '@hero/core';
import { z } from 'zod';
import { serviceMain } from '../service-main.js';

export const SERVICE = 'hero_master';

export const configSchema = z.strictObject({
  socket_dir: z.string().default('~/hero/var/sockets').describe('Directory holding hero_master/rpc.sock'),
  stale_after_ms: z.number().int().min(1).default(5_000).describe('A node whose last heartbeat is older than this is listed as not alive'),
});
export type Config = z.output<typeof configSchema>;

interface NodeRecord {
  node: string;
  context: string;
  started_at: string;
  jobs_running: number;
  beats: number;
  last_seen: number;
}

const nodeView = z.object({
  node: z.string(),
  context: z.string(),
  started_at: z.string(),
  jobs_running: z.number(),
  beats: z.number(),
  last_seen: z.string(),
  alive: z.boolean(),
});

/** Serves hero_master until `signal` aborts. */
export async function run(config: Config, signal: AbortSignal, ctx?: RunContext): Promise<void> {
  const nodes = new Map<string, NodeRecord>();
  const sock = socketPath(expandHome(config.socket_dir), SERVICE, 'rpc');
  const server = await serveRpc(
    {
      info: { name: SERVICE, title: 'Hero master', version: '0.1.0', description: 'Worker heartbeats and membership' },
      socket: { path: sock, service: SERVICE },
      logger: ctx?.logger,
      methods: {
        'node.heartbeat': method({
          summary: 'A worker says it is alive (through the router, with its token)',
          params: z.object({
            node: z.string().min(1).max(64),
            started_at: z.string().default(''),
            jobs_running: z.number().int().min(0).default(0),
          }),
          result: z.object({ accepted: z.boolean(), beats: z.number() }),
          handler: (p, call) => {
            const context = call.headers['x-hero-context'];
            if (typeof context !== 'string' || context === '') {
              throw new AuthError('heartbeats must come through the router with a node token (no X-Hero-Context)');
            }
            if (context !== p.node) throw new AuthError(`a token for "${context}" cannot send heartbeats for "${p.node}"`);
            const prev = nodes.get(p.node);
            const rec: NodeRecord = {
              node: p.node,
              context,
              started_at: p.started_at,
              jobs_running: p.jobs_running,
              beats: (prev?.beats ?? 0) + 1,
              last_seen: Date.now(),
            };
            nodes.set(p.node, rec);
            return { accepted: true, beats: rec.beats };
          },
        }),
        'node.list': method({
          summary: 'Known workers with their last heartbeat',
          params: z.object({}),
          result: z.array(nodeView),
          handler: () =>
            [...nodes.values()].map((n) => ({
              ...n,
              last_seen: new Date(n.last_seen).toISOString(),
              alive: Date.now() - n.last_seen <= config.stale_after_ms,
            })),
        }),
      },
    },
    signal,
  );
  ctx?.onReady?.({ service: SERVICE, sockets: { rpc: sock } });
  if (!signal.aborted) await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
  await server.close();
}

if (import.meta.url === `file://${process.argv[1]}`) await serviceMain(SERVICE, configSchema, run);
