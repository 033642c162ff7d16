import type { Logger } from 'pino';
import type { RpcHandler } from '@hero/core';
import { MyceliumClient } from '@hero/mycelium-bus/client';

/** Topic the supervisor serves JSON-RPC on. */
export const BUS_TOPIC = 'supervisor.rpc';

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((r) => {
    const t = setTimeout(r, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      r();
    }, { once: true });
  });

/**
 * Serves JSON-RPC over the Mycelium bus: pops messages on `supervisor.rpc`, dispatches them
 * like HTTP requests (a secret is always required on this transport) and answers with
 * `pushMessageReply`. Resolves once `signal` aborts and in-flight calls are answered.
 */
export async function serveBus(busSocket: string, rpc: RpcHandler, signal: AbortSignal, logger?: Logger): Promise<void> {
  const client = new MyceliumClient(busSocket, { timeoutMs: 0 });
  const inflight = new Set<Promise<void>>();
  let backoff = 100;
  try {
    while (!signal.aborted) {
      let msg;
      try {
        msg = await client.popMessage({ topic: BUS_TOPIC, timeout: 2, signal });
        backoff = 100;
      } catch (err) {
        if (signal.aborted) break;
        logger?.debug({ err }, 'bus pop failed');
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, 5000);
        continue;
      }
      if (!msg || msg.topic !== BUS_TOPIC) continue;
      const m = msg;
      const p = (async () => {
        let out: unknown;
        try {
          const request = JSON.parse(m.payload.toString('utf8')) as unknown;
          out = await rpc.dispatch(request, { transport: 'internal', headers: { 'x-hero-transport': 'bus' } });
        } catch {
          out = { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } };
        }
        if (out === undefined) return;
        await client.pushMessageReply(m.id, { dst: { pk: m.srcPk }, topic: BUS_TOPIC, payload: JSON.stringify(out) });
      })().catch((err) => logger?.warn({ err }, 'bus reply failed'));
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      while (inflight.size >= 64 && !signal.aborted) await Promise.race(inflight);
    }
    await Promise.allSettled([...inflight]);
  } finally {
    await client.close();
  }
}
