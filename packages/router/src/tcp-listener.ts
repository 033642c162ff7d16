import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { HeroError, isErrnoException } from '@hero/core';

export interface TcpEntryOptions {
  host: string;
  port: number;
  tls?: { cert: Buffer; key: Buffer };
  request: http.RequestListener;
  upgrade: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Time given to in-flight requests on close (default 5 s). */
  drainMs?: number;
}

export interface TcpEntry {
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

/** Listens on the TCP entry point (HTTP or HTTPS); close drains, then cuts what is left. */
export async function listenTcpEntry(o: TcpEntryOptions): Promise<TcpEntry> {
  const options: http.ServerOptions = {
    keepAliveTimeout: 65_000,
    // large uploads and long streams are bounded by the proxy's own timeouts, not this one
    requestTimeout: 0,
    headersTimeout: 30_000,
    noDelay: true,
  };
  const server: http.Server = o.tls
    ? https.createServer({ ...options, cert: o.tls.cert, key: o.tls.key }, o.request)
    : http.createServer(options, o.request);
  const upgraded = new Set<Duplex>();
  let closing = false;
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (closing) return void socket.destroy();
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    o.upgrade(req, socket, head);
  });
  server.on('clientError', (_err, socket: Duplex) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      const where = `${o.host}:${o.port}`;
      reject(
        isErrnoException(err, 'EADDRINUSE')
          ? new HeroError('HERO_CONFLICT', `address already in use: ${where}`, { cause: err })
          : new HeroError('HERO_UNAVAILABLE', `cannot listen on ${where}: ${err.message}`, { cause: err }),
      );
    };
    server.once('error', onError);
    server.listen(o.port, o.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const addr = server.address() as net.AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    address: { host: addr.address, port: addr.port },
    close() {
      closed ??= (async () => {
        closing = true;
        const done = new Promise<void>((r) => server.close(() => r()));
        for (const s of upgraded) s.destroy();
        const deadline = Date.now() + (o.drainMs ?? 5000);
        // keep cutting connections as they turn idle until none is left or time is up
        let finished = false;
        void done.then(() => (finished = true));
        while (!finished && Date.now() < deadline) {
          server.closeIdleConnections();
          await new Promise((r) => setTimeout(r, 25));
        }
        server.closeAllConnections();
        await done;
      })();
      return closed;
    },
  };
}
