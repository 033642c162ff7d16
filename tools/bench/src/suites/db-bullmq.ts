/**
 * BullMQ (from npm, unmodified) on hero_db and on redis-server: the same queue workload on both,
 * each server in its own process on a Unix socket. Every BullMQ operation is a Lua script, so
 * this measures hero_db's scripting path end to end (EVALSHA, the Lua VM, redis.call, streams).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, Worker } from 'bullmq';
import type { Contender, Measurement, Metric, Suite } from '../harness.js';
import { benchDir, startProcess, stopProcess, waitForSocket } from '../load.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../../..');
const BATCH = 100;

function redisServer(dir: string): { child: ChildProcess; sock: string } {
  const sock = path.join(dir, 'redis.sock');
  const args = ['--port', '0', '--unixsocket', sock, '--save', '', '--appendonly', 'no', '--dir', dir];
  return { child: startProcess('redis-server', args), sock };
}

function heroDb(dir: string): { child: ChildProcess; sock: string } {
  const args = [
    '--import', 'tsx', '--conditions=@hero/source', path.join(repo, 'apps/hero-db/src/cli.ts'), 'serve',
    '--socket-dir', path.join(dir, 'sock'), '--data-dir', path.join(dir, 'data'), '--tcp', '', '--save', '',
    '--appendonly', 'no', '--log-level', 'warn',
  ];
  return { child: startProcess(process.execPath, args, { cwd: repo }), sock: path.join(dir, 'sock', 'hero_db', 'resp.sock') };
}

async function addMany(queue: Queue, n: number): Promise<void> {
  for (let i = 0; i < n; i += BATCH) {
    const batch: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(n, i + BATCH); j++) batch.push(queue.add('job', { i: j }));
    await Promise.all(batch);
  }
}

async function processAll(sock: string, name: string, n: number, concurrency: number): Promise<void> {
  let seen = 0;
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  const worker = new Worker(name, async () => {}, { connection: { path: sock, maxRetriesPerRequest: null }, concurrency });
  worker.on('completed', () => {
    if (++seen === n) resolve();
  });
  await done;
  await worker.close();
}

function contender(name: string, role: 'anchor' | 'hero', start: (dir: string) => { child: ChildProcess; sock: string }, jobs: number): Contender {
  let dir = '';
  let child: ChildProcess | undefined;
  let sock = '';
  let round = 0;
  return {
    name,
    role,
    async setup() {
      dir = await benchDir('bullmq');
      ({ child, sock } = start(dir));
      await waitForSocket(sock, 60_000);
      const q = new Queue('warmup', { connection: { path: sock } });
      await addMany(q, 500);
      await processAll(sock, 'warmup', 500, 10);
      await q.obliterate({ force: true });
      await q.close();
    },
    async run() {
      const m: Measurement = {};
      const qname = `q${round++}`;
      const queue = new Queue(qname, { connection: { path: sock } });
      let t0 = performance.now();
      await addMany(queue, jobs);
      m.add = jobs / ((performance.now() - t0) / 1000);
      t0 = performance.now();
      await processAll(sock, qname, jobs, 10);
      m.process_c10 = jobs / ((performance.now() - t0) / 1000);
      await queue.obliterate({ force: true });
      await queue.close();
      return m;
    },
    async teardown() {
      if (child) await stopProcess(child);
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

const metrics: Metric[] = [
  { key: 'add', label: 'Queue.add, 100 in flight', unit: 'jobs/s', better: 'higher' },
  { key: 'process_c10', label: 'Worker, concurrency 10', unit: 'jobs/s', better: 'higher' },
];

export const suite: Suite = {
  name: 'db-bullmq',
  description: 'BullMQ add and process throughput: hero_db vs redis-server (each its own process, Unix sockets)',
  rounds: 3,
  metrics,
  contenders: ({ args }) => {
    const jobs = Number(args.jobs ?? 5000);
    return [contender('redis-server', 'anchor', redisServer, jobs), contender('hero_db', 'hero', heroDb, jobs)];
  },
};
