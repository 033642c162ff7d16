/**
 * hero_proc vs PM2, each managing 100 small services (`/bin/sleep`) from its own daemon
 * process: time until all report running, time from a child's SIGKILL to its replacement
 * running, and the manager's own RSS with the 100 services up.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcClient } from '@hero/proc/client';
import { median, type Contender, type Measurement, type Suite } from '../harness.js';
import { benchDir, rssOf, startProcess, stopProcess, waitForSocket } from '../load.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const SLEEP = '/bin/sleep';
const POLL_MS = 2;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(fn: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(POLL_MS);
  }
}

/** Private anonymous memory of a process (heap, stacks): RSS minus the shared node binary pages. */
async function anonOf(pid: number): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  const m = /RssAnon:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One round: start N services, crash a few, read the manager's RSS, remove them all. */
interface Manager {
  startAll(names: string[]): Promise<void>;
  allRunning(n: number): Promise<boolean>;
  pidOf(name: string): Promise<number | null>;
  /** Pids of every service process, from one list call. */
  pids(): Promise<number[]>;
  managerPid(): number;
  removeAll(names: string[]): Promise<void>;
}

async function measureRound(m: Manager, n: number, crashes: number): Promise<Measurement> {
  const names = Array.from({ length: n }, (_, i) => `svc${String(i).padStart(3, '0')}`);
  const t0 = performance.now();
  await m.startAll(names);
  await until(() => m.allRunning(n), 120_000, 'all running');
  const startMs = performance.now() - t0;

  await sleep(500);
  const crashTimes: number[] = [];
  for (let i = 0; i < crashes; i++) {
    const name = names[(i * 7) % n]!;
    const old = await m.pidOf(name);
    if (!old) throw new Error(`${name} has no pid`);
    const t = performance.now();
    process.kill(old, 'SIGKILL');
    await until(async () => {
      const p = await m.pidOf(name);
      return p !== null && p !== old && pidAlive(p);
    }, 30_000, `${name} replaced`);
    crashTimes.push(performance.now() - t);
  }
  await sleep(1000);
  const rss = await rssOf(m.managerPid());
  const anon = await anonOf(m.managerPid());
  // the next round (of either manager) starts on a quiet machine: every child of this one gone
  const pids = await m.pids();
  await m.removeAll(names);
  await until(async () => !pids.some(pidAlive), 30_000, 'every service process gone');
  await sleep(500);
  return { start_ms: startMs, crash_ms: median(crashTimes), rss_mb: rss / (1024 * 1024), anon_mb: anon / (1024 * 1024) };
}

