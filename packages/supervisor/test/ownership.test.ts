import { describe, expect, it } from 'vitest';
import { configSchema, createRunner } from '../src/index.js';
import { REGISTER, USER, heroDbBackend, inspect, redisServerBackend, sleep, startSupervisor, tempDir, until, type Backend } from './helpers.js';

const backends: Backend[] = [redisServerBackend];
const heroDb = await heroDbBackend();
if (heroDb) backends.push(heroDb);

/** A handler that holds each job until the test releases it. */
function gate() {
  let release!: (v: string) => void;
  const held = new Promise<string>((r) => (release = r));
  return { held, release };
}

describe.each(backends)('job ownership on $name', (backend) => {
  describe.each([true, false])('scripts: %s', (scripts) => {
    it('drops the outcome of a run whose job was taken back and given to another instance', async () => {
      const dir = await tempDir();
      const redis = await backend.start(dir);
      const sv = await startSupervisor(redis.url);
      const c = sv.client(USER);
      await sv.client(REGISTER).registerRunner('own');
      const g = gate();
      const runner = createRunner({ name: 'own', redis: redis.url, scripts, handler: (job) => (job.payload === 'x' ? g.held : 'next') });
      await runner.ready;
      try {
        const id = await c.createJob({ runner: 'own', payload: 'x', timeout: 60 }, { start: true });
        await until(async () => (await c.jobStatus(id)).status === 'started', 20_000, 'job started');
        // waits in the queue (concurrency 1): the dropped finish must still hand it on
        const queued = await c.createJob({ runner: 'own', payload: 'y', timeout: 60 }, { start: true });
        const r = inspect(redis.url);
        // what the reaper and another instance do: the id leaves our list, B takes the job
        await r.lrem(`hero:processing:own:${runner.instance}`, 1, id);
        await r.lpush('hero:processing:own:B', id);
        await r.hset(`hero:job:${id}`, { worker: 'B', attempts: '2', status: 'started' });
        g.release('from A');
        expect(await c.jobResult(queued, 20)).toEqual({ success: 'next' });
        await until(() => runner.active === 0, 20_000, 'handler done');
        await sleep(200);
        expect(await r.llen(`hero:processing:own:${runner.instance}`)).toBe(0);
        const h = await r.hgetall(`hero:job:${id}`);
        expect(h).toMatchObject({ status: 'started', worker: 'B', attempts: '2' });
        expect(h.result).toBeUndefined();
        expect(h.finished_at).toBeUndefined();
        expect(await r.lrange('hero:processing:own:B', 0, -1)).toEqual([id]);
        expect(await r.exists(`hero:reply:${id}`)).toBe(0);
      } finally {
        await runner.close();
      }
    });

    it('leaves a later run of the same instance alone (its processing entry too)', async () => {
      const dir = await tempDir();
      const redis = await backend.start(dir);
      const sv = await startSupervisor(redis.url);
      const c = sv.client(USER);
      await sv.client(REGISTER).registerRunner('again');
      const g = gate();
      const runner = createRunner({ name: 'again', redis: redis.url, scripts, handler: () => g.held });
      await runner.ready;
      const processing = `hero:processing:again:${runner.instance}`;
      try {
        const id = await c.createJob({ runner: 'again', payload: 'x', timeout: 60 }, { start: true });
        await until(async () => (await c.jobStatus(id)).status === 'started', 20_000, 'job started');
        const r = inspect(redis.url);
        // reaped and taken again by this very instance: same worker, next attempt, id back in our list
        await r.hset(`hero:job:${id}`, { attempts: '2' });
        g.release('first run');
        await until(() => runner.active === 0, 20_000, 'handler done');
        await sleep(200);
        const h = await r.hgetall(`hero:job:${id}`);
        expect(h).toMatchObject({ status: 'started', worker: runner.instance, attempts: '2' });
        expect(h.result).toBeUndefined();
        expect(await r.lrange(processing, 0, -1)).toEqual([id]);
        await r.lrem(processing, 1, id);
      } finally {
        await runner.close();
      }
    });

    it('leaves no zombie hash when a job is deleted while its handler runs', async () => {
      const dir = await tempDir();
      const redis = await backend.start(dir);
      const sv = await startSupervisor(redis.url);
      const c = sv.client(USER);
      await sv.client(REGISTER).registerRunner('gone');
      const g = gate();
      // the handler ignores its signal: it returns a value after the delete
      const runner = createRunner({ name: 'gone', redis: redis.url, scripts, heartbeatMs: 60_000, handler: () => g.held });
      await runner.ready;
      const r = inspect(redis.url);
      try {
        // deleted behind the runner's back (no stop request reaches it)
        const id = await c.createJob({ runner: 'gone', payload: 'x', timeout: 60 }, { start: true });
        await until(async () => (await c.jobStatus(id)).status === 'started', 20_000, 'job started');
        await r.del(`hero:job:${id}`);
        g.release('late');
        await until(() => runner.active === 0, 20_000, 'handler done');
        await sleep(200);
        expect(await r.exists(`hero:job:${id}`)).toBe(0);
        expect(await r.llen(`hero:processing:gone:${runner.instance}`)).toBe(0);
        await expect(c.jobStatus(id)).rejects.toMatchObject({ code: 'HERO_NOT_FOUND' });
        // the id is free again
        expect(await c.createJob({ id, runner: 'gone', payload: 'y' })).toBe(id);
      } finally {
        await runner.close();
      }
    });

    it('leaves no zombie hash after job.delete of a running job', async () => {
      const dir = await tempDir();
      const redis = await backend.start(dir);
      const sv = await startSupervisor(redis.url);
      const c = sv.client(USER);
      await sv.client(REGISTER).registerRunner('del');
      const runner = createRunner({
        name: 'del',
        redis: redis.url,
        scripts,
        handler: (_job, { signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
      });
      await runner.ready;
      const r = inspect(redis.url);
      try {
        const id = await c.createJob({ runner: 'del', payload: 'x', timeout: 60 }, { start: true });
        await until(async () => (await c.jobStatus(id)).status === 'started', 20_000, 'job started');
        await c.deleteJob(id);
        await until(() => runner.active === 0, 20_000, 'handler aborted');
        await sleep(200);
        expect(await r.exists(`hero:job:${id}`)).toBe(0);
        await expect(c.jobStatus(id)).rejects.toMatchObject({ code: 'HERO_NOT_FOUND' });
        expect(await c.createJob({ id, runner: 'del', payload: 'y' })).toBe(id);
      } finally {
        await runner.close();
      }
    });
  });

  it('reaps a dead instance even when another instance has a key of the wrong type', async () => {
    const dir = await tempDir();
    const redis = await backend.start(dir);
    const sv = await startSupervisor(redis.url);
    const c = sv.client(USER);
    await sv.client(REGISTER).registerRunner('ghost');
    const r = inspect(redis.url);
    // several bogus members, so one of them is likely met before the dead instance
    for (let i = 0; i < 5; i++) {
      await r.set(`hero:processing:bogus:b${i}`, 'not a list');
      await r.sadd('hero:instances', `bogus\u0000b${i}`);
    }
    const id = await c.createJob({ runner: 'ghost', payload: 'x' });
    // an instance took the job and died (no heartbeat key)
    await r.rpush('hero:processing:ghost:dead', id);
    await r.hset(`hero:job:${id}`, { status: 'started', worker: 'dead', attempts: '1' });
    await r.sadd('hero:instances', 'ghost\u0000dead');
    await until(async () => (await r.lrange('hero:work_queue:ghost', 0, -1)).includes(id), 20_000, 'job requeued');
    expect((await c.jobStatus(id)).status).toBe('dispatched');
    expect(await r.llen('hero:processing:ghost:dead')).toBe(0);
    expect(await r.sismember('hero:instances', 'ghost\u0000dead')).toBe(0);
  });

  it('runs a job whose timeout is beyond what a timer holds instead of timing it out at once', async () => {
    const dir = await tempDir();
    const redis = await backend.start(dir);
    const sv = await startSupervisor(redis.url);
    const c = sv.client(USER);
    await sv.client(REGISTER).registerRunner('long');
    const runner = createRunner({ name: 'long', redis: redis.url, handler: async () => (await sleep(300), 'done') });
    await runner.ready;
    try {
      const id = await c.createJob({ runner: 'long', payload: 'x' });
      // a hash written by some other producer: 30 days, more than 2^31-1 ms
      await inspect(redis.url).hset(`hero:job:${id}`, 'timeout', String(30 * 24 * 3600));
      await c.startJob(id);
      expect(await c.jobResult(id, 20)).toEqual({ success: 'done' });
    } finally {
      await runner.close();
    }
  });
});

describe('config', () => {
  it('caps default_timeout at 7 days, like a job timeout', () => {
    expect(configSchema.parse({ default_timeout: 7 * 24 * 3600 }).default_timeout).toBe(7 * 24 * 3600);
    expect(() => configSchema.parse({ default_timeout: 30 * 24 * 3600 })).toThrow();
  });
});
