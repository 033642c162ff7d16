import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startServers } from './lua-servers.js';

const TIMEOUT = 120_000;

function conn(sock: string): Redis {
  const c = new Redis({ path: sock, maxRetriesPerRequest: null });
  onTestFinished(() => {
    c.disconnect();
  });
  return c;
}

function waitFor<T>(f: (done: (v: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve) => f(resolve));
}

for (const target of ['hero_db', 'redis-server'] as const) {
  describe(`BullMQ on ${target}`, () => {
    async function sock(): Promise<string> {
      const s = await startServers();
      return target === 'hero_db' ? s.hero : s.redis;
    }

    function track<T extends { close(): Promise<void> }>(x: T): T {
      onTestFinished(() => x.close().catch(() => {}));
      return x;
    }

    it('adds, processes, retries with backoff, delays and prioritises jobs; QueueEvents sees them', { timeout: TIMEOUT }, async () => {
      const s = await sock();
      const connection = conn(s);
      const queue = track(new Queue('q', { connection }));
      const events = track(new QueueEvents('q', { connection: conn(s) }));
      await events.waitUntilReady();
      const completedIds = new Set<string>();
      events.on('completed', ({ jobId }) => completedIds.add(jobId));
      let failOnce = true;
      const order: string[] = [];
      const worker = track(
        new Worker(
          'q',
          async (job: Job) => {
            order.push(job.name);
            if (job.name === 'flaky' && failOnce) {
              failOnce = false;
              throw new Error('first try fails');
            }
            return { doubled: (job.data as { n: number }).n * 2 };
          },
          { connection: conn(s), autorun: false },
        ),
      );
      // Priorities: queued before the worker runs, served in priority order.
      await queue.add('low', { n: 1 }, { priority: 10 });
      await queue.add('high', { n: 2 }, { priority: 1 });
      const plain = await queue.add('plain', { n: 21 });
      const flaky = await queue.add('flaky', { n: 3 }, { attempts: 3, backoff: { type: 'fixed', delay: 200 } });
      const delayed = await queue.add('delayed', { n: 4 }, { delay: 500 });
      expect(await queue.getDelayedCount()).toBe(1);
      void worker.run();
      const all = [plain, flaky, delayed];
      await waitFor<void>((done) => {
        const t = setInterval(async () => {
          const states = await Promise.all(all.map((j) => queue.getJobState(j.id!)));
          if (states.every((x) => x === 'completed')) {
            clearInterval(t);
            done();
          }
        }, 100);
      });
      expect(order.indexOf('plain')).toBeLessThan(order.indexOf('high'));
      expect(order.indexOf('high')).toBeLessThan(order.indexOf('low'));
      const got = await queue.getJob(plain.id!);
      expect(got?.returnvalue).toEqual({ doubled: 42 });
      const f = await queue.getJob(flaky.id!);
      expect(f?.attemptsMade).toBe(2);
      expect(order.filter((n) => n === 'flaky')).toHaveLength(2);
      await waitFor<void>((done) => {
        const t = setInterval(() => {
          if (completedIds.has(delayed.id!)) {
            clearInterval(t);
            done();
          }
        }, 50);
      });
      expect(await queue.getCompletedCount()).toBe(5);
      // Worker discovery goes through CLIENT SETNAME / CLIENT LIST.
      expect((await queue.getWorkers()).length).toBeGreaterThan(0);
    });

    it('recovers a stalled job after its worker dies', { timeout: TIMEOUT }, async () => {
      const s = await sock();
      const queue = track(new Queue('stall', { connection: conn(s) }));
      const deadConn = conn(s);
      let started!: () => void;
      const startedP = new Promise<void>((r) => (started = r));
      const dead = new Worker(
        'stall',
        async () => {
          started();
          await new Promise(() => {});
        },
        { connection: deadConn, lockDuration: 1000, stalledInterval: 500, autorun: true },
      );
      const job = await queue.add('j', { x: 1 });
      await startedP;
      // The worker "crashes": its connections drop without releasing the lock.
      dead.removeAllListeners();
      dead.on('error', () => {});
      (dead as unknown as { closing: unknown }).closing = true;
      deadConn.disconnect();
      await (await dead.client).disconnect();
      await (await (dead as unknown as { blockingConnection: { client: Promise<Redis> } }).blockingConnection.client).disconnect();
      const events = track(new QueueEvents('stall', { connection: conn(s) }));
      await events.waitUntilReady();
      const stalled = waitFor<string>((done) => events.on('stalled', ({ jobId }) => done(jobId)));
      const rescuer = track(new Worker('stall', async () => 'rescued', { connection: conn(s), lockDuration: 1000, stalledInterval: 500 }));
      void rescuer;
      expect(await stalled).toBe(job.id);
      await waitFor<void>((done) => {
        const t = setInterval(async () => {
          if ((await queue.getJobState(job.id!)) === 'completed') {
            clearInterval(t);
            done();
          }
        }, 100);
      });
      expect((await queue.getJob(job.id!))?.returnvalue).toBe('rescued');
    });
  });
}
