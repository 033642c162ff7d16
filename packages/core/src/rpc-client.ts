import type { Agent, Dispatcher } from 'undici';
import { HeroError, UnavailableError } from './errors.js';
import type { JsonRpcErrorObject, JsonRpcResponse } from './json-rpc.js';

export interface RpcClientOptions {
  /** Per-call timeout in ms (default 30 s); 0 disables. */
  timeoutMs?: number;
  /** Headers sent with every request (e.g. `authorization`). */
  headers?: Record<string, string>;
  /** Shared dispatcher; by default each client owns a keep-alive Agent. */
  dispatcher?: Dispatcher;
}

export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** An error answered by the server: `rpcCode` is the JSON-RPC code, `code` the `HERO_…` string. */
export class RpcError extends HeroError {
  constructor(readonly error: JsonRpcErrorObject) {
    const data = (error.data && typeof error.data === 'object' ? error.data : {}) as Record<string, unknown>;
    const code = typeof data.code === 'string' ? data.code : 'HERO_RPC';
    super(code, error.message, { rpcCode: error.code, data });
    this.name = 'RpcError';
  }
}

type Undici = typeof import('undici');
let undici: Promise<Undici> | undefined;
/** undici is loaded on the first call, so a server that never calls out does not carry it (~20 MB RSS). */
const loadUndici = () => (undici ??= import('undici'));

/**
 * A JSON-RPC client for a Hero service. `target` is a Unix socket path or an http(s) base URL;
 * calls go to `<target>/rpc`.
 */
export class RpcClient {
  readonly target: string;
  private dispatcher: Dispatcher | undefined;
  private owned: Agent | undefined;
  private readonly socketPath: string | undefined;
  private closed = false;
  private readonly origin: string;
  private readonly basePath: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private nextId = 1;

  constructor(target: string, options: RpcClientOptions = {}) {
    this.target = target;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.headers = { 'content-type': 'application/json', ...options.headers };
    if (/^https?:\/\//.test(target)) {
      const url = new URL(target);
      this.origin = url.origin;
      this.basePath = url.pathname.replace(/\/+$/, '');
      this.socketPath = undefined;
    } else {
      this.origin = 'http://localhost';
      this.basePath = '';
      this.socketPath = target;
    }
    this.dispatcher = options.dispatcher;
  }

  /** The caller's dispatcher, or this client's own keep-alive Agent (created on first use). */
  private dispatcherOf(u: Undici): Dispatcher {
    if (this.dispatcher) return this.dispatcher;
    if (this.closed) throw new UnavailableError(`cannot reach ${this.target}: client closed`);
    this.owned = new u.Agent(
      this.socketPath ? { connect: { socketPath: this.socketPath }, keepAliveTimeout: 4000 } : { keepAliveTimeout: 4000 },
    );
    return (this.dispatcher = this.owned);
  }

  /** Calls `method` and returns its result, or throws RpcError / UnavailableError. */
  async call<T = unknown>(method: string, params?: unknown, opts: CallOptions = {}): Promise<T> {
    const id = this.nextId++;
    const res = (await this.post({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }, opts)) as
      | JsonRpcResponse
      | undefined;
    if (!res || typeof res !== 'object') throw new HeroError('HERO_RPC', `empty reply to ${method}`);
    if ('error' in res) throw new RpcError(res.error);
    return res.result as T;
  }

  /** Sends a notification (no reply expected). */
  async notify(method: string, params?: unknown, opts: CallOptions = {}): Promise<void> {
    await this.post({ jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }) }, opts);
  }

  /** Sends a raw JSON-RPC message (single or batch) and returns the parsed reply. */
  async post(body: unknown, opts: CallOptions = {}): Promise<unknown> {
    const { status, text } = await this.send('POST', '/rpc', JSON.stringify(body), opts);
    if (status === 204) return undefined;
    if (status !== 200) throw new HeroError('HERO_RPC', `${this.target}: HTTP ${status}: ${text.slice(0, 200)}`);
    return JSON.parse(text);
  }

  /** GETs a JSON document (`/health`, `/openrpc.json`, …) from the service. */
  async getJson<T = unknown>(path: string, opts: CallOptions = {}): Promise<T> {
    const { status, text } = await this.send('GET', path, undefined, opts);
    if (status !== 200) throw new HeroError('HERO_RPC', `${this.target}${path}: HTTP ${status}`);
    return JSON.parse(text) as T;
  }

  private async send(method: 'GET' | 'POST', path: string, body: string | undefined, opts: CallOptions) {
    const timeout = opts.timeoutMs ?? this.timeoutMs;
    const u = await loadUndici();
    const dispatcher = this.dispatcherOf(u);
    try {
      const res = await u.request(this.origin + this.basePath + path, {
        method,
        body,
        headers: this.headers,
        dispatcher,
        signal: opts.signal,
        headersTimeout: timeout || 0,
        bodyTimeout: timeout || 0,
      });
      return { status: res.statusCode, text: await res.body.text() };
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
        throw new HeroError('HERO_TIMEOUT', `${this.target}: no reply within ${timeout} ms`, { cause: err });
      }
      if (opts.signal?.aborted) throw err;
      throw new UnavailableError(`cannot reach ${this.target}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Closes the client's own connections. */
  async close(): Promise<void> {
    this.closed = true;
    await this.owned?.close();
  }
}
