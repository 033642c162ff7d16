import type http from 'node:http';
import type net from 'node:net';
import { isLoopbackHost, isLoopbackHostHeader } from './net-util.js';

/** Writes a JSON response with a content length. */
export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': data.length });
  res.end(data);
}

/**
 * Reads a request body up to `limit` bytes. Over the limit it answers 413, closes the
 * connection and returns undefined.
 */
export function readBody(req: http.IncomingMessage, res: http.ServerResponse, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const tooLarge = () => {
      res.setHeader('connection', 'close');
      sendJson(res, 413, { error: 'payload_too_large', message: `request body exceeds ${limit} bytes` });
      req.resume();
      resolve(undefined);
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        tooLarge();
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => {
      if (!done) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    });
    req.once('error', () => {
      if (!done) resolve(undefined);
      done = true;
    });
  });
}

/**
 * Why a request that reached a TCP listener is refused as coming from a web page, or undefined.
 * A browser may send a request to a loopback port whatever page it shows: one carrying an
 * `Origin` of another site (a cross-site "simple" request), or one whose `Host` is not a
 * loopback name on a loopback listener (DNS rebinding), is refused; `allowedOrigins` are the
 * pages a service admits on purpose (CORS). Unix socket requests are local by construction and
 * never refused.
 */
export function browserRefusal(req: http.IncomingMessage, allowedOrigins: readonly string[] = []): string | undefined {
  const sock = req.socket as net.Socket;
  if (!sock.remoteFamily) return undefined;
  const host = req.headers.host ?? '';
  const origin = req.headers.origin;
  // pages the service lets in on purpose (CORS): `*` for any
  if (origin !== undefined && !allowedOrigins.includes('*') && !allowedOrigins.includes(origin)) {
    let from: string | undefined;
    try {
      from = new URL(origin).host;
    } catch {
      from = undefined;
    }
    if (from !== host) return `cross-origin request refused (Origin ${origin})`;
  }
  if (sock.localAddress && isLoopbackHost(sock.localAddress) && !isLoopbackHostHeader(host)) {
    return `Host "${host}" refused: a loopback listener answers loopback names only`;
  }
  return undefined;
}

