import type http from 'node:http';
import type { HttpRoute } from './rpc-server.js';
import { listenHttp, type HttpListener, type SocketListenOptions, type TcpListenOptions } from './listen.js';
import { sendJson } from './http-util.js';
import type { ServiceInfo } from './openrpc.js';

export interface ServeUiOptions {
  info: ServiceInfo;
  /** The dashboard page served at `/`. */
  html: string | (() => string);
  /** API routes for the page (tried before the page and the 404). */
  routes?: HttpRoute;
  socket?: SocketListenOptions;
  tcp?: TcpListenOptions;
  /** Socket name advertised in heroservice.json (default `admin`). */
  socketName?: string;
}

/** Builds a UI request handler: the page at `/`, health, heroservice.json (`protocol: ui`), routes. */
export function createUiHandler(opts: Omit<ServeUiOptions, 'socket' | 'tcp'>): http.RequestListener {
  const started = Date.now();
  return (req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0];
      if (opts.routes && (await opts.routes(req, res))) return;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return sendJson(res, 405, { error: 'method_not_allowed', message: `${req.method} not allowed` });
      }
      if (path === '/' || path === '/index.html') {
        const html = Buffer.from(typeof opts.html === 'function' ? opts.html() : opts.html);
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-length': html.length,
          'cache-control': 'no-store',
        });
        return void res.end(html);
      }
      if (path === '/health') {
        return sendJson(res, 200, {
          status: 'ok',
          service: opts.info.name,
          version: opts.info.version,
          uptime_secs: Math.floor((Date.now() - started) / 1000),
        });
      }
      if (path === '/.well-known/heroservice.json') {
        return sendJson(res, 200, {
          protocol: 'ui',
          name: opts.info.name,
          title: opts.info.title,
          version: opts.info.version,
          description: opts.info.description,
          socket: opts.socketName ?? 'admin',
        });
      }
      sendJson(res, 404, { error: 'not_found', message: `no route for ${path}` });
    })().catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'internal', message: 'Internal error' });
      else res.destroy();
    });
  };
}

/** Serves a small HTML dashboard on a `ui` socket until `signal` aborts. */
export function serveUi(opts: ServeUiOptions, signal?: AbortSignal): Promise<HttpListener> {
  return listenHttp({ handler: createUiHandler(opts), socket: opts.socket, tcp: opts.tcp }, signal);
}
