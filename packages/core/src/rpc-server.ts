import type http from 'node:http';
import type net from 'node:net';
import type { Logger } from 'pino';
import { z } from 'zod';
import { HeroError, toHeroError } from './errors.js';
import {
  INTERNAL_ERROR,
  INVALID_PARAMS,
  INVALID_REQUEST,
  METHOD_NOT_FOUND,
  PARSE_ERROR,
  type JsonRpcErrorObject,
  type JsonRpcId,
  type JsonRpcResponse,
} from './json-rpc.js';
import { listenHttp, type HttpListener, type SocketListenOptions, type TcpListenOptions } from './listen.js';
import { buildOpenRpc, type ServiceInfo } from './openrpc.js';
import type { CallContext, RpcMethod } from './rpc-method.js';
import { browserRefusal, readBody, sendJson } from './http-util.js';

/** Extra HTTP routes served beside the RPC endpoints; return true when handled. */
export type HttpRoute = (req: http.IncomingMessage, res: http.ServerResponse) => boolean | Promise<boolean>;

export const DEFAULT_BODY_LIMIT = 16 * 1024 * 1024;
/** Most calls in one JSON-RPC batch by default: a body limit alone still lets through batches that hold the event loop for seconds. */
export const DEFAULT_BATCH_LIMIT = 1000;

export interface RpcHandlerOptions {
  info: ServiceInfo;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  methods: Record<string, RpcMethod<any, any>>;
  /** Largest accepted request body in bytes (default 16 MiB; larger → 413). */
  bodyLimit?: number;
  /** Most calls in one JSON-RPC batch (default 1000; longer → one -32600 error and no call runs). */
  batchLimit?: number;
  logger?: Logger;
  /** Routes tried before the built-in 404 (REST APIs, SSE, dashboards). */
  routes?: HttpRoute;
  /**
   * Web pages (`Origin` values, `*` for any) whose requests a TCP listener accepts; any other
   * cross-site request is refused (see `browserRefusal`). Default none.
   */
  allowedOrigins?: readonly string[];
  /** `heroservice.json` protocol (default `openrpc`). */
  protocol?: 'openrpc' | 'ui' | 'rest';
}

export interface RpcHandler {
  handler: http.RequestListener;
  /** Runs one parsed JSON-RPC message (single or batch); undefined when nothing is to be answered. */
  dispatch(message: unknown, call?: Partial<CallContext>): Promise<JsonRpcResponse | JsonRpcResponse[] | undefined>;
  openrpc(): Record<string, unknown>;
}

/** The JSON-RPC error object of a handler's failure (internal errors are logged, never shown). */
export function rpcErrorObject(err: unknown, logger: Logger | undefined, method: string): JsonRpcErrorObject {
  const he = toHeroError(err);
  if (he.code === 'HERO_INTERNAL') {
    logger?.error({ err, method }, 'rpc handler failed');
    return { code: INTERNAL_ERROR, message: 'Internal error', data: { code: 'HERO_INTERNAL' } };
  }
  return { code: he.rpcCode, message: he.message, data: { code: he.code, ...he.data } };
}

