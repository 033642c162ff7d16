import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { configSchema, run, type Config } from '../src/index.js';
import { ProcClient, type ServiceState, type ServiceStatus } from '../src/client.js';
import { readStat } from '../src/proc-table.js';

/** A temp dir removed when the test finishes. */
export async function tempDir(prefix = 'hero-proc-'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface ProcInstance {
  dir: string;
  config: Config;
  client: ProcClient;
  rpcSock: string;
  adminSock: string;
  logs: string[];
  /** Stops the instance and waits for run() to resolve. */
  stop(): Promise<void>;
  done: Promise<void>;
}

/** A pino-compatible logger capturing every line (to check what is logged). */
export function captureLogger(lines: string[]) {
  const make = (bindings: Record<string, unknown>): any => {
    const log = (level: string) => (obj: unknown, msg?: string) => {
      lines.push(JSON.stringify({ level, ...bindings, ...(typeof obj === 'object' ? obj : { msg: obj }), msg }, (_k, v) => (v instanceof Error ? { message: v.message } : v)));
    };
    return {
      info: log('info'),
      warn: log('warn'),
      error: log('error'),
      debug: log('debug'),
      trace: log('trace'),
      fatal: log('fatal'),
      child: (b: Record<string, unknown>) => make({ ...bindings, ...b }),
    };
  };
  return make({});
}

/** Starts hero_proc in this process with temp socket/data/config dirs. */
export async function startProc(overrides: Partial<Config> = {}, dir?: string): Promise<ProcInstance> {
  const base = dir ?? (await tempDir());
  const config = configSchema.parse({
    socket_dir: path.join(base, 'sock'),
    data_dir: path.join(base, 'data'),
    config_dir: path.join(base, 'cfg'),
    job_kill_grace_ms: 2000,
    ...overrides,
  });
  const ac = new AbortController();
  const logs: string[] = [];
  let ready!: (s: Record<string, string>) => void;
  const readyP = new Promise<Record<string, string>>((r) => (ready = r));
  const done = run(config, ac.signal, { logger: captureLogger(logs), env: process.env, onReady: (i) => ready(i.sockets) });
  const sockets = await Promise.race([readyP, done.then(() => ({}) as Record<string, string>)]);
  const client = new ProcClient(sockets.rpc!, { timeoutMs: 60_000 });
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      ac.abort();
      await done;
      await client.close();
    })());
  onTestFinished(stop);
  return { dir: base, config, client, rpcSock: sockets.rpc!, adminSock: sockets.admin!, logs, stop, done };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value (or throws after `timeoutMs`). */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = 20_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await sleep(50);
  }
}

/** Waits until a service reaches `state`; returns its status. */
export function waitState(client: ProcClient, name: string, state: ServiceState | ServiceState[], timeoutMs = 20_000): Promise<ServiceStatus> {
  const want = Array.isArray(state) ? state : [state];
  return waitFor(async () => {
    const s = await client.serviceStatus(name);
    return want.includes(s.state) ? s : undefined;
  }, timeoutMs, `${name} to be ${want.join('|')}`);
}

/** True while the pid exists and is not a zombie. */
export function alive(pid: number): boolean {
  const e = readStat(pid);
  return !!e && e.state !== 'Z' && e.state !== 'X';
}

/** Pids (from a file written by a test script) still alive. */
export async function survivors(pidFile: string): Promise<number[]> {
  const text = await fs.readFile(pidFile, 'utf8').catch(() => '');
  return text.split(/\s+/).filter(Boolean).map(Number).filter(alive);
}
