import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import type { ReadyInfo } from '@hero/core';
import { configSchema, MyceliumClient, run, type Config } from '../src/index.js';

/** A temp dir removed when the test finishes. */
export async function tempDir(prefix = 'hero-myc-'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface Started {
  dir: string;
  sock: string;
  ready: ReadyInfo;
  client: MyceliumClient;
  stop: () => Promise<void>;
  done: Promise<void>;
}

/** Starts the bus in a temp dir; stopped when the test finishes. */
export async function startBus(overrides: Partial<Record<keyof Config, unknown>> = {}): Promise<Started> {
  const dir = await tempDir();
  const config = configSchema.parse({ socket_dir: path.join(dir, 's'), data_dir: path.join(dir, 'data'), ...overrides });
  const ac = new AbortController();
  let resolveReady!: (i: ReadyInfo) => void;
  const readyP = new Promise<ReadyInfo>((r) => (resolveReady = r));
  const done = run(config, ac.signal, { onReady: (i) => resolveReady(i) });
  const ready = await Promise.race([
    readyP,
    done.then(() => {
      throw new Error('run resolved before it was ready');
    }),
  ]);
  const client = new MyceliumClient(ready.sockets.rpc!);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      ac.abort();
      await done;
      await client.close();
    })());
  onTestFinished(stop);
  return { dir, sock: ready.sockets.rpc!, ready, client, stop, done };
}

/** One raw HTTP request over a Unix socket. */
export function rawRequest(
  socketPath: string,
  method: string,
  urlPath: string,
  body?: string | Buffer,
): Promise<{ status: number; body: string; json: () => unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path: urlPath, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, body: text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

/** A raw JSON-RPC call returning the whole response object. */
export async function rpcRaw(sock: string, method: string, params?: unknown): Promise<{ result?: unknown; error?: { code: number; message: string; data?: { code?: string } } }> {
  const r = await rawRequest(sock, 'POST', '/rpc', JSON.stringify({ jsonrpc: '2.0', id: 1, method, ...(params === undefined ? {} : { params }) }));
  return r.json() as never;
}

export const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

type WsT = import('ws').WebSocket;

/** A raw JSON-RPC-over-WebSocket connection: send a frame, read the next answer. */
export async function rawWs(sock: string): Promise<{ call: (frame: unknown) => Promise<unknown>; ws: WsT }> {
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(`ws+unix:${sock}:/rpc`);
  onTestFinished(() => ws.terminate());
  await new Promise((r, j) => ws.once('open', r).once('error', j));
  const answers: unknown[] = [];
  const waiting: ((v: unknown) => void)[] = [];
  ws.on('message', (d) => {
    const v: unknown = JSON.parse(d.toString());
    const w = waiting.shift();
    if (w) w(v);
    else answers.push(v);
  });
  const next = () => (answers.length ? Promise.resolve(answers.shift()) : new Promise((r) => waiting.push(r)));
  return {
    ws,
    call: (frame) => {
      ws.send(JSON.stringify(frame));
      return next();
    },
  };
}
