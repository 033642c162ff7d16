import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { RunContext } from '@hero/core';

type Logger = NonNullable<RunContext['logger']>;
import { sendJson } from '@hero/core';
import { downstreamHeaders, upstreamHeaders, type ForwardInfo } from './headers.js';
import type { Registry, SocketEntry } from './registry.js';

export interface ProxyOptions {
  registry: Registry;
  /** Time to response headers (or the upgrade answer) before 504; 0 = none. */
  upstreamTimeoutMs: number;
  /** Idle time (no bytes either way) after which an exchange is cut; 0 = none. */
  idleTimeoutMs: number;
  proto: 'http' | 'https';
  /** The Authorization header carried the router's own token: do not forward it. */
  dropAuthorization: boolean;
  logger?: Logger;
}

export interface Proxy {
  /** Forwards one HTTP request to `entry` as `rest`. */
  forward(req: http.IncomingMessage, res: http.ServerResponse, entry: SocketEntry, rest: string, context: string): void;
  /** Forwards an upgrade (WebSocket) request and then pipes raw bytes both ways. */
  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, entry: SocketEntry, rest: string, context: string): void;
}

const DEAD = new Set(['ECONNREFUSED', 'ENOENT', 'ENOTSOCK', 'EACCES']);
const RETRYABLE = new Set(['ECONNRESET', 'EPIPE']);

/** A JSON error on a raw socket (upgrade requests have no ServerResponse). */
export function rawJson(socket: Duplex, status: number, reason: string, body: unknown): void {
  const data = JSON.stringify(body);
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(data)}\r\nconnection: close\r\n\r\n${data}`,
    );
  }
  socket.destroy();
}

/** The reverse proxy: pooled keep-alive connections per socket, streaming both ways. */
export function createProxy(o: ProxyOptions): Proxy {
  const { registry, upstreamTimeoutMs, idleTimeoutMs, logger } = o;

  const info = (req: http.IncomingMessage, entry: SocketEntry, context: string, upgrade: boolean): ForwardInfo => ({
    remoteAddress: req.socket.remoteAddress,
    proto: o.proto,
    prefix: entry.prefix,
    context,
    dropAuthorization: o.dropAuthorization,
    upgrade,
    hasBody: false,
  });

  function forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    entry: SocketEntry,
    rest: string,
    context: string,
  ): void {
    const f = info(req, entry, context, false);
    const headers = upstreamHeaders(req, f);
    send(req, res, entry, rest, headers, f.hasBody === true, true);
  }

  function send(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    entry: SocketEntry,
    rest: string,
    headers: string[],
    hasBody: boolean,
    mayRetry: boolean,
  ): void {
    let settled = false;
    const up = http.request({
      agent: registry.agentOf(entry),
      socketPath: entry.path,
      method: req.method,
      path: rest,
      headers,
      setHost: false,
    });
    const timer =
      upstreamTimeoutMs > 0
        ? setTimeout(() => {
            if (settled) return;
            settled = true;
            up.destroy();
            if (!res.headersSent) {
              res.setHeader('connection', 'close');
              sendJson(res, 504, {
                error: 'gateway_timeout',
                message: `${entry.prefix} did not answer within ${upstreamTimeoutMs} ms`,
              });
            } else res.destroy();
          }, upstreamTimeoutMs)
        : undefined;
    if (idleTimeoutMs > 0) up.setTimeout(idleTimeoutMs, () => up.destroy(new Error('idle timeout')));

    up.on('response', (ures) => {
      if (settled) {
        ures.destroy();
        return;
      }
      settled = true;
      if (timer) clearTimeout(timer);
      const state = { hasLength: false };
      res.writeHead(ures.statusCode ?? 502, downstreamHeaders(ures.rawHeaders, state));
      // streams without a length (SSE, long polls) get their headers now, not with the first chunk
      if (!state.hasLength) res.flushHeaders();
      ures.on('error', () => res.destroy());
      ures.on('aborted', () => res.destroy());
      ures.pipe(res);
    });
    up.on('error', (err: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      if (settled) {
        if (!res.writableFinished) res.destroy();
        return;
      }
      settled = true;
      const code = err.code ?? '';
      // a pooled connection the upstream had already closed: try once more on a fresh one
      if (mayRetry && !hasBody && up.reusedSocket && RETRYABLE.has(code)) {
        send(req, res, entry, rest, headers, hasBody, false);
        return;
      }
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (DEAD.has(code)) registry.markDead(entry, `connect failed (${code})`);
      else logger?.debug({ err, socket: entry.prefix }, 'upstream error');
      if (hasBody) res.setHeader('connection', 'close');
      sendJson(res, 502, {
        error: 'bad_gateway',
        message: DEAD.has(code) ? `${entry.prefix} is not accepting connections` : `${entry.prefix} failed: ${code || err.message}`,
      });
    });
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });

    if (hasBody) req.pipe(up);
    else up.end();
  }

  function upgrade(
    req: http.IncomingMessage,
    socket: Duplex,
    head: Buffer,
    entry: SocketEntry,
    rest: string,
    context: string,
  ): void {
    const headers = upstreamHeaders(req, info(req, entry, context, true));
    let lines = `${req.method} ${rest} HTTP/1.1\r\n`;
    for (let i = 0; i < headers.length; i += 2) lines += `${headers[i]}: ${headers[i + 1]}\r\n`;
    lines += '\r\n';
    const conn = net.connect(entry.path);
    let answered = false;
    const timer =
      upstreamTimeoutMs > 0
        ? setTimeout(() => {
            if (answered) return;
            answered = true;
            conn.destroy();
            rawJson(socket, 504, 'Gateway Timeout', {
              error: 'gateway_timeout',
              message: `${entry.prefix} did not answer within ${upstreamTimeoutMs} ms`,
            });
          }, upstreamTimeoutMs)
        : undefined;
    conn.once('data', () => {
      answered = true;
      if (timer) clearTimeout(timer);
    });
    conn.once('connect', () => {
      conn.setNoDelay(true);
      conn.write(lines);
      if (head.length > 0) conn.write(head);
      conn.pipe(socket);
      socket.pipe(conn);
    });
    conn.on('error', (err: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      if (answered) {
        socket.destroy();
        return;
      }
      answered = true;
      const code = err.code ?? '';
      if (DEAD.has(code)) registry.markDead(entry, `connect failed (${code})`);
      rawJson(socket, 502, 'Bad Gateway', {
        error: 'bad_gateway',
        message: DEAD.has(code) ? `${entry.prefix} is not accepting connections` : `${entry.prefix} failed: ${code || err.message}`,
      });
    });
    if (idleTimeoutMs > 0) conn.setTimeout(idleTimeoutMs, () => conn.destroy());
    conn.on('close', () => socket.destroy());
    socket.on('error', () => conn.destroy());
    socket.on('close', () => conn.destroy());
  }

  return { forward, upgrade };
}
