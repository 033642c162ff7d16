/**
 * JSON-RPC over one WebSocket: calls are multiplexed (many in flight at once), so a long poll
 * does not hold a connection of its own. Reconnects on the next call after a drop.
 */
import { HeroError, RpcError, UnavailableError, type CallOptions } from '@hero/core';
import type { JsonRpcResponse } from '@hero/core';
import type WebSocketType from 'ws';
import { CallTable } from './call-table.js';
import { mayWait } from './may-wait.js';
import { send, socketOf } from './ws-send.js';

/** One call in flight. A class rather than closures: the hot path makes one per call. */
class Pending {
  timer: NodeJS.Timeout | undefined = undefined;
  /** Date.now() after which the sweep fails the call (0: none, or a timer of its own). */
  deadline = 0;
  method = '';
  timeoutMs = 0;
  signal: AbortSignal | undefined = undefined;
  onAbort: (() => void) | undefined = undefined;
  constructor(
    readonly id: number,
    readonly resolve: (v: unknown) => void,
    readonly reject: (e: Error) => void,
  ) {}

  /** Clears the timer and the abort listener (a caller may reuse one signal for many calls). */
  settle(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.onAbort) this.signal!.removeEventListener('abort', this.onAbort);
  }
}

export interface WsRpcClientOptions {
  /** Default call timeout in ms (30 s). */
  timeoutMs?: number;
  /**
   * Send the calls made in the same tick that cannot wait on the server as one JSON-RPC batch
   * (array) frame. Long polls and pushes awaiting a reply always go alone, so a batch answer is
   * never held back by a wait.
   */
  autoBatch?: boolean;
}

/** Timeouts at least this long are checked by a periodic sweep instead of a timer per call. */
const SWEPT_MS = 2000;
/** How often the sweep runs: a swept timeout fires up to this much late. */
const SWEEP_EVERY_MS = 250;

/** JSON text of the method names in use, made once each. */
const quotedMethods = new Map<string, string>();
function quotedMethod(method: string): string {
  let q = quotedMethods.get(method);
  if (q === undefined) {
    q = JSON.stringify(method);
    if (quotedMethods.size < 256) quotedMethods.set(method, q);
  }
  return q;
}

