import fs from 'node:fs/promises';
import net from 'node:net';
import { HeroError, isErrnoException, prepareSocket, removeSocket } from '@hero/core';
import type { Engine } from './engine.js';
import { ProtocolError, RespParser } from './resp/parser.js';
import type { Session, SessionTransport } from './session.js';

export interface RespListenOptions {
  /** Unix socket path (created 0600). */
  socketPath?: string;
  tcp?: { host: string; port: number };
  service: string;
}

export interface RespListener {
  readonly socketPath: string | undefined;
  readonly tcpAddress: { host: string; port: number } | undefined;
  close(): Promise<void>;
}

const PUBSUB_OUTPUT_LIMIT = 32 * 1024 * 1024;
const QUERY_BUFFER_LIMIT = 1024 * 1024 * 1024;
const ATTACK_LOG_INTERVAL_MS = 60_000;

/**
 * True for the first word of an HTTP request (`POST`, `Host:`): a web page made a browser talk
 * HTTP to us, and the request body may carry commands (cross-protocol scripting).
 */
export function isCrossProtocolAttack(name: string): boolean {
  if (name.length !== 4 && name.length !== 5) return false;
  const n = name.toLowerCase();
  return n === 'post' || n === 'host:';
}

/** Serves one client connection: parse → execute → one write per read batch. */
function serveConnection(engine: Engine, socket: net.Socket, kind: 'unix' | 'tcp', onAttack: (addr: string) => void, onClose: () => void): void {
  const limits = { get maxBulk() { return engine.config.protoMaxBulkLen; } };
  const parser = new RespParser(limits);
  let closed = false;
  const addr = kind === 'tcp' ? `${socket.remoteAddress}:${socket.remotePort}` : `${socket.localAddress ?? ''}:0`;
  const laddr = kind === 'tcp' ? `${socket.localAddress}:${socket.localPort}` : `${socket.localAddress ?? ''}:0`;

  // Reading stops while the client is blocked or while the socket has not drained our replies.
  let waitingDrain = false;
  let readPaused = false;
  const updateFlow = (): void => {
    const pause = !closed && (s.blocked !== null || waitingDrain);
    if (pause && !readPaused) socket.pause();
    else if (!pause && readPaused) socket.resume();
    readPaused = pause;
  };

  const flush = (): void => {
    if (closed) {
      s.out.take();
      return;
    }
    const b = s.out.take();
    if (b === null) return;
    engine.stats.outputBytes += b.length;
    // Like Redis's pubsub output limit: a subscriber that stops reading is dropped, not buffered forever.
    if (s.subscriptions > 0 && socket.writableLength + b.length > PUBSUB_OUTPUT_LIMIT) {
      closed = true;
      socket.destroy();
      return;
    }
    if (!socket.write(b) && !waitingDrain) {
      waitingDrain = true;
      updateFlow();
      socket.once('drain', () => {
        waitingDrain = false;
        updateFlow();
        if (!closed) process();
      });
    }
  };

  const close = (): void => {
    if (closed) return;
    engine.beforeWrite?.();
    flush();
    closed = true;
    socket.end();
    engine.freeSession(s);
  };

  // Like Redis's securityWarningCommand: nothing more from this connection runs, and even replies
  // to commands that came before the attack in the same read are dropped.
  const abort = (): void => {
    if (closed) return;
    closed = true;
    s.out.take();
    socket.destroy();
    engine.freeSession(s);
  };

  const process = (): void => {
    while (!closed && s.blocked === null && !s.closing && !waitingDrain) {
      let argv: string[] | null;
      try {
        argv = parser.next();
      } catch (err) {
        // anything else thrown while parsing is a bug; only this client's connection pays for it
        if (err instanceof ProtocolError) s.out.error(`ERR ${err.message}`);
        else engine.logger?.error({ err }, 'request parsing failed');
        close();
        return;
      }
      if (argv === null) break;
      if (isCrossProtocolAttack(argv[0]!)) {
        onAttack(addr);
        abort();
        return;
      }
      try {
        engine.execute(s, argv);
      } catch (err) {
        // a command that throws is a bug; it must not take the server down: this client's reply
        // stream may be half-written, so it is answered and closed, the others keep going
        engine.logger?.error({ err, command: argv[0] }, 'command failed');
        s.out.error('ERR internal error');
        close();
        return;
      }
      parser.authRequired = !s.authenticated;
    }
    if (s.closing) {
      close();
      return;
    }
    updateFlow();
    if (s.out.length !== 0) engine.markPending(s);
    engine.scheduleFlush();
  };

  const transport: SessionTransport = { flush, resume: () => process(), close, addr, laddr, kind };
  const s: Session = engine.newSession(transport);
  parser.authRequired = !s.authenticated;
  if (engine.sessions.size > engine.config.maxclients) {
    engine.stats.rejectedConnections++;
    s.out.error('ERR max number of clients reached');
    close();
    return;
  }
  socket.setNoDelay?.(true);
  socket.on('data', (chunk: Buffer) => {
    engine.stats.inputBytes += chunk.length;
    s.lastActive = Date.now();
    parser.feed(chunk);
    if (parser.pending > QUERY_BUFFER_LIMIT) {
      // client-query-buffer-limit: an unparsable flood closes the connection.
      close();
      return;
    }
    process();
  });
  socket.on('error', () => socket.destroy());
  socket.on('close', () => {
    closed = true;
    engine.freeSession(s);
    onClose();
  });
}

