import type { Logger } from 'pino';
import { HeroError, type RpcHandler } from '@hero/core';
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

/** Most bus calls in flight at once. */
export const BUS_MAX_INFLIGHT = 64;
/** Most bus calls in flight from one sender (public key), so no sender can take every slot. */
export const BUS_MAX_PER_SENDER = 16;
/**
 * Longest a bus call may run (60 s). A bus message carries no reply timeout, so this cap is
 * fixed: `job.run` / `job.result` waits end after it. The call's signal is then aborted with a
 * HERO_TIMEOUT HeroError as its reason: unlike an HTTP caller going away, the bus caller still
 * waits for the reply (job.run answers HERO_TIMEOUT with the job id, not a failed job).
 */
export const BUS_MAX_CALL_MS = 60_000;

export interface ServeBusOptions {
  maxInflight?: number;
  maxPerSender?: number;
  maxCallMs?: number;
}

/** Counts calls in flight per sender; `acquire` refuses once a sender holds `perSender`. */
export class SenderLimiter {
  private readonly counts = new Map<string, number>();
  constructor(private readonly perSender: number) {}

  /** Takes a slot for `sender`; false when it already holds its limit. */
  acquire(sender: string): boolean {
    const n = this.counts.get(sender) ?? 0;
    if (n >= this.perSender) return false;
    this.counts.set(sender, n + 1);
    return true;
  }

  release(sender: string): void {
    const n = (this.counts.get(sender) ?? 0) - 1;
    if (n > 0) this.counts.set(sender, n);
    else this.counts.delete(sender);
  }

  inFlight(sender: string): number {
    return this.counts.get(sender) ?? 0;
  }
}

/** The JSON-RPC id of a request when it is readable, else null (a busy refusal still names it). */
function requestId(request: unknown): string | number | null {
  const id = (request as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

/**
 * Serves JSON-RPC over the Mycelium bus: pops messages on `supervisor.rpc`, dispatches them
 * like HTTP requests (a secret is always required on this transport) and answers with
 * `pushMessageReply`. Each call gets a signal aborted after `maxCallMs` (reason: a HERO_TIMEOUT
 * HeroError) or when `signal` aborts; a sender with `maxPerSender` calls in flight is answered
 * "busy" at once.
 * Resolves once `signal` aborts and in-flight calls are answered.
 */
export async function serveBus(
  busSocket: string,
  rpc: RpcHandler,
  signal: AbortSignal,
  logger?: Logger,
  opts: ServeBusOptions = {},
): Promise<void> {
  const maxInflight = opts.maxInflight ?? BUS_MAX_INFLIGHT;
  const maxCallMs = opts.maxCallMs ?? BUS_MAX_CALL_MS;
  const senders = new SenderLimiter(opts.maxPerSender ?? BUS_MAX_PER_SENDER);
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
      const admitted = senders.acquire(m.srcPk);
      const p = (async () => {
        let out: unknown;
        let request: unknown;
        try {
          request = JSON.parse(m.payload.toString('utf8')) as unknown;
        } catch {
          out = { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } };
        }
        if (out === undefined && !admitted) {
          logger?.warn({ src_pk: m.srcPk }, 'bus sender has too many calls in flight; refused');
          out = {
            jsonrpc: '2.0',
            id: requestId(request),
            error: { code: -32000, message: 'too many calls in flight from this sender; retry later', data: { code: 'HERO_UNAVAILABLE' } },
          };
        } else if (out === undefined) {
          const callAc = new AbortController();
          const abort = () => callAc.abort(new HeroError('HERO_UNAVAILABLE', 'the supervisor is stopping'));
          const timer = setTimeout(() => callAc.abort(new HeroError('HERO_TIMEOUT', `bus call ran past its ${maxCallMs} ms cap`)), maxCallMs);
          signal.addEventListener('abort', abort, { once: true });
          try {
            out = await rpc.dispatch(request, { transport: 'internal', headers: { 'x-hero-transport': 'bus' }, signal: callAc.signal });
          } catch {
            out = { jsonrpc: '2.0', id: requestId(request), error: { code: -32603, message: 'Internal error', data: { code: 'HERO_INTERNAL' } } };
          } finally {
            clearTimeout(timer);
            signal.removeEventListener('abort', abort);
          }
          if (out === undefined) return;
        }
        await client.pushMessageReply(m.id, { dst: { pk: m.srcPk }, topic: BUS_TOPIC, payload: JSON.stringify(out) });
      })()
        .catch((err) => logger?.warn({ err }, 'bus reply failed'))
        .finally(() => {
          if (admitted) senders.release(m.srcPk);
        });
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      while (inflight.size >= maxInflight && !signal.aborted) await Promise.race(inflight);
    }
    await Promise.allSettled([...inflight]);
  } finally {
    await client.close();
  }
}