function heroContender(n: number, crashes: number): Contender {
  let dir = '';
  let child: ReturnType<typeof startProcess> | undefined;
  let client: ProcClient | undefined;
  const manager: Manager = {
    async startAll(names) {
      await Promise.all(names.map((name) => client!.serviceSet({ name, cmd: [SLEEP, '100000'], restart_delay_ms: 0, stop_timeout_ms: 2000 })));
    },
    async allRunning(count) {
      const list = await client!.serviceList();
      return list.filter((s) => s.state === 'running').length >= count;
    },
    async pids() {
      return (await client!.serviceList()).flatMap((s) => (s.pid ? [s.pid] : []));
    },
    async pidOf(name) {
      const s = await client!.serviceStatus(name);
      return s.state === 'running' ? s.pid : null;
    },
    managerPid: () => child!.pid!,
    async removeAll(names) {
      await Promise.all(names.map((name) => client!.serviceDelete(name)));
    },
  };
  return {
    name: 'hero_proc',
    role: 'hero',
    async setup() {
      // the manager runs as its own built program, as in production
      for (const dir of ['packages/core', 'packages/proc', 'apps/hero-proc']) {
        execFileSync('npx', ['tsup'], { cwd: path.join(root, dir), stdio: 'ignore' });
      }
      dir = await benchDir('proc');
      child = startProcess(process.execPath, [
        path.join(root, 'apps/hero-proc/dist/cli.js'),
        'serve',
        '--socket-dir', path.join(dir, 'sock'),
        '--data-dir', path.join(dir, 'data'),
        '--config-dir', path.join(dir, 'cfg'),
        '--log-level', 'warn',
      ]);
      const sock = path.join(dir, 'sock', 'hero_proc', 'rpc.sock');
      await waitForSocket(sock, 60_000);
      client = new ProcClient(sock, { timeoutMs: 120_000 });
    },
    run: () => measureRound(manager, n, crashes),
    async teardown() {
      await client?.close();
      if (child) await stopProcess(child);
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

interface Pm2Api {
  connect(cb: (err?: Error) => void): void;
  start(opts: unknown, cb: (err?: Error) => void): void;
  list(cb: (err: Error | null, list: { name: string; pid: number; pm2_env: { status: string } }[]) => void): void;
  describe(name: string, cb: (err: Error | null, d: { pid: number; pm2_env: { status: string } }[]) => void): void;
  delete(name: string, cb: (err?: Error) => void): void;
  killDaemon(cb: (err?: Error) => void): void;
  disconnect(): void;
}

function pm2Contender(n: number, crashes: number): Contender {
  let dir = '';
  let api: Pm2Api | undefined;
  let daemonPid = 0;
  const call = <T>(f: (cb: (err: Error | null | undefined, v?: T) => void) => void) =>
    new Promise<T>((resolve, reject) => f((err, v) => (err ? reject(err) : resolve(v as T))));
  const manager: Manager = {
    async startAll(names) {
      const apps = names.map((name) => ({ name, script: SLEEP, args: ['100000'], interpreter: 'none', autorestart: true, restart_delay: 0 }));
      await call((cb) => api!.start({ apps }, cb));
    },
    async allRunning(count) {
      const list = await call<{ pm2_env: { status: string } }[]>((cb) => api!.list(cb));
      return list.filter((p) => p.pm2_env.status === 'online').length >= count;
    },
    async pids() {
      const list = await call<{ pid: number }[]>((cb) => api!.list(cb));
      return list.flatMap((p) => (p.pid ? [p.pid] : []));
    },
    async pidOf(name) {
      const d = await call<{ pid: number; pm2_env: { status: string } }[]>((cb) => api!.describe(name, cb));
      return d[0] && d[0].pm2_env.status === 'online' && d[0].pid ? d[0].pid : null;
    },
    managerPid: () => daemonPid,
    async removeAll() {
      await call((cb) => api!.delete('all', cb));
    },
  };
  return {
    name: 'PM2',
    role: 'anchor',
    async setup() {
      dir = await benchDir('pm2');
      // a private PM2_HOME: never touch the user's ~/.pm2
      process.env.PM2_HOME = dir;
      const mod = (await import('pm2')) as unknown as { default: { custom: new (o: object) => Pm2Api } };
      api = new mod.default.custom({ pm2_home: dir, daemon_mode: true });
      // never hang the whole run on a daemon that does not come up
      await Promise.race([
        call((cb) => api!.connect(cb)),
        sleep(60_000).then(() => Promise.reject(new Error('PM2 daemon did not start within 60 s'))),
      ]);
      daemonPid = Number((await fs.readFile(path.join(dir, 'pm2.pid'), 'utf8')).trim());
    },
    run: () => measureRound(manager, n, crashes),
    async teardown() {
      if (api) {
        await call((cb) => api!.killDaemon(cb)).catch(() => {});
        api.disconnect();
      }
      if (daemonPid && pidAlive(daemonPid)) process.kill(daemonPid, 'SIGKILL');
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

export const suite: Suite = {
  name: 'proc',
  description: '100 services (/bin/sleep): start until all running, SIGKILL → replacement running, manager RSS',
  rounds: 3,
  metrics: [
    { key: 'start_ms', label: 'start 100 services until all running', unit: 'ms', better: 'lower' },
    { key: 'crash_ms', label: 'crash → replacement running (median)', unit: 'ms', better: 'lower' },
    { key: 'rss_mb', label: 'manager RSS with 100 services', unit: 'MiB', better: 'lower' },
    { key: 'anon_mb', label: 'manager private memory (RssAnon) with 100 services', unit: 'MiB', better: 'lower' },
  ],
  contenders: ({ args }) => {
    const n = Number(args.services ?? 100);
    const crashes = Number(args.crashes ?? 9);
    return [pm2Contender(n, crashes), heroContender(n, crashes)];
  },
};
