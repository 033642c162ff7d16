/**
 * Job queue throughput in BullMQ's own benchmark style (taskforcesh/bullmq-bench): 1,000
 * warm-up jobs, then 10,000 measured jobs per metric — adding, processing a pre-filled queue
 * at concurrency 1 and 10, and end to end (adding while a concurrency-10 worker drains).
 * BullMQ and Hero's supervisor path (jobs added through hero-supervisor's RPC socket, taken by
 * an SDK runner in the bench process) share one redis-server; Hero also runs on hero_db.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { Queue, Worker } from 'bullmq';
import { createProducer, createRunner, SupervisorClient } from '@hero/supervisor';
import { benchDir, waitForSocket } from '../load.js';
import type { Contender, Measurement, Suite } from '../harness.js';

const WARMUP = 1000;
const BATCH = 100;

interface Target {
  sock: string;
  stop(): Promise<void>;
}

async function startRedisServer(): Promise<Target> {
  const dir = await benchDir('redis');
  const sock = path.join(dir, 'redis.sock');
  const child: ChildProcess = spawn('redis-server', ['--port', '0', '--unixsocket', sock, '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  await waitForSocket(sock);
  return {
    sock,
    async stop() {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

async function startHeroDb(): Promise<Target | undefined> {
  let mod: { run?: (c: unknown, s: AbortSignal, ctx: { onReady?: (i: { sockets: Record<string, string> }) => void }) => Promise<void>; configSchema?: { parse(x: unknown): unknown } };
  try {
    const name = '@hero/db';
    mod = (await import(name)) as typeof mod;
  } catch {
    return undefined;
  }
  if (!mod.run || !mod.configSchema) return undefined;
  const dir = await benchDir('herodb');
  const ac = new AbortController();
  let done!: Promise<void>;
  const sock = await new Promise<string>((resolve, reject) => {
    done = mod.run!(mod.configSchema!.parse({ socket_dir: path.join(dir, 's'), data_dir: path.join(dir, 'd'), tcp: '', appendonly: false }), ac.signal, {
      onReady: (i) => resolve(i.sockets.resp!),
    });
    done.catch(reject);
  });
  return {
    sock,
    async stop() {
      ac.abort();
      await done;
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** Adds `n` jobs, `BATCH` in flight at a time. */
async function addMany(n: number, add: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < n; i += BATCH) {
    const batch: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(n, i + BATCH); j++) batch.push(add(j));
    await Promise.all(batch);
  }
}

/** A counter that resolves when it reaches `n`. */
function countTo(n: number): { hit: () => void; done: Promise<void> } {
  let seen = 0;
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  return {
    hit: () => {
      if (++seen === n) resolve();
    },
    done,
  };
}

interface Engine {
  add(n: number): Promise<void>;
  /** Pre-fills `n` jobs (not timed). */
  fill(n: number): Promise<void>;
  /** Starts a worker; `hit` is called once per completed job; returns its closer. */
  work(concurrency: number, hit: () => void): Promise<() => Promise<void>>;
  reset(): Promise<void>;
}

async function measure(e: Engine, jobs: number): Promise<Measurement> {
  const out: Measurement = {};
  const rate = (t0: number) => jobs / ((performance.now() - t0) / 1000);
  await e.reset();
  // warm-up: add and process WARMUP jobs
  {
    const c = countTo(WARMUP);
    const stop = await e.work(10, c.hit);
    await e.add(WARMUP);
    await c.done;
    await stop();
    await e.reset();
  }
  let t0 = performance.now();
  await e.add(jobs);
  out.add = rate(t0);
  await e.reset();
  for (const conc of [1, 10]) {
    await e.fill(jobs);
    const c = countTo(jobs);
    t0 = performance.now();
    const stop = await e.work(conc, c.hit);
    await c.done;
    out[`process_c${conc}`] = rate(t0);
    await stop();
    await e.reset();
  }
  {
    const c = countTo(jobs);
    const stop = await e.work(10, c.hit);
    t0 = performance.now();
    await e.add(jobs);
    await c.done;
    out.e2e_c10 = rate(t0);
    await stop();
    await e.reset();
  }
  return out;
}

function bullmqEngine(sock: string): Engine & { close(): Promise<void> } {
  // database 1: BullMQ and Hero share the server, each flushes only its own database
  const connection = { path: sock, db: 1, maxRetriesPerRequest: null };
  const name = 'bench';
  const queue = new Queue(name, { connection, defaultJobOptions: { removeOnComplete: true, removeOnFail: true } });
  const admin = new Redis({ path: sock, db: 1 });
  return {
    add: (n) => addMany(n, (i) => queue.add('job', { foo: 'bar', i })),
    async fill(n) {
      for (let i = 0; i < n; i += 1000) {
        await queue.addBulk(Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ name: 'job', data: { foo: 'bar', i: i + j } })));
      }
    },
    async work(concurrency, hit) {
      const worker = new Worker(name, async () => 'ok', { connection, concurrency, autorun: false });
      worker.on('completed', hit);
      void worker.run();
      await worker.waitUntilReady();
      return () => worker.close();
    },
    async reset() {
      await admin.flushdb();
    },
    async close() {
      await queue.close();
      admin.disconnect();
    },
  };
}