function issuesOf(err: z.ZodError): { path: string; message: string }[] {
  return err.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

/** A call context whose signal (aborted when the response closes) is only made if read. */
function httpCall(req: http.IncomingMessage, res: http.ServerResponse): CallContext {
  let ac: AbortController | undefined;
  return {
    headers: req.headers,
    transport: (req.socket as net.Socket).remoteFamily ? 'tcp' : 'unix',
    get signal() {
      if (!ac) {
        ac = new AbortController();
        if (res.closed) ac.abort();
        else res.once('close', () => ac!.abort());
      }
      return ac.signal;
    },
  };
}

const isId = (v: unknown): v is JsonRpcId => v === null || typeof v === 'string' || typeof v === 'number';

/** Builds the HTTP handler of a JSON-RPC service: /rpc, /openrpc.json, /health, heroservice.json. */
export function createRpcHandler(opts: RpcHandlerOptions): RpcHandler {
  const started = Date.now();
  const { logger, info } = opts;
  const bodyLimit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const batchLimit = opts.batchLimit ?? DEFAULT_BATCH_LIMIT;
  let doc: Record<string, unknown> | undefined;
  const openrpc = () => (doc ??= buildOpenRpc(info, opts.methods));
  const methods = opts.methods;

  const fail = (id: JsonRpcId, error: JsonRpcErrorObject): JsonRpcResponse => ({ jsonrpc: '2.0', id, error });

  async function reply(name: string, params: unknown, id: JsonRpcId, call: CallContext): Promise<JsonRpcResponse> {
    if (name === 'rpc.discover') return { jsonrpc: '2.0', id, result: openrpc() };
    const def = Object.hasOwn(methods, name) ? methods[name] : undefined;
    if (!def) return fail(id, { code: METHOD_NOT_FOUND, message: `Method not found: ${name}` });
    let raw = params ?? {};
    if (Array.isArray(raw)) {
      const keys = Object.keys(def.params.shape);
      if (raw.length > keys.length) {
        return fail(id, {
          code: INVALID_PARAMS,
          message: `Invalid params: expected at most ${keys.length} positional params, got ${raw.length}`,
          data: { code: 'HERO_INVALID_PARAMS', issues: [] },
        });
      }
      const named: Record<string, unknown> = {};
      raw.forEach((v, i) => {
        if (v !== undefined) named[keys[i]!] = v;
      });
      raw = named;
    }
    const parsed = def.params.safeParse(raw);
    if (!parsed.success) {
      const issues = issuesOf(parsed.error);
      return fail(id, {
        code: INVALID_PARAMS,
        message: `Invalid params: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
        data: { code: 'HERO_INVALID_PARAMS', issues },
      });
    }
    const result = await def.handler(parsed.data, call);
    return { jsonrpc: '2.0', id, result: result === undefined ? null : result };
  }

  /** Runs one call; whatever throws (a schema's refine included) becomes this call's error, never the batch's. */
  async function one(msg: unknown, call: CallContext): Promise<JsonRpcResponse | undefined> {
    let hasId = true;
    let id: JsonRpcId = null;
    let name = '';
    try {
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
        return fail(null, { code: INVALID_REQUEST, message: 'Invalid Request' });
      }
      const m = msg as Record<string, unknown>;
      hasId = 'id' in m;
      id = hasId && isId(m.id) ? m.id : null;
      if (m.jsonrpc !== '2.0' || typeof m.method !== 'string' || (hasId && !isId(m.id)) ||
        (m.params !== undefined && (typeof m.params !== 'object' || m.params === null))) {
        return fail(id, { code: INVALID_REQUEST, message: 'Invalid Request' });
      }
      name = m.method;
      const res = await reply(name, m.params, id, call);
      return hasId ? res : undefined;
    } catch (err) {
      const res = fail(id, rpcErrorObject(err, logger, name));
      return hasId ? res : undefined;
    }
  }

  function dispatch(message: unknown, partial: Partial<CallContext> = {}) {
    return run(message, {
      headers: partial.headers ?? {},
      signal: partial.signal ?? new AbortController().signal,
      transport: partial.transport ?? 'internal',
    });
  }

  async function run(message: unknown, call: CallContext) {
    if (Array.isArray(message)) {
      if (message.length === 0) return fail(null, { code: INVALID_REQUEST, message: 'Invalid Request: empty batch' });
      if (message.length > batchLimit) {
        return fail(null, {
          code: INVALID_REQUEST,
          message: `Invalid Request: batch of ${message.length} calls exceeds the limit of ${batchLimit}`,
          data: { code: 'HERO_TOO_LARGE', limit: batchLimit },
        });
      }
      const out = (await Promise.all(message.map((m) => one(m, call)))).filter((r): r is JsonRpcResponse => !!r);
      return out.length ? out : undefined;
    }
    return one(message, call);
  }

  /** Sends an answer; a result JSON cannot encode (a BigInt, a cycle) becomes its call's internal error, not a 500. */
  function sendAnswer(res: http.ServerResponse, out: JsonRpcResponse | JsonRpcResponse[]): void {
    try {
      sendJson(res, 200, out);
      return;
    } catch {
      // only this rare path pays for encoding each answer on its own
    }
    const encodable = (r: JsonRpcResponse): JsonRpcResponse => {
      try {
        JSON.stringify(r);
        return r;
      } catch (err) {
        return fail(r.id, rpcErrorObject(err, logger, 'result encoding'));
      }
    };
    sendJson(res, 200, Array.isArray(out) ? out.map(encodable) : encodable(out));
  }

  const handler: http.RequestListener = (req, res) => {
    void (async () => {
      const refused = browserRefusal(req, opts.allowedOrigins);
      if (refused) return sendJson(res, 403, { error: 'forbidden', message: refused });
      const url = req.url ?? '/';
      const qi = url.indexOf('?');
      const path = qi === -1 ? url : url.slice(0, qi);
      if (req.method === 'POST' && (path === '/rpc' || path === '/')) {
        const body = await readBody(req, res, bodyLimit);
        if (body === undefined) return;
        let message: unknown;
        try {
          message = JSON.parse(body.toString('utf8'));
        } catch {
          sendJson(res, 200, fail(null, { code: PARSE_ERROR, message: 'Parse error' }));
          return;
        }
        const out = await run(message, httpCall(req, res));
        if (out === undefined) {
          res.writeHead(204).end();
        } else {
          sendAnswer(res, out);
        }
        return;
      }
      if (req.method === 'GET' || req.method === 'HEAD') {
        if (path === '/openrpc.json') return sendJson(res, 200, openrpc());
        if (path === '/health') {
          return sendJson(res, 200, {
            status: 'ok',
            service: info.name,
            version: info.version,
            uptime_secs: Math.floor((Date.now() - started) / 1000),
          });
        }
        if (path === '/.well-known/heroservice.json') {
          return sendJson(res, 200, {
            protocol: opts.protocol ?? 'openrpc',
            name: info.name,
            title: info.title,
            version: info.version,
            description: info.description,
            socket: 'rpc',
          });
        }
      }
      if (opts.routes && (await opts.routes(req, res))) return;
      sendJson(res, 404, { error: 'not_found', message: `no route for ${req.method} ${path}` });
    })().catch((err) => {
      logger?.error({ err }, 'http handler failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal', message: 'Internal error' });
      else res.destroy();
    });
  };

  return { handler, dispatch, openrpc };
}

export interface ServeRpcOptions extends RpcHandlerOptions {
  socket?: SocketListenOptions;
  tcp?: TcpListenOptions;
  onUpgrade?: (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => void;
  drainMs?: number;
}

/** Serves a JSON-RPC service on its socket (and optional TCP) until `signal` aborts. */
export async function serveRpc(opts: ServeRpcOptions, signal?: AbortSignal): Promise<HttpListener & RpcHandler> {
  if (!opts.socket && !opts.tcp) throw new HeroError('HERO_CONFIG', 'serveRpc needs a socket or a tcp address');
  const rpc = createRpcHandler(opts);
  const listener = await listenHttp(
    { handler: rpc.handler, socket: opts.socket, tcp: opts.tcp, onUpgrade: opts.onUpgrade, drainMs: opts.drainMs },
    signal,
  );
  return {
    ...rpc,
    socketPath: listener.socketPath,
    tcpAddress: listener.tcpAddress,
    servers: listener.servers,
    close: listener.close,
  };
}
