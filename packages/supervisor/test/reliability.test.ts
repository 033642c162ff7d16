import { describe, expect, it } from 'vitest';
import { createRunner } from '../src/index.js';
import { REGISTER, USER, heroDbBackend, inspect, redisServerBackend, startSupervisor, tempDir, until, type Backend } from './helpers.js';

const backends: Backend[] = [redisServerBackend];
const heroDb = await heroDbBackend();
if (heroDb) backends.push(heroDb);

const RUNNER_ENV = { HERO_RUNNER_HEARTBEAT_MS: '200', HERO_RUNNER_DRAIN_MS: '5000' };

describe.each(backends)('reliability on $name', (backend) => {
  it('re-queues the job of a runner killed with SIGKILL; the runner is restarted', async () => {
    const dir = await tempDir();
    const redis = await backend.start(dir);
    const sv = await startSupervisor(redis.url, { runners: [{ name: 'cmd', concurrency: 1, env: RUNNER_ENV }] });
    const c = sv.client(USER);
    const admin = sv.client();
    await until(async () => (await c.getRunnerStatus('cmd')).instances === 1, 30_000, 'runner up');
    const first = await admin.getRunnerStatus('cmd');
    expect(first).toMatchObject({ manager: 'simple', state: 'running', restarts: 0 });
    const id = await c.createJob({ runner: 'cmd', payload: 'sleep 1; echo survived', timeout: 60 }, { start: true });
    await until(async () => (await c.jobStatus(id)).status === 'started', 30_000, 'job started');
    process.kill(first.pid!, 'SIGKILL');
    expect(await c.jobResult(id, 60)).toEqual({ success: 'survived\n' });
    const st = await c.jobStatus(id);
    expect(st.attempts).toBe(2);
    const after = await admin.getRunnerStatus('cmd');
    expect(after.restarts).toBe(1);
    expect(after.pid).not.toBe(first.pid);
    const logs = await admin.getRunnerLogs('cmd', 50);
    expect(logs.some((l) => l.stream === 'system' && /signal SIGKILL/.test(l.line))).toBe(true);
    // nothing is left in a processing list
    const r = inspect(redis.url);
    const lists = await r.keys('hero:processing:*');
    for (const l of lists) expect(await r.llen(l)).toBe(0);
  });

  it('fails a job after max_attempts dying runners instead of leaving it started', async () => {
    const dir = await tempDir();
    const redis = await backend.start(dir);
    const sv = await startSupervisor(redis.url, { max_attempts: 1 });
    const c = sv.client(USER);
    await sv.client(REGISTER).registerRunner('fragile');
    // a runner that takes the job and then disappears without a word (heartbeat stops)
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const runner = createRunner({ name: 'fragile', redis: redis.url, heartbeatMs: 100, drainMs: 100, handler: () => held });
    await runner.ready;
    const id = await c.createJob({ runner: 'fragile', payload: 'x' }, { start: true });
    await until(async () => (await c.jobStatus(id)).status === 'started', 20_000, 'job started');
    const r = inspect(redis.url);
    // simulate death: its heartbeat vanishes
    await r.del(`hero:alive:fragile:${runner.instance}`);
    const keep = setInterval(() => void r.del(`hero:alive:fragile:${runner.instance}`), 20);
    try {
      const res = await c.jobResult(id, 30);
      expect(res).toMatchObject({ error: expect.stringMatching(/runner fragile died/) });
      expect((await c.jobStatus(id)).status).toBe('error');
    } finally {
      clearInterval(keep);
      await runner.close();
      release();
    }
    expect((await c.jobStatus(id)).status).toBe('error');
  });

  it('loses no job across a supervisor restart mid-queue', async () => {
    const dir = await tempDir();
    const redis = await backend.start(dir);
    const runners = [{ name: 'cmd', concurrency: 2, env: RUNNER_ENV }];
    const sv = await startSupervisor(redis.url, { runners });
    const c = sv.client(USER);
    await until(async () => (await c.getRunnerStatus('cmd')).instances === 1, 30_000, 'runner up');
    const ids: string[] = [];
    // long enough that some are still queued or running when the supervisor stops, on a slow machine too
    for (let i = 0; i < 12; i++) ids.push(await c.createJob({ runner: 'cmd', payload: `sleep 0.5; echo job-${i}`, timeout: 60 }, { start: true }));
    await until(async () => (await c.listJobs({ status: 'finished' })).length >= 2, 30_000, 'first jobs done');
    await sv.stop();
    const r = inspect(redis.url);
    const statuses = await Promise.all(ids.map((id) => r.hget(`hero:job:${id}`, 'status')));
    expect(statuses).not.toContain('started');
    expect(statuses.filter((s) => s !== 'finished').length).toBeGreaterThan(0);
    const sv2 = await startSupervisor(redis.url, { runners }, sv.socketDir);
    const c2 = sv2.client(USER);
    const results = await Promise.all(ids.map((id) => c2.jobResult(id, 60)));
    expect(results).toEqual(ids.map((_, i) => ({ success: `job-${i}\n` })));
  });

  it('answers UnavailableError while Redis is down and recovers', async () => {
    const dir = await tempDir();
    const redis = await backend.start(dir);
    const sv = await startSupervisor(redis.url);
    const c = sv.client(USER);
    await sv.client(REGISTER).registerRunner('sdk');
    const runner = createRunner({ name: 'sdk', redis: redis.url, heartbeatMs: 200, handler: (job) => `ok:${job.payload}` });
    await runner.ready;
    try {
      expect(await c.runJob({ runner: 'sdk', payload: 'before' })).toEqual({ success: 'ok:before' });
      await redis.stop();
      await expect(c.listJobs()).rejects.toMatchObject({ code: 'HERO_UNAVAILABLE', rpcCode: -32003 });
      await expect(c.createJob({ runner: 'sdk', payload: 'x' })).rejects.toMatchObject({ code: 'HERO_UNAVAILABLE' });
      const info = await c.getSupervisorInfo();
      expect(info.redis.connected).toBe(false);
      await redis.start();
      await until(async () => (await c.getSupervisorInfo()).redis.connected, 30_000, 'supervisor reconnected');
      await sv.client(REGISTER).registerRunner('sdk');
      const res = await until(() => c.runJob({ runner: 'sdk', payload: 'after', timeout: 20 }), 60_000, 'job after recovery');
      expect(res).toEqual({ success: 'ok:after' });
    } finally {
      await runner.close();
    }
  });
});
