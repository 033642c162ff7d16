import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import type { ReadyInfo } from '@hero/core';
import { configSchema, run, type ConfigInput } from '../src/index.js';

/** A temp dir removed when the test finishes. */
export async function tempDir(prefix = 'hero-router-'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface Router {
  socketDir: string;
  port: number;
  base: string;
  ready: ReadyInfo;
  stop(): Promise<void>;
}

/** Starts the router in-process on 127.0.0.1:0 over `socketDir` (a temp dir by default). */
export async function startRouter(config: Partial<ConfigInput> = {}, socketDir?: string): Promise<Router> {
  const dir = socketDir ?? path.join(await tempDir(), 'sockets');
  const ac = new AbortController();
  let onReady!: (info: ReadyInfo) => void;
  const readyP = new Promise<ReadyInfo>((r) => (onReady = r));
  const done = run(
    configSchema.parse({ socket_dir: dir, listen: '127.0.0.1:0', scan_interval_ms: 0, watch_debounce_ms: 50, ...config }),
    ac.signal,
    { onReady },
  );
  const ready = await Promise.race([
    readyP,
    done.then(() => {
      throw new Error('router stopped before it was ready');
    }),
  ]);
  const stop = async () => {
    ac.abort();
    await done;
  };
  onTestFinished(stop);
  const tcp = ready.tcp?.http ?? '127.0.0.1:0';
  const port = Number(tcp.slice(tcp.lastIndexOf(':') + 1));
  return { socketDir: dir, port, base: `http://127.0.0.1:${port}`, ready, stop };
}

/** Serves `handler` on `<socketDir>/<service>/<name>.sock`; closed when the test ends. */
export async function upstream(
  socketDir: string,
  service: string,
  name: string,
  handler: http.RequestListener,
): Promise<http.Server & { file: string }> {
  const file = path.join(socketDir, service, `${name}.sock`);
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(file, r));
  onTestFinished(() => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  }));
  return Object.assign(server, { file });
}

/** A minimal Hero-style service: health, heroservice.json, plus `extra` routes. */
export function heroLike(name: string, extra?: http.RequestListener): http.RequestListener {
  return (req, res) => {
    if (req.url === '/health') return json(res, 200, { status: 'ok', service: name, version: '1.0.0', uptime_secs: 1 });
    if (req.url === '/.well-known/heroservice.json') {
      return json(res, 200, { protocol: 'rest', name, title: name, version: '1.0.0', description: 'test', socket: 'http' });
    }
    if (extra) return extra(req, res);
    json(res, 404, { error: 'not_found' });
  };
}

export function json(res: http.ServerResponse, status: number, body: unknown): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': data.length });
  res.end(data);
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request to the router (fresh connection). */
export function request(
  port: number,
  method: string,
  urlPath: string,
  opts: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Sends raw bytes on a TCP connection and returns everything read until the server closes or `until` matches. */
export function rawExchange(port: number, data: string, until?: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let out = '';
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      out += d;
      if (until?.test(out)) {
        sock.destroy();
        resolve(out);
      }
    });
    sock.on('end', () => resolve(out));
    sock.on('close', () => resolve(out));
    sock.on('error', reject);
    sock.write(data);
  });
}

/** Polls `fn` until it returns a truthy value (generous deadline for a loaded machine). */
export async function waitFor<T>(fn: () => Promise<T> | T, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