/** `ws+unix:<socket>:/rpc` for a socket path, `ws(s)://…/rpc` for an http(s) base URL. */
export function wsUrlOf(target: string): string {
  if (/^https?:\/\//.test(target)) return target.replace(/^http/, 'ws').replace(/\/+$/, '') + '/rpc';
  return `ws+unix:${target}:/rpc`;
}

export class WsRpcClient {
  readonly url: string;
  private readonly timeoutMs: number;
  private ws: WebSocketType | undefined;
  private opening: Promise<WebSocketType> | undefined;
  private readonly pending = new CallTable<Pending>();
  private nextId = 1;
  private closed = false;
  private readonly autoBatch: boolean;
  /** Frames made in this tick, sent at its end: calls that may wait go alone... */
  private singles: string[] = [];
  /** ...and, with autoBatch, the others as one batch. */
  private batch: string[] = [];
  private outWs: WebSocketType | undefined;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(target: string, options: WsRpcClientOptions | number = {}) {
    const o = typeof options === 'number' ? { timeoutMs: options } : options;
    this.url = wsUrlOf(target);
    this.timeoutMs = o.timeoutMs ?? 30_000;
    this.autoBatch = o.autoBatch ?? false;
  }

  private connect(): Promise<WebSocketType> {
    if (this.ws && this.ws.readyState === 1) return Promise.resolve(this.ws);
    this.opening ??= (async () => {
      const { default: WebSocket } = await import('ws');
      return new Promise<WebSocketType>((resolve, reject) => {
        const ws = new WebSocket(this.url, {
          perMessageDeflate: false,
          skipUTF8Validation: true,
          // an all-zero mask lets ws skip masking: the frames never leave this host or a
          // connection the caller chose, so the masking (a proxy-cache defence) buys nothing
          generateMask: (mask) => mask.fill(0),
        });
        let opened = false;
        ws.once('open', () => {
          opened = true;
          this.ws = ws;
          this.opening = undefined;
          resolve(ws);
        });
        // kept for the connection's whole life: an 'error' without a listener would throw
        ws.on('error', (err) => {
          if (opened) return; // 'close' follows and fails what is pending
          this.opening = undefined;
          reject(new UnavailableError(`cannot reach ${this.url}: ${err.message}`, { cause: err }));
        });
        ws.on('message', (data) => this.onMessage(data.toString()));
        ws.once('close', () => {
          if (this.ws === ws) this.ws = undefined;
          this.failAll(new UnavailableError(`connection to ${this.url} closed`));
        });
      });
    })();
    return this.opening;
  }

  private onMessage(text: string): void {
    let msg: JsonRpcResponse | JsonRpcResponse[];
    try {
      msg = JSON.parse(text) as JsonRpcResponse | JsonRpcResponse[];
    } catch {
      return;
    }
    if (Array.isArray(msg)) for (const r of msg) this.settle(r);
    else this.settle(msg);
    if (this.pending.size === 0) this.idle();
  }

  /** Ends the call an answer is for (answers to no pending call are ignored). */
  private settle(r: JsonRpcResponse): void {
    if (typeof r !== 'object' || r === null || typeof r.id !== 'number') return;
    const p = this.pending.take(r.id);
    if (!p) return;
    p.settle();
    if ('error' in r) p.reject(new RpcError(r.error));
    else p.resolve(r.result);
  }


  /** An idle connection does not keep the process alive (like undici's idle sockets). */
  private idle(): void {
    if (this.pending.size === 0) socketOf(this.ws)?.unref();
  }

  private failAll(err: Error): void {
    for (const p of this.pending.clear()) {
      p.settle();
      p.reject(err);
    }
  }

  /** Calls `method`; rejects with RpcError, UnavailableError or HERO_TIMEOUT. */
  call<T = unknown>(method: string, params?: unknown, opts: CallOptions = {}): Promise<T> {
    if (this.closed) return Promise.reject(new UnavailableError('client is closed'));
    const signal = opts.signal;
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    // an open connection is used at once: no extra promise turn per call
    const ws = this.ws;
    if (ws && ws.readyState === 1) return this.send<T>(ws, method, params, opts);
    return this.connect().then((c) => this.send<T>(c, method, params, opts));
  }

  private send<T>(ws: WebSocketType, method: string, params: unknown, opts: CallOptions): Promise<T> {
    const signal = opts.signal;
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const id = this.nextId++;
    const timeout = opts.timeoutMs ?? this.timeoutMs;
    let p!: Pending;
    const done = new Promise<T>((resolve, reject) => {
      p = new Pending(id, resolve as (v: unknown) => void, reject);
    });
    if (timeout >= SWEPT_MS) {
      // long safety-net timeouts (the default 30 s, long polls plus slack) share one sweep
      p.deadline = Date.now() + timeout;
      p.method = method;
      p.timeoutMs = timeout;
      this.sweeper ??= setInterval(() => this.sweep(), SWEEP_EVERY_MS).unref();
    } else if (timeout > 0) {
      p.timer = setTimeout(() => this.expire(id, method, timeout), timeout);
    }
    if (signal) {
      p.signal = signal;
      p.onAbort = () => this.abort(ws, id);
      signal.addEventListener('abort', p.onAbort, { once: true });
    }
    // the first call in flight keeps the process alive until its answer
    if (this.pending.size === 0) socketOf(ws)?.ref();
    this.pending.add(p);
    const m = quotedMethod(method);
    const frame =
      params === undefined
        ? `{"jsonrpc":"2.0","id":${id},"method":${m}}`
        : `{"jsonrpc":"2.0","id":${id},"method":${m},"params":${JSON.stringify(params)}}`;
    const b = this.autoBatch && !mayWait(method, params);
    this.queue(ws, frame, b);
    return done;
  }

  /** Adds a frame to this tick's output; the first one schedules the write. */
  private queue(ws: WebSocketType, frame: string, batched: boolean): void {
    if (this.outWs !== ws) {
      this.flush();
      this.outWs = ws;
      // after this tick's promise continuations, which may add more calls
      process.nextTick(() => this.flush());
    }
    (batched ? this.batch : this.singles).push(frame);
  }

  /**
   * Sends this tick's frames, the batch first: as with every send, the first frame leaves at
   * once and the rest follow together in one socket write at the end of the tick.
   */
  private flush(): void {
    const ws = this.outWs;
    if (!ws) return;
    const { singles, batch } = this;
    this.outWs = undefined;
    this.singles = [];
    this.batch = [];
    // a lost connection fails the calls through its 'close'
    if (ws.readyState !== 1) return;
    // the batch first: pushes in it feed the long polls among the singles, which then need
    // not wait
    if (batch.length === 1) send(ws, batch[0]!, true);
    else if (batch.length > 1) send(ws, `[${batch.join(',')}]`, true);
    for (const f of singles) send(ws, f, true);
  }

  private expire(id: number, method: string, timeout: number): void {
    const p = this.pending.take(id);
    if (!p) return;
    this.idle();
    p.settle();
    p.reject(new HeroError('HERO_TIMEOUT', `${this.url}: no reply to ${method} within ${timeout} ms`));
  }

  /** Fails the swept calls past their deadline. */
  private sweep(): void {
    const now = Date.now();
    for (const p of this.pending.values()) if (p.deadline !== 0 && p.deadline <= now) this.expire(p.id, p.method, p.timeoutMs);
  }

  private abort(ws: WebSocketType, id: number): void {
    const p = this.pending.take(id);
    if (!p) return;
    p.settle();
    p.reject(p.signal!.reason as Error);
    // tell the server, so an abandoned long poll cannot swallow a message
    if (ws.readyState === 1) send(ws, JSON.stringify({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id } }), true);
    this.idle();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    const ws = this.ws ?? (this.opening ? await this.opening.catch(() => undefined) : undefined);
    if (!ws || ws.readyState === 3) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close(1000);
      setTimeout(() => {
        ws.terminate();
        resolve();
      }, 1000).unref();
    });
  }
}