function listen(server: net.Server, target: string | { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      const where = typeof target === 'string' ? target : `${target.host}:${target.port}`;
      reject(
        isErrnoException(err, 'EADDRINUSE')
          ? new HeroError('HERO_CONFLICT', `address already in use: ${where}`, { cause: err })
          : new HeroError('HERO_UNAVAILABLE', `cannot listen on ${where}: ${err.message}`, { cause: err }),
      );
    };
    server.once('error', onError);
    const ok = () => {
      server.off('error', onError);
      resolve();
    };
    if (typeof target === 'string') server.listen(target, ok);
    else server.listen(target.port, target.host, ok);
  });
}

/** Listens for RESP clients on a Unix socket and/or TCP. `close()` disconnects every client. */
export async function listenResp(engine: Engine, opts: RespListenOptions): Promise<RespListener> {
  const sockets = new Set<net.Socket>();
  const servers: net.Server[] = [];
  let socketPath: string | undefined;
  let tcpAddress: { host: string; port: number } | undefined;
  const make = (kind: 'unix' | 'tcp') => {
    const server = net.createServer((socket) => {
      sockets.add(socket);
      serveConnection(engine, socket, kind, onAttack, () => sockets.delete(socket));
    });
    servers.push(server);
    return server;
  };
  let attackLoggedAt = -Infinity;
  const onAttack = (client: string): void => {
    const now = Date.now();
    if (now - attackLoggedAt < ATTACK_LOG_INTERVAL_MS) return;
    attackLoggedAt = now;
    engine.logger?.warn(
      { client },
      'Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to hero_db. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your hero_db instance. Connection aborted.',
    );
  };
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const done = servers.map((s) => new Promise<void>((r) => s.close(() => r())));
      for (const s of sockets) s.destroy();
      await Promise.all(done);
      if (socketPath) await removeSocket(socketPath);
    })());
  try {
    if (opts.socketPath) {
      await prepareSocket(opts.socketPath, opts.service);
      await listen(make('unix'), opts.socketPath);
      socketPath = opts.socketPath;
      await fs.chmod(opts.socketPath, 0o600);
    }
    if (opts.tcp) {
      const server = make('tcp');
      await listen(server, opts.tcp);
      const a = server.address() as net.AddressInfo;
      tcpAddress = { host: a.address, port: a.port };
    }
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
  return {
    get socketPath() {
      return socketPath;
    },
    get tcpAddress() {
      return tcpAddress;
    },
    close,
  };
}
