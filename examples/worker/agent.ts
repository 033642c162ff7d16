/**
 * hero_worker: the worker side of a compute cluster, as a Hero service. It answers
 * `worker.status` (the master calls it through this node's router; a call that came through
 * the router must carry an allowed `X-Hero-Context`) and sends `node.heartbeat` to the master
 * through the master's router, with this node's bearer token.
 *
 *   tsx --conditions=@hero/source worker/agent.ts --config worker.toml
 */
import { AuthError, expandHome, method, serveRpc, socketPath, type RunContext } from '@hero/core';
import { z } from 'zod';
import { serviceMain } from '../service-main.js';

export const SERVICE = 'hero_worker';

export const configSchema = z.strictObject({
  socket_dir: z.string().default('~/hero/var/sockets').describe('Directory holding hero_worker/rpc.sock'),
  node: z.string().min(1).default('worker').describe('This node\'s name, as the master knows it'),
  master_url: z.string().default('').describe('The master router\'s URL, e.g. http://10.0.0.1:9998; "" sends no heartbeats'),
  master_token: z.string().default('').describe('Bearer token of this node on the master\'s router'),
  heartbeat_ms: z.number().int().min(50).default(1_000).describe('Heartbeat period'),
  allow_contexts: z.array(z.string()).default(['master']).describe('X-Hero-Context values allowed to call through the router'),
  runners: z.array(z.string()).default([]).describe('Runners of this node to register with the master\'s supervisor (register_runner)'),
  register_secret: z.string().default('').describe('Register secret of the master\'s supervisor'),
});
export type Config = z.output<typeof configSchema>;

/** Serves hero_worker and sends heartbeats until `signal` aborts. */
export async function run(config: Config, signal: AbortSignal, ctx?: RunContext): Promise<void> {
  const startedAt = new Date().toISOString();
  const sock = socketPath(expandHome(config.socket_dir), SERVICE, 'rpc');
  let beats = 0;
  const server = await serveRpc(
    {
      info: { name: SERVICE, title: 'Hero worker', version: '0.1.0', description: 'Worker status and heartbeats' },
      socket: { path: sock, service: SERVICE },
      logger: ctx?.logger,
      methods: {
        'worker.status': method({
          summary: 'This worker: name, start time, heartbeats sent, and who is asking',
          params: z.object({}),
          result: z.object({ node: z.string(), started_at: z.string(), heartbeats: z.number(), caller_context: z.string().nullable() }),
          handler: (_p, call) => {
            const context = call.headers['x-hero-context'];
            const proxied = context !== undefined || call.headers['x-forwarded-for'] !== undefined;
            if (proxied && (typeof context !== 'string' || !config.allow_contexts.includes(context))) {
              throw new AuthError(`context ${JSON.stringify(context ?? null)} may not call hero_worker`);
            }
            return { node: config.node, started_at: startedAt, heartbeats: beats, caller_context: typeof context === 'string' ? context : null };
          },
        }),
      },
    },
    signal,
  );
  ctx?.onReady?.({ service: SERVICE, sockets: { rpc: sock } });

  const base = config.master_url.replace(/\/+$/, '');
  /** One JSON-RPC call to a service on the master, through the master's router. */
  const callMaster = async (path: string, method: string, params: Record<string, unknown>): Promise<boolean> => {
    try {
      const res = await fetch(`${base}/${path}/rpc`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${config.master_token}` },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(Math.max(2_000, config.heartbeat_ms * 2))]),
      });
      const out = (await res.json()) as { result?: unknown; error?: { message: string } };
      if (res.status === 200 && !out.error) return true;
      ctx?.logger?.warn({ status: res.status, method, error: out.error?.message }, 'master refused the call');
    } catch (err) {
      if (!signal.aborted) ctx?.logger?.warn({ err, method }, 'master unreachable');
    }
    return false;
  };
  const unregistered = new Set(config.runners);
  const beat = async () => {
    // runners go into the shared Redis through the master's supervisor; retried until done
    for (const name of [...unregistered]) {
      if (await callMaster('hero_supervisor/rpc', 'register_runner', { secret: config.register_secret, name })) unregistered.delete(name);
    }
    if (await callMaster('hero_master/rpc', 'node.heartbeat', { node: config.node, started_at: startedAt })) beats++;
  };
  let timer: NodeJS.Timeout | undefined;
  const loop = async () => {
    await beat();
    if (!signal.aborted) timer = setTimeout(() => void loop(), config.heartbeat_ms);
  };
  if (config.master_url) void loop();
  if (!signal.aborted) await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
  clearTimeout(timer);
  await server.close();
}

if (import.meta.url === `file://${process.argv[1]}`) await serviceMain(SERVICE, configSchema, run);
