/**
 * JSON-RPC over one WebSocket: calls are multiplexed (many in flight at once), so a long poll
 * does not hold a connection of its own. Reconnects on the next call after a drop.
 */
import { HeroError, RpcError, UnavailableError, type CallOptions } from '@hero/core';
import type { JsonRpcResponse } from '@hero/core';
import type WebSocketType from 'ws';
import { send } from './ws-send.js';

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | undefined;
  method: string;
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
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(target: string, timeoutMs = 30_000) {
    this.url = wsUrlOf(target);
    this.timeoutMs = timeoutMs;
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
    for (const r of Array.isArray(msg) ? msg : [msg]) {
      if (typeof r.id !== 'number') continue;
      const p = this.pending.get(r.id);
      if (!p) continue;
      this.pending.delete(r.id);
      if ('error' in r) p.reject(new RpcError(r.error));
      else p.resolve(r.result);
    }
    this.idle();
  }

  private socketOf(ws: WebSocketType | undefined): { ref(): void; unref(): void } | undefined {
    return (ws as unknown as { _socket?: { ref(): void; unref(): void } } | undefined)?._socket;
  }

  /** An idle connection does not keep the process alive (like undici's idle sockets). */
  private idle(): void {
    if (this.pending.size === 0) this.socketOf(this.ws)?.unref();
  }

  private failAll(err: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(err);
  }

  /** Calls `method`; rejects with RpcError, UnavailableError or HERO_TIMEOUT. */
  async call<T = unknown>(method: string, params?: unknown, opts: CallOptions = {}): Promise<T> {
    if (this.closed) throw new UnavailableError('client is closed');
    const signal = opts.signal;
    if (signal?.aborted) throw signal.reason as Error;
    const ws = await this.connect();
    const id = this.nextId++;
    const timeout = opts.timeoutMs ?? this.timeoutMs;
    return new Promise<T>((resolve, reject) => {
      // every way out clears the timer and the abort listener (a caller may reuse one signal
      // for thousands of calls)
      const settle = () => {
        if (p.timer) clearTimeout(p.timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const p: Pending = {
        resolve: (v) => {
          settle();
          resolve(v as T);
        },
        reject: (e) => {
          settle();
          reject(e);
        },
        timer: undefined,
        method,
      };
      const onAbort = () => {
        if (!this.pending.delete(id)) return;
        p.reject(signal!.reason as Error);
        // tell the server, so an abandoned long poll cannot swallow a message
        if (ws.readyState === 1) send(ws, JSON.stringify({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id } }));
        this.idle();
      };
      if (timeout > 0) {
        p.timer = setTimeout(() => {
          this.pending.delete(id);
          this.idle();
          p.reject(new HeroError('HERO_TIMEOUT', `${this.url}: no reply to ${method} within ${timeout} ms`));
        }, timeout);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, p);
      this.socketOf(ws)?.ref();
      send(ws, JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }));
    });
  }

  async close(): Promise<void> {
    this.closed = true;
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
