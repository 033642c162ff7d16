import { describe, expect, it, vi } from 'vitest';
import { RpcClient } from '@hero/core';
import type { NewJob } from '../src/job-input.js';
import { JobStore } from '../src/job-store.js';
import { keys } from '../src/index.js';
import { REGISTER, USER, heroDbBackend, inspect, redisServerBackend, startSupervisor, tempDir, type Backend } from './helpers.js';

const backends: Backend[] = [redisServerBackend];
const heroDb = await heroDbBackend();
if (heroDb) backends.push(heroDb);

type Settled = PromiseSettledResult<unknown>;

/** The one fulfilled and the one rejected of two settled calls. */
function oneWins(results: Settled[]): { won: number; lost: PromiseRejectedResult } {
  expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  const won = results.findIndex((r) => r.status === 'fulfilled');
  return { won, lost: results[1 - won] as PromiseRejectedResult };
}

function newJob(id: string, payload: string, runner = 'ext'): NewJob {
  return { id, caller_id: '', context_id: '', payload, runner, executor: 'bash', timeout: 30, env_vars: {} };
}

describe.each(backends)('explicit job ids on $name', (backend) => {
  it('two concurrent jobs.create with one id: one job, the other caller gets HERO_CONFLICT', async () => {
    const dir = await tempDir();
    const redis = await backend.start(dir);
    const sv = await startSupervisor(redis.url);
    await sv.client(REGISTER).registerRunner('ext');
    const a = sv.client(USER);
    const b = sv.client(USER);
    const results = await Promise.allSettled([
      a.createJob({ id: 'dup1', runner: 'ext', payload: 'first' }, { start: true }),
      b.createJob({ id: 'dup1', runner: 'ext', payload: 'second' }, { start: true }),
    ]);
    const { won, lost } = oneWins(results);
    expect(lost.reason).toMatchObject({ code: 'HERO_CONFLICT', message: 'job dup1 already exists' });
    const r = inspect(redis.url);
    expect(await r.lrange('hero:work_queue:ext', 0, -1)).toEqual(['dup1']);
    expect(await r.hget('hero:job:dup1', 'payload')).toBe(won === 0 ? 'first' : 'second');
    expect(await r.zrange('hero:jobs', 0, -1)).toEqual(['dup1']);

    // an id already stored is a conflict for jobs.create and job.run alike, and the job stays
    await expect(a.createJob({ id: 'dup1', runner: 'ext', payload: 'third' })).rejects.toMatchObject({ code: 'HERO_CONFLICT' });
    await expect(a.call('job.run', { job: { id: 'dup1', runner: 'ext', payload: 'fifth', timeout: 5 } })).rejects.toMatchObject({ code: 'HERO_CONFLICT' });
    expect(await r.lrange('hero:work_queue:ext', 0, -1)).toEqual(['dup1']);
    expect(await r.hget('hero:job:dup1', 'payload')).toBe(won === 0 ? 'first' : 'second');
  });

  it('one id twice in one JSON-RPC batch: one written, the other HERO_CONFLICT, the rest of the batch written', async () => {
    const dir = await tempDir();
    const redis = await backend.start(dir);
    const sv = await startSupervisor(redis.url);
    await sv.client(REGISTER).registerRunner('ext');
    await sv.client(REGISTER).registerRunner('odd');
    const r = inspect(redis.url);
    await r.set('hero:work_queue:odd', 'not a list');
    const raw = new RpcClient(sv.socket);
    try {
      const create = (id: number, job: Record<string, unknown>) => ({ jsonrpc: '2.0', id, method: 'jobs.create', params: { secret: USER, job, start: true } });
      const replies = (await raw.post([
        create(1, { id: 'dup2', runner: 'ext', payload: 'a' }),
        create(2, { id: 'dup2', runner: 'ext', payload: 'b' }),
        create(3, { id: 'other', runner: 'ext', payload: 'c' }),
        create(4, { id: 'to-odd', runner: 'odd', payload: 'd' }),
      ])) as { id: number; result?: string; error?: { code: number; message: string; data?: { code?: string } } }[];
      const by = new Map(replies.map((x) => [x.id, x]));
      expect(by.get(1)).toMatchObject({ result: 'dup2' });
      expect(by.get(2)?.error).toMatchObject({ code: -32009, message: 'job dup2 already exists', data: { code: 'HERO_CONFLICT' } });
      expect(by.get(3)).toMatchObject({ result: 'other' });
      // a work queue of the wrong type fails only the jobs that go to it, saying why
      expect(by.get(4)?.error).toMatchObject({ code: -32009, data: { code: 'HERO_CONFLICT' } });
      expect(by.get(4)?.error?.message).toMatch(/WRONGTYPE hero:work_queue:odd .*not a list/);
      expect(await r.lrange('hero:work_queue:ext', 0, -1)).toEqual(['dup2', 'other']);
      expect(await r.hget('hero:job:dup2', 'payload')).toBe('a');
      expect(await r.exists('hero:job:to-odd')).toBe(0);
      expect((await r.zrange('hero:jobs', 0, -1)).sort()).toEqual(['dup2', 'other']);
    } finally {
      await raw.close();
    }
  });

  it('two supervisors on one Redis: concurrent creates of one id, one wins', async () => {
    const dir = await tempDir();
    const redis = await backend.start(dir);
    const one = await startSupervisor(redis.url);
    const two = await startSupervisor(redis.url);
    await one.client(REGISTER).registerRunner('ext');
    await two.client(USER).listRunners(); // both know the runner
    const r = inspect(redis.url);
    for (let round = 0; round < 5; round++) {
      const id = `cross-${round}`;
      const results = await Promise.allSettled([
        one.client(USER).createJob({ id, runner: 'ext', payload: 'one' }, { start: true }),
        two.client(USER).createJob({ id, runner: 'ext', payload: 'two' }, { start: true }),
      ]);
      const { won, lost } = oneWins(results);
      expect(lost.reason).toMatchObject({ code: 'HERO_CONFLICT' });
      expect(await r.hget(`hero:job:${id}`, 'payload')).toBe(won === 0 ? 'one' : 'two');
    }
    expect(await r.lrange('hero:work_queue:ext', 0, -1)).toEqual(['cross-0', 'cross-1', 'cross-2', 'cross-3', 'cross-4']);
  });

  it('jobs.list filters by runner and status, pages with limit and offset, newest first', async () => {
    const dir = await tempDir();
    const redis = await backend.start(dir);
    const sv = await startSupervisor(redis.url);
    await sv.client(REGISTER).registerRunner('ext');
    await sv.client(REGISTER).registerRunner('other');
    const c = sv.client(USER);
    const r = inspect(redis.url);
    // 30 jobs, one per millisecond score: l-00 oldest … l-29 newest; every third ends in error
    for (let i = 0; i < 30; i++) {
      const id = `l-${String(i).padStart(2, '0')}`;
      await c.createJob({ id, runner: i % 2 ? 'other' : 'ext', payload: `p${i}`.repeat(1000) });
      await r.zadd('hero:jobs', 1_000 + i, id);
      if (i % 3 === 0) await r.hset(`hero:job:${id}`, { status: 'error', error: `e${i}` });
    }
    const ids = (list: { id: string }[]) => list.map((j) => j.id);
    const expected = (pick: (i: number) => boolean) =>
      Array.from({ length: 30 }, (_, i) => 29 - i)
        .filter(pick)
        .map((i) => `l-${String(i).padStart(2, '0')}`);

    expect(ids(await c.listJobs({ status: 'error' }))).toEqual(expected((i) => i % 3 === 0));
    expect(ids(await c.listJobs({ runner: 'ext' }))).toEqual(expected((i) => i % 2 === 0));
    expect(ids(await c.listJobs({ runner: 'other', status: 'error' }))).toEqual(expected((i) => i % 2 === 1 && i % 3 === 0));
    expect(ids(await c.listJobs({ status: 'created', limit: 4, offset: 3 }))).toEqual(expected((i) => i % 3 !== 0).slice(3, 7));
    expect(ids(await c.listJobs({ status: 'error', limit: 1 }))).toEqual(['l-27']);
    expect(ids(await c.listJobs({ limit: 5, offset: 2 }))).toEqual(expected(() => true).slice(2, 7));
    expect(await c.listJobs({ status: 'finished' })).toEqual([]);
    // whole jobs come back
    const [top] = await c.listJobs({ status: 'error', runner: 'ext', limit: 1 });
    expect(top).toMatchObject({ id: 'l-24', runner: 'ext', status: 'error', error: 'e24', payload: 'p24'.repeat(1000) });
    // a deleted job's leftover index entry is skipped
    await r.del('hero:job:l-27');
    expect(ids(await c.listJobs({ status: 'error', limit: 2 }))).toEqual(['l-24', 'l-21']);
  });
});