/**
 * Hero's path: the supervisor runs as its own program (hero-supervisor serve, as deployed),
 * jobs go through its RPC socket, an SDK runner in this process takes them.
 */
async function heroEngine(sock: string, via: 'rpc' | 'producer' = 'rpc'): Promise<Engine & { close(): Promise<void> }> {
  const dir = await benchDir('supervisor');
  const here = path.dirname(fileURLToPath(import.meta.url));
  const cli = path.resolve(here, '../../../../apps/hero-supervisor/src/cli.ts');
  const server = spawn(
    process.execPath,
    ['--conditions=@hero/source', '--import', 'tsx', cli, 'serve', '--socket-dir', dir, '--redis-url', sock, '--log-level', 'warn'],
    { stdio: 'ignore', cwd: path.resolve(here, '../..') },
  );
  const rpc = path.join(dir, 'hero_supervisor', 'rpc.sock');
  await waitForSocket(rpc, 60_000);
  const client = new SupervisorClient(rpc);
  const admin = new Redis({ path: sock });
  const register = () => client.registerRunner('bench');
  await register();
  // BATCH jobs per JSON-RPC batch request: the same BATCH-in-flight as the BullMQ side
  // or, with `producer`, straight into Redis as BullMQ's queue.add does (createProducer)
  const producer = via === 'producer' ? await createProducer({ redis: sock }) : undefined;
  const add = async (n: number) => {
    for (let i = 0; i < n; i += BATCH) {
      const jobs = Array.from({ length: Math.min(BATCH, n - i) }, () => ({ runner: 'bench', payload: 'x' }));
      if (producer) await producer.add(jobs, { start: true });
      else await client.createJobs(jobs, { start: true });
    }
  };
  return {
    add,
    fill: add,
    async work(concurrency, hit) {
      const runner = createRunner({ name: 'bench', redis: sock, concurrency, handler: () => 'ok', onJobEnd: hit });
      await runner.ready;
      return () => runner.close();
    },
    async reset() {
      await admin.flushdb();
      await register();
    },
    async close() {
      await client.close();
      await producer?.close();
      admin.disconnect();
      const gone = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await gone;
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

function contender(name: string, role: 'anchor' | 'hero', target: () => Promise<Target | undefined>, make: (sock: string) => Promise<Engine & { close(): Promise<void> }>, jobs: number): Contender {
  let engine: (Engine & { close(): Promise<void> }) | undefined;
  let t: Target | undefined;
  return {
    name,
    role,
    async setup() {
      t = await target();
      if (!t) throw new Error(`${name}: backend not available`);
      engine = await make(t.sock);
    },
    run: () => measure(engine!, jobs),
    async teardown() {
      await engine?.close();
      await t?.stop();
    },
  };
}

export const suite: Suite = {
  name: 'supervisor',
  description: `jobs/s, BullMQ bench style: ${WARMUP} warm-up + 10,000 jobs per metric; add (${BATCH} in flight), process a full queue at concurrency 1 and 10, end to end at 10`,
  rounds: 3,
  metrics: [
    { key: 'add', label: 'add', unit: 'jobs/s', better: 'higher' },
    { key: 'process_c1', label: 'process, concurrency 1', unit: 'jobs/s', better: 'higher' },
    { key: 'process_c10', label: 'process, concurrency 10', unit: 'jobs/s', better: 'higher' },
    { key: 'e2e_c10', label: 'end to end (add + process), concurrency 10', unit: 'jobs/s', better: 'higher' },
  ],
  contenders: async ({ args }) => {
    const jobs = Number(args.jobs ?? 10_000);
    // one redis-server shared by BullMQ and Hero, started by whichever sets up first
    let shared: Promise<Target> | undefined;
    let users = 0;
    const sharedRedis = async (): Promise<Target> => {
      users++;
      const t = await (shared ??= startRedisServer());
      return {
        sock: t.sock,
        stop: async () => {
          if (--users === 0) await t.stop();
        },
      };
    };
    const out = [
      contender('bullmq (redis-server)', 'anchor', sharedRedis, async (s) => bullmqEngine(s), jobs),
      contender('hero (redis-server)', 'hero', sharedRedis, (s) => heroEngine(s), jobs),
      contender('hero producer (redis-server)', 'hero', sharedRedis, (s) => heroEngine(s, 'producer'), jobs),
    ];
    const probe = await startHeroDb().catch(() => undefined);
    if (probe) {
      await probe.stop();
      out.push(contender('hero (hero_db)', 'hero', startHeroDb, (s) => heroEngine(s), jobs));
      out.push(contender('bullmq (hero_db)', 'hero', startHeroDb, async (s) => bullmqEngine(s), jobs));
    }
    return out;
  },
};
