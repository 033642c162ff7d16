import net from 'node:net';
import tls from 'node:tls';
import { HeroError, isErrnoException } from '@hero/core';
import type { ProxyEngine } from './proxy.js';

export interface TcpEntryOptions {
  host: string;
  port: number;
  tls?: { cert: Buffer; key: Buffer };
  engine: ProxyEngine;
  /** Time given to in-flight exchanges on close (default 5 s). */
  drainMs?: number;
}

export interface TcpEntry {
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

/** Listens on the TCP entry point (plain or TLS) and hands each connection to the proxy. */
export async function listenTcpEntry(o: TcpEntryOptions): Promise<TcpEntry> {
  const server: net.Server = o.tls
    ? tls.createServer({ cert: o.tls.cert, key: o.tls.key, ALPNProtocols: ['http/1.1'] }, (s) => o.engine.handle(s))
    : net.createServer({ noDelay: true }, (s) => o.engine.handle(s));
  // failed handshakes and resets are the client's problem, never the router's
  server.on('tlsClientError', () => {});
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
        const done = new Promise<void>((r) => server.close(() => r()));
        await o.engine.close(o.drainMs ?? 5000);
        await done;
      })();
      return closed;
    },
  };
}
