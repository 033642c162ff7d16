/**
 * Lean path for the hot calls on the WebSocket transport: positional `pushMessage`,
 * `popMessage` and `pushMessageReply`. A call is taken here only when its params are certainly
 * valid for the zod schemas of methods.ts; anything else (named params, a bad field, another
 * method) goes the generic way, so every validation error keeps its exact code and message.
 * Service errors are rendered as `@hero/core`'s RPC server renders them.
 */
import { rpcErrorObject, type RunContext } from '@hero/core';
import { isBase64 } from './base64.js';
import { inboundJson } from './bus.js';
import type { PushMessageBody } from './client.js';
import { parseIpv6 } from './ipv6.js';
import { MAX_WAIT_SECS } from './schemas.js';
import type { MessageService, PushResult } from './service.js';

const HEX64 = /^[0-9a-fA-F]{64}$/;

/** A JSON-RPC request as parsed from a frame. */
type Call = Record<string, unknown>;

/** What the lean path needs from the connection: a cancellable signal for a call that waits. */
export interface FastConn {
  /** Registers call `id` as waiting (so `$/cancelRequest` and the connection's end abort it). */
  wait(id: string | number): AbortSignal;
  /** Like {@link wait}, with the call's own cancel function instead of a signal. */
  onCancel(id: string | number, cancel: () => void): void;
  /** The call has ended. */
  done(id: string | number): void;
  /** Sends an answer produced after the call returned. */
  answer(out: string): void;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `{ip}` or `{pk}` exactly, as the strict union of `destinationSchema` accepts. */
function validDst(d: unknown): boolean {
  if (!isObject(d)) return false;
  let n = 0;
  for (const k in d) if (Object.hasOwn(d, k)) n++;
  if (n !== 1) return false;
  if (typeof d.pk === 'string') return HEX64.test(d.pk);
  if (typeof d.ip === 'string') return parseIpv6(d.ip) !== undefined;
  return false;
}

/** What `pushBodySchema` accepts (extra keys are ignored there too). */
function validBody(b: unknown): b is PushMessageBody {
  if (!isObject(b) || !validDst(b.dst) || !isBase64(b.payload)) return false;
  return b.topic === undefined || b.topic === null || isBase64(b.topic);
}

/** What `waitSecs.nullish()` accepts. */
function validWait(v: unknown): v is number | null | undefined {
  return v === undefined || v === null || (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_WAIT_SECS);
}

function optional<T>(v: unknown, type: 'boolean' | 'string'): v is T | null | undefined {
  return v === undefined || v === null || typeof v === type;
}

/** True when `m` is a request (with an id) this path serves with params the schemas accept. */
export function isFastCall(m: unknown): m is Call {
  if (!isObject(m) || m.jsonrpc !== '2.0' || (typeof m.id !== 'number' && typeof m.id !== 'string')) return false;
  const p = m.params;
  switch (m.method) {
    case 'pushMessage':
      return Array.isArray(p) && (p.length === 1 || p.length === 2) && validBody(p[0]) && validWait(p[1]);
    case 'popMessage':
      if (p === undefined) return true;
      return (
        Array.isArray(p) && p.length <= 3 && optional<boolean>(p[0], 'boolean') && validWait(p[1]) && optional<string>(p[2], 'string')
      );
    case 'pushMessageReply':
      return Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && validBody(p[1]);
    default:
      return false;
  }
}

const ok = (idJson: string, result: string) => `{"jsonrpc":"2.0","id":${idJson},"result":${result}}`;

function pushResult(idJson: string, r: PushResult): string {
  return ok(idJson, r.reply ? JSON.stringify(r.reply) : `{"id":${JSON.stringify(r.id)}}`);
}

/** Serves the lean calls of one bus; answers are JSON text. */
export function createFastPath(svc: MessageService, logger?: RunContext['logger']) {
  const bus = svc.bus;

  const failure = (id: string | number, method: string, err: unknown): string =>
    JSON.stringify({ jsonrpc: '2.0', id, error: rpcErrorObject(err, logger, method) });

  const settle = (p: Promise<string>, m: Call, conn: FastConn, waited: boolean): Promise<string> => {
    const id = m.id as string | number;
    return p.then(
      (out) => {
        if (waited) conn.done(id);
        return out;
      },
      (err: unknown) => {
        if (waited) conn.done(id);
        return failure(id, m.method as string, err);
      },
    );
  };

  /**
   * Runs a call accepted by {@link isFastCall}: the answer now, or a promise of it. With
   * `direct`, a popMessage that waits answers through `conn.answer` as soon as a push hands it a
   * message (in that push's tick) and undefined is returned.
   */
  return function run(m: Call, conn: FastConn, direct = false): string | Promise<string> | undefined {
    const id = m.id as string | number;
    const idJson = typeof id === 'number' ? String(id) : JSON.stringify(id);
    const p = (m.params ?? []) as unknown[];
    try {
      if (m.method === 'popMessage') {
        const peek = (p[0] as boolean | null | undefined) ?? false;
        const timeout = (p[1] as number | null | undefined) ?? 0;
        const prefix = svc.popPrefix((p[2] as string | null | undefined) ?? undefined);
        const env = bus.take(prefix, peek);
        if (env) return ok(idJson, inboundJson(env));
        if (timeout <= 0) return ok(idJson, 'null');
        if (direct) {
          let ended = false;
          const cancel = bus.wait(prefix, peek, timeout * 1000, (e) => {
            ended = true;
            conn.done(id);
            conn.answer(ok(idJson, e ? inboundJson(e) : 'null'));
          });
          if (!ended) conn.onCancel(id, cancel);
          return undefined;
        }
        const waiting = bus.pop(prefix, peek, timeout * 1000, conn.wait(id));
        return settle(
          waiting.then((e) => ok(idJson, e ? inboundJson(e) : 'null')),
          m,
          conn,
          true,
        );
      }
      if (m.method === 'pushMessage') {
        const replyTimeout = (p[1] as number | null | undefined) ?? undefined;
        const waits = replyTimeout !== undefined && replyTimeout > 0;
        const r = svc.pushMessage(p[0] as PushMessageBody, replyTimeout, waits ? conn.wait(id) : undefined);
        if (!(r instanceof Promise)) return pushResult(idJson, r);
        return settle(
          r.then((x) => pushResult(idJson, x)),
          m,
          conn,
          waits,
        );
      }
      const r = svc.pushMessageReply(p[0] as string, p[1] as PushMessageBody);
      if (!(r instanceof Promise)) return ok(idJson, 'true');
      return settle(
        r.then(() => ok(idJson, 'true')),
        m,
        conn,
        false,
      );
    } catch (err) {
      conn.done(id);
      return failure(id, m.method as string, err);
    }
  };
}

export type FastPath = ReturnType<typeof createFastPath>;
