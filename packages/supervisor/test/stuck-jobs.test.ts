import { describe, expect, it } from 'vitest';
import { createRunner } from '../src/index.js';
import { REGISTER, USER, heroDbBackend, inspect, redisServerBackend, startSupervisor, tempDir, until, type Backend } from './helpers.js';

const backends: Backend[] = [redisServerBackend];
const heroDb = await heroDbBackend();
if (heroDb) backends.push(heroDb);

describe.each(backends)('no job left stuck on $name', (backend) => {
  it('stores the outcome without Lua while the processing list keeps changing', async () => {
    const dir = await tempDir();
    const redis = await backend.start(dir);
    const sv = await startSupervisor(redis.url);
    const c = sv.client(USER);
    await sv.client(REGISTER).registerRunner('busy');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const runner = createRunner({ name: 'busy', redis: redis.url, scripts: false, handler: async () => (await held, 'done') });
    await runner.ready;
    const processing = `hero:processing:busy:${runner.instance}`;
    const r = inspect(redis.url);
    const noise = inspect(redis.url);
    let churning = true;
    // what takes on other connections do to the list: it changes all the time
    const churn = (async () => {
      while (churning) {
        const p = noise.pipeline();
        for (let i = 0; i < 50; i++) p.lpush(processing, '__noise__').lrem(processing, 1, '__noise__');
        await p.exec();
      }
    })();
    try {
      const id = await c.createJob({ runner: 'busy', payload: 'x', timeout: 60 }, { start: true });
      await until(async () => (await c.jobStatus(id)).status === 'started', 20_000, 'job started');
      release();
      expect(await c.jobResult(id, 20)).toEqual({ success: 'done' });
      expect((await c.jobStatus(id)).status).toBe('finished');
      churning = false;
      await churn;
      await until(async () => (await r.lrange(processing, 0, -1)).length === 0, 20_000, 'processing list empty');
    } finally {
      churning = false;
      await churn;
      await runner.close();
    }
  });

  it('requeues the good jobs of a dead instance past a bad job key at the tail', async () => {
    const dir = await tempDir();
    const redis = await backend.start(dir);
    const sv = await startSupervisor(redis.url);
    const c = sv.client(USER);
    await sv.client(REGISTER).registerRunner('tail');
    const r = inspect(redis.url);
    const id = await c.createJob({ runner: 'tail', payload: 'x' });
    // an instance took both and died (no heartbeat key); the bad one is met first (LINDEX -1)
    await r.set('hero:job:bad-one', 'not a hash');
    await r.rpush('hero:processing:tail:dead', id, 'bad-one');
    await r.hset(`hero:job:${id}`, { status: 'started', worker: 'dead', attempts: '1' });
    await r.sadd('hero:instances', 'tail\u0000dead');
    await until(async () => (await r.lrange('hero:work_queue:tail', 0, -1)).includes(id), 20_000, 'good job requeued');
    expect((await c.jobStatus(id)).status).toBe('dispatched');
    await until(async () => (await r.sismember('hero:instances', 'tail\u0000dead')) === 0, 20_000, 'instance reaped');
    expect(await r.llen('hero:processing:tail:dead')).toBe(0);
    expect(await r.lrange('hero:work_queue:tail', 0, -1)).toEqual([id]);
  });
});