describe.each(backends)('the job store on $name', (backend) => {
  for (const scripts of [true, false]) {
    it(`${scripts ? 'script' : 'plain commands'}: one winner per id across writes and connections`, async () => {
      const dir = await tempDir();
      const redis = await backend.start(dir);
      const k = keys('hero');
      const one = new JobStore(inspect(redis.url), k, 60);
      const two = new JobStore(inspect(redis.url), k, 60);
      if (scripts) {
        expect(await one.useScripts()).toBe(true);
        expect(await two.useScripts()).toBe(true);
      }
      const r = inspect(redis.url);
      // same tick on one store (one write) and on two stores (two connections)
      const results = await Promise.allSettled([
        one.create(newJob('s1', 'a'), true),
        one.create(newJob('s1', 'b'), true),
        two.create(newJob('s1', 'c'), true),
        one.create(newJob('s2', 'd'), false),
      ]);
      expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(2);
      expect(results[3]?.status).toBe('fulfilled');
      const winner = results.findIndex((x) => x.status === 'fulfilled');
      for (const x of results) if (x.status === 'rejected') expect(x.reason).toMatchObject({ code: 'HERO_CONFLICT', message: 'job s1 already exists' });
      expect(await r.hget('hero:job:s1', 'payload')).toBe(['a', 'b', 'c'][winner]);
      expect(await r.lrange('hero:work_queue:ext', 0, -1)).toEqual(['s1']);
      expect(await r.hget('hero:job:s2', 'status')).toBe('created');

      // a wrong-type queue fails only its jobs; the claim of a failed job is given back
      await r.set('hero:work_queue:bad', 'x');
      const mixed = await Promise.allSettled([one.create(newJob('q1', 'x', 'bad'), true), one.create(newJob('q2', 'x'), true)]);
      expect(mixed[0]).toMatchObject({ status: 'rejected', reason: { code: 'HERO_CONFLICT', message: expect.stringMatching(/^WRONGTYPE hero:work_queue:bad/) } });
      expect(mixed[1]?.status).toBe('fulfilled');
      expect(await r.exists('hero:job:q1')).toBe(0);
      // …and a job not queued does not touch the queue
      await one.create(newJob('q1', 'x', 'bad'), false);

      // leftovers of a deleted job (fields written after the delete, no id) do not block the id
      await r.hset('hero:job:gone', { status: 'finished', result: 'late' });
      await one.create(newJob('gone', 'new'), false);
      expect(await r.hgetall('hero:job:gone')).toMatchObject({ id: 'gone', payload: 'new', status: 'created' });
      expect(await r.hexists('hero:job:gone', 'result')).toBe(0);

      // createMany is all or none
      const before = [(await r.keys('hero:job:*')).sort(), await r.lrange('hero:work_queue:ext', 0, -1)];
      await expect(one.createMany([newJob('m1', 'x'), newJob('s1', 'x')], true)).rejects.toMatchObject({ code: 'HERO_CONFLICT', message: 'job s1 already exists' });
      await expect(one.createMany([newJob('m1', 'x'), newJob('m1', 'y')], true)).rejects.toMatchObject({ code: 'HERO_CONFLICT' });
      await expect(one.createMany([newJob('m1', 'x'), newJob('m2', 'x', 'bad')], true)).rejects.toThrow(/WRONGTYPE/);
      expect([(await r.keys('hero:job:*')).sort(), await r.lrange('hero:work_queue:ext', 0, -1)]).toEqual(before);
      await one.createMany([newJob('m1', 'x'), newJob('m2', 'y')], true);
      expect(await r.lrange('hero:work_queue:ext', 0, -1)).toEqual(['s1', 'q2', 'm1', 'm2']);
    });
  }

  it('plain commands: a write that fails after the claims gives the ids back', async () => {
    const dir = await tempDir();
    const redis = await backend.start(dir);
    const store = new JobStore(inspect(redis.url), keys('hero'), 60);
    const r = inspect(redis.url);
    const rd = store.redis;
    const claimOnly = async (id: string) => ({ fields: await r.hgetall(`hero:job:${id}`), pttl: await r.pttl(`hero:job:${id}`) });

    // the next MULTI writing the jobs rejects (connection lost at the wrong moment)
    const multi = rd.multi.bind(rd);
    const failNextMulti = () =>
      vi.spyOn(rd, 'multi').mockImplementationOnce(((...args: never[]) => {
        const m = multi(...args);
        m.exec = async () => {
          throw new Error('connection lost');
        };
        return m;
      }) as typeof rd.multi);
    const failMulti = failNextMulti();
    await expect(store.createMany([newJob('f1', 'x'), newJob('f2', 'x')], true)).rejects.toThrow('connection lost');
    failMulti.mockRestore();
    expect(await r.exists('hero:job:f1', 'hero:job:f2')).toBe(0);
    await expect(store.get('f1')).rejects.toMatchObject({ code: 'HERO_NOT_FOUND' });
    await store.create(newJob('f1', 'again'), true);
    expect(await r.hget('hero:job:f1', 'payload')).toBe('again');
    // a written job keeps no expiry from its claim
    expect(await r.pttl('hero:job:f1')).toBe(-1);

    // a claim reply failing otherwise than WRONGTYPE fails the write; the other job's claim is given back
    const pipeline = rd.pipeline.bind(rd);
    const failClaim = vi.spyOn(rd, 'pipeline').mockImplementationOnce(((...args: never[]) => {
      const p = pipeline(...args);
      const exec = p.exec.bind(p);
      p.exec = (async () => {
        const res = (await exec())!;
        res[res.length - 1] = [new Error('ERR out of memory'), null];
        return res;
      }) as typeof p.exec;
      return p;
    }) as typeof rd.pipeline);
    await expect(store.createMany([newJob('g1', 'x'), newJob('g2', 'x')], true)).rejects.toThrow('out of memory');
    failClaim.mockRestore();
    expect(await r.exists('hero:job:g1')).toBe(0);
    await store.create(newJob('g1', 'again'), false);
    expect(await r.hget('hero:job:g1', 'payload')).toBe('again');
    // the faked error hid a claim that did happen (a real error reply claims nothing): not this call's to give back
    expect(await claimOnly('g2')).toEqual({ fields: { id: 'g2' }, pttl: -1 });
    await r.del('hero:job:g2');

    // when giving the claim back fails too, the claim's expiry still frees the id
    const failMulti2 = failNextMulti();
    const failDel = vi.spyOn(rd, 'del').mockRejectedValueOnce(new Error('connection lost'));
    await expect(store.create(newJob('h1', 'x'), true)).rejects.toThrow('connection lost');
    failMulti2.mockRestore();
    failDel.mockRestore();
    const left = await claimOnly('h1');
    expect(left.fields).toEqual({ id: 'h1' });
    expect(left.pttl).toBeGreaterThan(0);
    expect(left.pttl).toBeLessThanOrEqual(30_000);
    // no job was queued or indexed by the failed writes
    expect(await r.lrange('hero:work_queue:ext', 0, -1)).toEqual(['f1']);
    expect(await r.zrange('hero:jobs', 0, -1)).toEqual(['f1', 'g1']);
  });

  it('page() stops before the byte budget, but always returns one job', async () => {
    const dir = await tempDir();
    const redis = await backend.start(dir);
    const store = new JobStore(inspect(redis.url), keys('hero'), 60);
    for (const id of ['b1', 'b2', 'b3']) await store.create(newJob(id, 'x'.repeat(1000)), false);
    expect((await store.page(['b1', 'b2', 'b3'], 2500)).jobs.map((j) => j.id)).toEqual(['b1', 'b2']);
    expect(await store.page(['b1', 'b2', 'b3'], 2500)).toMatchObject({ bytes: 2004, full: true });
    expect((await store.page(['b1', 'b2'], 10)).jobs.map((j) => j.id)).toEqual(['b1']);
    expect((await store.page(['b1', 'b2'], 10, false)).jobs).toEqual([]);
    expect(await store.page(['b1', 'nope', 'b2'], 1e9)).toMatchObject({ full: false, jobs: [{ id: 'b1' }, { id: 'b2' }] });
  });
});
