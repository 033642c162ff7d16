import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { configSchema as busConfig, MyceliumClient, run as runBus } from '@hero/mycelium-bus';
import type { RpcHandler } from '@hero/core';
import { onTestFinished } from 'vitest';
import { BUS_TOPIC, serveBus, type ServeBusOptions } from '../src/bus.js';
import { configSchema, run, SupervisorClient, type Config } from '../src/index.js';

export async function tempDir(): Promise<string> {
  // short paths: Unix socket paths are limited to ~107 bytes
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hsv-'));
  onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value (generous deadline: the machine is shared). */
export async function until<T>(fn: () => Promise<T> | T, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(50);
  }
}

async function waitForSocket(file: string, timeoutMs = 15_000): Promise<void> {
  await until(
    () =>
      new Promise<boolean>((resolve) => {
        const s = net.connect(file);
        s.once('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      }),
    timeoutMs,
    `socket ${file}`,
  );
}

/** A Redis-compatible server a test can stop and start again on the same socket. */
export interface RedisServer {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface Backend {
  name: string;
  start(dir: string): Promise<RedisServer>;
}

export const redisServerBackend: Backend = {
  name: 'redis-server',
  async start(dir) {
    const sock = path.join(dir, 'redis.sock');
    let child: ChildProcess | undefined;
    const start = async () => {
      child = spawn('redis-server', ['--port', '0', '--unixsocket', sock, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no', '--dir', dir], {
        stdio: 'ignore',
      });
      await waitForSocket(sock);
    };
    const stop = async () => {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await gone;
      await fs.rm(sock, { force: true });
    };
    await start();
    onTestFinished(stop);
    return { url: sock, stop, start };
  },
};

/** hero_db, when `@hero/db` exports a working `run`. */
export async function heroDbBackend(): Promise<Backend | undefined> {
  let mod: { run?: unknown; configSchema?: { parse(x: unknown): unknown } };
  try {
    const name = '@hero/db';
    mod = (await import(name)) as typeof mod;
  } catch {
    return undefined;
  }
  if (typeof mod.run !== 'function' || !mod.configSchema) return undefined;
  const runDb = mod.run as (c: unknown, s: AbortSignal, ctx: { onReady?: (i: { sockets: Record<string, string> }) => void }) => Promise<void>;
  const schema = mod.configSchema;
  return {
    name: 'hero_db',
    async start(dir) {
      let ac: AbortController | undefined;
      let done: Promise<void> | undefined;
      let url = '';
      const start = async () => {
        ac = new AbortController();
        const ready = new Promise<string>((resolve, reject) => {
          done = runDb(schema.parse({ socket_dir: path.join(dir, 's'), data_dir: path.join(dir, 'db'), tcp: '' }), ac!.signal, {
            onReady: (i) => resolve(i.sockets.resp!),
          });
          done.catch(reject);
        });
        url = await ready;
      };
      const stop = async () => {
        ac?.abort();
        await done?.catch(() => {});
      };
      await start();
      onTestFinished(stop);
      return {
        get url() {
          return url;
        },
        stop,
        start,
      };
    },
  };
}

export const ADMIN = 'admin-secret-0001';
export const USER = 'user-secret-0001';
export const REGISTER = 'register-secret-0001';

export interface RunningSupervisor {
  socket: string;
  socketDir: string;
  config: Config;
  client(secret?: string): SupervisorClient;
  stop(): Promise<void>;
}

/** Starts a supervisor in this process on a temp socket dir; stopped when the test ends. */
export async function startSupervisor(
  redisUrl: string,
  over: Record<string, unknown> = {},
  socketDir?: string,
  env: Record<string, string | undefined> = process.env,
): Promise<RunningSupervisor> {
  const dir = socketDir ?? (await tempDir());
  const config = configSchema.parse({
    socket_dir: dir,
    redis_url: redisUrl,
    admin_secrets: [ADMIN],
    user_secrets: [USER],
    register_secrets: [REGISTER],
    reap_interval_ms: 200,
    ...over,
  });
  const ac = new AbortController();
  let done!: Promise<void>;
  const socket = await new Promise<string>((resolve, reject) => {
    // as a program runs it: its environment handed over in the run context
    done = run(config, ac.signal, { env, onReady: (i) => resolve(i.sockets.rpc!) });
    done.catch(reject);
  });
  const clients: SupervisorClient[] = [];
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      for (const c of clients) await c.close();
      ac.abort();
      await done;
    })());
  onTestFinished(stop);
  return {
    socket,
    socketDir: dir,
    config,
    client(secret = ADMIN) {
      const c = new SupervisorClient(socket, { secret });
      clients.push(c);
      return c;
    },
    stop,
  };
}

/** A plain ioredis connection for looking at keys. */
export function inspect(url: string): Redis {
  const r = url.startsWith('/') ? new Redis({ path: url }) : new Redis(url);
  onTestFinished(() => void r.disconnect());
  return r;
}

/** Starts a mycelium bus on `<dir>/s` (stopped when the test finishes); resolves its socket. */
export async function startBus(dir: string): Promise<string> {
  const ac = new AbortController();
  let done!: Promise<void>;
  const sock = await new Promise<string>((resolve, reject) => {
    done = runBus(busConfig.parse({ socket_dir: path.join(dir, 's'), data_dir: path.join(dir, 'bus') }), ac.signal, {
      onReady: (i) => resolve(i.sockets.rpc!),
    });
    done.catch(reject);
  });
  onTestFinished(async () => {
    ac.abort();
    await done;
  });
  return sock;
}

/**
 * Serves `handler` on the bus at `busSock` with `limits` (stopped when the test finishes).
 * `ask` sends it one JSON-RPC call as a message to this node and resolves the answer and how
 * long it took.
 */
export async function serveOnBus(busSock: string, handler: RpcHandler, limits: ServeBusOptions) {
  const ac = new AbortController();
  const served = serveBus(busSock, handler, ac.signal, undefined, limits);
  const myc = new MyceliumClient(busSock);
  onTestFinished(async () => {
    ac.abort();
    await served;
    await myc.close();
  });
  const { nodePubkey } = await myc.getInfo();
  const ask = async (id: number, method: string, params: unknown) => {
    const t0 = Date.now();
    const payload = JSON.stringify({ jsonrpc: '2.0', id, method, params });
    const reply = await myc.request({ dst: { pk: nodePubkey }, topic: BUS_TOPIC, payload }, 10);
    return { body: JSON.parse(reply.payload.toString('utf8')) as Record<string, unknown>, ms: Date.now() - t0 };
  };
  return { ask };
}
