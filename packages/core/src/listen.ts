import fs from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import { HeroError, isErrnoException } from './errors.js';
import { prepareSocket, removeSocket } from './paths.js';

export interface SocketListenOptions {
  /** Full path of the Unix socket. */
  path: string;
  /** Service name used in the "already running" error. */
  service: string;
  /** File mode of the socket (default 0600). */
  mode?: number;
}

export interface TcpListenOptions {
  host: string;
  port: number;
}

export interface ListenHttpOptions {
  handler: http.RequestListener;
  /** Called for `upgrade` requests (WebSocket); the socket is destroyed when absent. */
  onUpgrade?: (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => void;
  socket?: SocketListenOptions;
  tcp?: TcpListenOptions;
  /** Time given to in-flight requests on close before connections are cut (default 10 s). */
  drainMs?: number;
  /** Extra options for each `http.Server` (timeouts, header limits). */
  serverOptions?: http.ServerOptions;
}

/** A running HTTP listener set; `close()` is idempotent. */
export interface HttpListener {
  readonly socketPath: string | undefined;
  readonly tcpAddress: { host: string; port: number } | undefined;
  readonly servers: http.Server[];
  close(): Promise<void>;
}

/** Listens on `server` and turns bind failures into HeroErrors with stable codes. */
function listenOn(server: http.Server, target: string | TcpListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      const where = typeof target === 'string' ? target : `${target.host}:${target.port}`;
      if (isErrnoException(err, 'EADDRINUSE')) {
        reject(new HeroError('HERO_CONFLICT', `address already in use: ${where}`, { cause: err }));
      } else {
        reject(new HeroError('HERO_UNAVAILABLE', `cannot listen on ${where}: ${err.message}`, { cause: err }));
      }
    };
    server.once('error', onError);
    const ready = () => {
      server.off('error', onError);
      resolve();
    };
    if (typeof target === 'string') server.listen(target, ready);
    else server.listen(target.port, target.host, ready);
  });
}

/**
 * Serves one request handler on a Unix socket and/or TCP. Closing stops accepting, lets
 * in-flight requests finish (up to `drainMs`), cuts what is left and unlinks the socket.
 * Aborting `signal` closes it.
 */
export async function listenHttp(opts: ListenHttpOptions, signal?: AbortSignal): Promise<HttpListener> {
  if (signal?.aborted) throw new HeroError('HERO_UNAVAILABLE', 'aborted before listening');
  const servers: http.Server[] = [];
  let socketPath: string | undefined;
  let tcpAddress: { host: string; port: number } | undefined;
  let inflight = 0;
  let idleWaiters: (() => void)[] = [];

  const onResponseClosed = () => {
    inflight--;
    if (inflight === 0 && idleWaiters.length) {
      const w = idleWaiters;
      idleWaiters = [];
      for (const f of w) f();
    }
  };

  const make = () => {
    const server = http.createServer({ keepAliveTimeout: 5000, ...opts.serverOptions }, (req, res) => {
      inflight++;
      // 'close' fires once per response, after 'finish' or when the client goes away
      res.once('close', onResponseClosed);
      if (closing) res.setHeader('connection', 'close');
      opts.handler(req, res);
    });
    server.on('upgrade', (req, socket: net.Socket, head) => {
      if (opts.onUpgrade && !closing) opts.onUpgrade(req, socket, head);
      else socket.destroy();
    });
    server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
      else socket.destroy();
    });
    servers.push(server);
    return server;
  };

  let closing = false;
  let closePromise: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closePromise ??= (async () => {
      closing = true;
      signal?.removeEventListener('abort', onAbort);
      const closed = servers.map((s) => new Promise<void>((r) => s.close(() => r())));
      for (const s of servers) s.closeIdleConnections();
      if (inflight > 0) {
        await Promise.race([
          new Promise<void>((r) => idleWaiters.push(r)),
          new Promise<void>((r) => setTimeout(r, opts.drainMs ?? 10_000).unref()),
        ]);
      }
      for (const s of servers) s.closeAllConnections();
      await Promise.all(closed);
      if (socketPath) await removeSocket(socketPath);
    })();
    return closePromise;
  };
  const onAbort = () => void close();

  try {
    if (opts.socket) {
      await prepareSocket(opts.socket.path, opts.socket.service);
      await listenOn(make(), opts.socket.path);
      socketPath = opts.socket.path;
      await fs.chmod(opts.socket.path, opts.socket.mode ?? 0o600);
    }
    if (opts.tcp) {
      const server = make();
      await listenOn(server, opts.tcp);
      const addr = server.address() as net.AddressInfo;
      tcpAddress = { host: addr.address, port: addr.port };
    }
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) void close();
  return {
    get socketPath() {
      return socketPath;
    },
    get tcpAddress() {
      return tcpAddress;
    },
    servers,
    close,
  };
}
