import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { RpcClient } from '@hero/core';
import { createCommandRunner, createProducer, createRunner, JobBuilder } from '../src/index.js';
import { ADMIN, REGISTER, USER, heroDbBackend, inspect, redisServerBackend, startSupervisor, tempDir, until, type Backend } from './helpers.js';

const backends: Backend[] = [redisServerBackend];
const heroDb = await heroDbBackend();
if (heroDb) backends.push(heroDb);

/** An in-process command runner registered with the supervisor as an external runner. */
async function commandRunner(url: string, name: string, concurrency = 2) {
  const r = createCommandRunner({ name, redis: url, concurrency, heartbeatMs: 200, drainMs: 2000 });
  await r.ready;
  return r;
}

describe('managed runner processes', () => {
  it("start from the program's environment (the run context), not the supervisor process's own", async () => {
    const dir = await tempDir();
    const redis = await redisServerBackend.start(dir);
    const out = `${dir}/env.txt`;
    expect(process.env.HERO_TEST_PROBE).toBeUndefined();
    await startSupervisor(
      redis.url,
      { runners: [{ name: 'probe', command: '/bin/sh', args: ['-c', `printf '%s|%s|%s' "$HERO_TEST_PROBE" "$HERO_RUNNER_NAME" "$PATH" > ${out}; exec sleep 30`] }] },
      undefined,
      { HERO_TEST_PROBE: 'from-the-program' },
    );
    const text = await until(() => readFile(out, 'utf8').catch(() => ''), 10_000, 'runner wrote its env');
    expect(text).toBe('from-the-program|probe|/usr/local/bin:/usr/bin:/bin');
  });
});

describe.each(backends)('supervisor on $name', (backend) => {
  it('creates, starts, reports status and result', async () => {
    const dir = await tempDir();
    const redis = await backend.start(dir);
    const sv = await startSupervisor(redis.url);
    const c = sv.client(USER);
    await sv.client(REGISTER).registerRunner('cmd');
    const runner = await commandRunner(redis.url, 'cmd');
    try {
      const job = new JobBuilder().runner('cmd').payload('printf "hello $WHO"').envVar('WHO', 'hero').timeout(30).build();
      const id = await c.createJob(job);
      expect(id).toBe(job.id);
      expect((await c.jobStatus(id)).status).toBe('created');
      expect(await c.jobResult(id)).toEqual({ pending: 'created' });
      await c.startJob(id);
      expect(await c.jobResult(id, 20)).toEqual({ success: 'hello hero' });
      const st = await c.jobStatus(id);
      expect(st).toMatchObject({ job_id: id, status: 'finished', runner: 'cmd', attempts: 1 });
      expect(st.finished_at).toBeTruthy();
      const listed = await c.listJobs({ runner: 'cmd' });
      expect(listed.map((j) => j.id)).toContain(id);
      expect(listed[0]).toMatchObject({ payload: job.payload, env_vars: { WHO: 'hero' }, result: 'hello hero' });
      // the reply list a runner in any language would BLPOP
      const r = inspect(redis.url);
      expect(JSON.parse((await r.lindex(`hero:reply:${id}`, 0))!)).toEqual({ success: 'hello hero' });
      // re-running an ended job
      await c.startJob(id);
      expect(await c.jobResult(id, 20)).toEqual({ success: 'hello hero' });
      await expect(c.startJob('nope')).rejects.toMatchObject({ code: 'HERO_NOT_FOUND' });
      await c.deleteJob(id);
      await expect(c.jobStatus(id)).rejects.toMatchObject({ code: 'HERO_NOT_FOUND', rpcCode: -32004 });
      expect(await r.exists(`hero:job:${id}`)).toBe(0);
    } finally {
      await runner.close();
    }
  });

  it('a runner configured on one supervisor takes jobs submitted to another on the same Redis', async () => {
    const dir = await tempDir();
    const redis = await backend.start(dir);
    const worker = await startSupervisor(redis.url, { runners: [{ name: 'shared' }] });
    const master = await startSupervisor(redis.url);
    expect(await worker.client(USER).call('list_runners', { secret: USER })).toContain('shared');
    expect(await master.client(USER).call('list_runners', { secret: USER })).toContain('shared');
    const job = new JobBuilder().runner('shared').payload('printf from-worker').timeout(30).build();
    expect(await master.client(USER).runJob(job)).toEqual({ success: 'from-worker' });
  });

  it('a producer adds jobs straight into Redis that the runners execute, with the same checks', async () => {
    const dir = await tempDir();
    const redis = await backend.start(dir);
    const sv = await startSupervisor(redis.url, { runners: [{ name: 'fast' }] });
    const producer = await createProducer({ redis: redis.url });
    try {
      const ids = await producer.add([{ runner: 'fast', payload: 'printf one' }, { runner: 'fast', payload: 'printf two' }], { start: true });
      expect(ids).toHaveLength(2);
      const c = sv.client(USER);
      expect(await c.jobResult(ids[0]!, 20)).toEqual({ success: 'one' });
      expect(await c.jobResult(ids[1]!, 20)).toEqual({ success: 'two' });
      const r = inspect(redis.url);
      // what a producer writes: job hashes, the index, the queue (runner heartbeat keys come and go)
      const written = async () => [(await r.keys('hero:job:*')).sort(), await r.zcard('hero:jobs'), await r.llen('hero:work_queue:fast')];
      const before = await written();
      await expect(producer.add([{ runner: 'fast', payload: 'x' }, { runner: 'nobody', payload: 'x' }])).rejects.toMatchObject({ code: 'HERO_NOT_FOUND' });
      await expect(producer.add([{ runner: 'fast' } as never])).rejects.toMatchObject({ code: 'HERO_INVALID' });
      await expect(producer.add([{ runner: 'fast', payload: 'x'.repeat(2 * 1024 * 1024) }])).rejects.toMatchObject({ code: 'HERO_TOO_LARGE' });
      // ids given by the caller: taken or repeated ones are conflicts, nothing written
      await expect(producer.add([{ id: 'mine-1', runner: 'fast', payload: 'x' }, { id: ids[0]!, runner: 'fast', payload: 'x' }])).rejects.toMatchObject({ code: 'HERO_CONFLICT' });
      await expect(producer.add([{ id: 'mine-2', runner: 'fast', payload: 'x' }, { id: 'mine-2', runner: 'fast', payload: 'x' }])).rejects.toMatchObject({ code: 'HERO_CONFLICT' });
      expect(await written()).toEqual(before);
      // a queue key of the wrong type fails the whole add before anything is written
      await r.set('hero:work_queue:odd', 'not a list');
      await sv.client(REGISTER).registerRunner('odd');
      await expect(producer.add([{ runner: 'fast', payload: 'x' }, { runner: 'odd', payload: 'x' }], { start: true })).rejects.toThrow(/WRONGTYPE/);
      expect(await written()).toEqual(before);
      await r.del('hero:work_queue:odd');
      // given ids are kept
      expect(await producer.add([{ id: 'mine-3', runner: 'fast', payload: 'printf three' }], { start: true })).toEqual(['mine-3']);
      expect(await c.jobResult('mine-3', 20)).toEqual({ success: 'three' });
    } finally {
      await producer.close();
    }
  });

  it('job.run returns {success} and {error}; every executor; positional params', async () => {
    const dir = await tempDir();
    const redis = await backend.start(dir);
    const sv = await startSupervisor(redis.url);
    const c = sv.client(USER);
    await c.call('register_runner', { secret: ADMIN, name: 'cmd' });
    const runner = await commandRunner(redis.url, 'cmd', 4);
    try {
      const run = (payload: string, executor = 'bash', env: Record<string, string> = {}) =>
        c.runJob({ runner: 'cmd', payload, executor, env_vars: env, timeout: 30 });
      const [a, b, n, py, sh] = await Promise.all([
        run('echo ok'),
        run('echo broken >&2; exit 3'),
        run('process.stdout.write(String(6*7))', 'node'),
        run('import os; print(os.environ["X"], end="")', 'python3', { X: 'from-env' }),
        run('echo "$0"', 'sh'),
      ]);
      expect(a).toEqual({ success: 'ok\n' });
      expect(b).toEqual({ error: 'broken' });
      expect(n).toEqual({ success: '42' });
      expect(py).toEqual({ success: 'from-env' });
      expect(sh).toEqual({ success: 'sh\n' });
      expect(await run('exit 7')).toEqual({ error: 'exit code 7' });
      expect(await run('true', 'perl')).toEqual({ error: 'unsupported executor "perl" (expected bash, sh, node, python3)' });
      // positional params follow the declared order: [secret, job] and [secret, job_id]
      const raw = new RpcClient(sv.socket);
      try {
        expect(await raw.call('job.run', [USER, { runner: 'cmd', payload: 'echo positional' }])).toEqual({ success: 'positional\n' });
        const id = await raw.call<string>('jobs.create', [USER, { runner: 'cmd', payload: 'true' }]);
        expect(await raw.call('job.status', [USER, id])).toMatchObject({ job_id: id, status: 'created' });
      } finally {
        await raw.close();
      }
    } finally {
      await runner.close();
    }
  });

  it('enforces timeouts and delivers job.stop to a running job', async () => {
    const dir = await tempDir();
    const redis = await backend.start(dir);
    const sv = await startSupervisor(redis.url);
    const c = sv.client(USER);
    await sv.client().registerRunner('cmd');
    const runner = await commandRunner(redis.url, 'cmd', 2);
    try {
      const marker = `${dir}/still-running`;
      const t0 = Date.now();
      const timedOut = await c.runJob({ runner: 'cmd', payload: `sleep 30; touch ${marker}`, timeout: 1 });
      expect(timedOut).toEqual({ error: 'timed out after 1 s' });
      expect(Date.now() - t0).toBeLessThan(25_000);
      const id = await c.createJob({ runner: 'cmd', payload: 'echo started; sleep 30', timeout: 60 }, { start: true });
      await until(async () => (await c.jobStatus(id)).status === 'started', 20_000, 'job started');
      await c.stopJob(id);
      await until(async () => (await c.jobStatus(id)).status === 'stopped', 20_000, 'job stopped');
      expect(await c.jobResult(id)).toEqual({ error: 'stopped' });
      // a queued job is taken out of the queue
      const queued = await c.createJob({ runner: 'nobody-home', payload: 'true' }).catch((e) => e);
      expect(queued).toMatchObject({ code: 'HERO_NOT_FOUND' });
      await sv.client(REGISTER).registerRunner('idle');
      const q = await c.createJob({ runner: 'idle', payload: 'true' }, { start: true });
      await c.stopJob(q);
      expect(await c.jobStatus(q)).toMatchObject({ status: 'stopped' });
      const r = inspect(redis.url);
      expect(await r.llen('hero:work_queue:idle')).toBe(0);
    } finally {
      await runner.close();
    }
  });

  it('checks the role of every caller', async () => {
    const dir = await tempDir();
    const redis = await backend.start(dir);
    const sv = await startSupervisor(redis.url);
    const user = sv.client(USER);
    const reg = sv.client(REGISTER);
    const admin = sv.client(ADMIN);
    const nobody = sv.client('not-a-known-secret');
    const anon = sv.client('');
    await expect(user.registerRunner('x')).rejects.toMatchObject({ code: 'HERO_AUTH', rpcCode: -32001 });
    await reg.registerRunner('x');
    await expect(reg.createJob({ runner: 'x', payload: 'true' })).rejects.toMatchObject({ code: 'HERO_AUTH' });
    await expect(reg.runJob({ runner: 'x', payload: 'true' })).rejects.toMatchObject({ code: 'HERO_AUTH' });
    await expect(nobody.listRunners()).rejects.toMatchObject({ code: 'HERO_AUTH', data: { reason: 'unknown_secret' } });
    await expect(anon.createJob({ runner: 'x', payload: 'true' })).rejects.toMatchObject({ code: 'HERO_AUTH', data: { reason: 'missing_secret' } });
    await expect(user.addSecret('admin', 'sneaky-admin-0001')).rejects.toMatchObject({ code: 'HERO_AUTH' });
    await expect(user.listSecrets()).rejects.toMatchObject({ code: 'HERO_AUTH' });
    await expect(user.stopAll()).rejects.toMatchObject({ code: 'HERO_AUTH' });
    await expect(user.removeRunner('x')).rejects.toMatchObject({ code: 'HERO_AUTH' });
    await expect(user.getRunnerLogs('x')).rejects.toMatchObject({ code: 'HERO_AUTH' });
    expect(await user.listRunners()).toEqual(['x']);
    const id = await user.createJob({ runner: 'x', payload: 'true' });
    expect((await user.jobStatus(id)).status).toBe('created');
    // secrets added and removed at run time
    await admin.addSecret('user', 'runtime-user-0001');
    const rt = sv.client('runtime-user-0001');
    expect((await rt.jobStatus(id)).status).toBe('created');
    const summary = await admin.listSecrets();
    expect(summary.user.count).toBe(2);
    expect(JSON.stringify(summary)).not.toContain('runtime-user-0001');
    expect(await admin.removeSecret('user', 'runtime-user-0001')).toEqual({ removed: true });
    await expect(rt.jobStatus(id)).rejects.toMatchObject({ code: 'HERO_AUTH' });
    await expect(admin.removeSecret('user', USER)).rejects.toMatchObject({ code: 'HERO_CONFLICT' });
    // only digests are stored
    const r = inspect(redis.url);
    const stored = JSON.stringify(await r.keys('hero:secrets:*'));
    expect(stored).not.toContain('runtime');
    expect((await admin.getSupervisorInfo()).open).toBe(false);
    const doc = await admin.discover();
    expect((doc.methods as { name: string }[]).map((m) => m.name)).toEqual(
      expect.arrayContaining(['register_runner', 'jobs.create', 'job.run', 'job.result', 'add_secret', 'get_supervisor_info']),
    );
  });

  it('rejects bad input clearly and writes nothing', async () => {
    const dir = await tempDir();
    const redis = await backend.start(dir);
    const sv = await startSupervisor(redis.url, { max_payload_bytes: 1024 });
    const c = sv.client(USER);
    await sv.client(REGISTER).registerRunner('cmd');
    const r = inspect(redis.url);
    const before = (await r.keys('hero:*')).sort();
    await expect(c.call('jobs.create', { job: { runner: 'cmd' } })).rejects.toMatchObject({ rpcCode: -32602, data: { issues: [expect.objectContaining({ path: 'job.payload' })] } });
    await expect(c.call('jobs.create', { job: { runner: 'cmd', payload: 'x', timeout: -1 } })).rejects.toMatchObject({ rpcCode: -32602 });
    await expect(c.call('jobs.create', { job: { runner: 'bad name!', payload: 'x' } })).rejects.toMatchObject({ rpcCode: -32602 });
    await expect(c.call('jobs.create', { job: { id: 'has space', runner: 'cmd', payload: 'x' } })).rejects.toMatchObject({ rpcCode: -32602 });
    await expect(c.createJob({ runner: 'ghost', payload: 'x' })).rejects.toMatchObject({ code: 'HERO_NOT_FOUND', message: 'unknown runner ghost' });
    await expect(c.createJob({ runner: 'cmd', payload: 'x'.repeat(2000) })).rejects.toMatchObject({ code: 'HERO_TOO_LARGE', rpcCode: -32602 });
    await expect(c.jobStatus('missing-job')).rejects.toMatchObject({ code: 'HERO_NOT_FOUND' });
    await expect(c.jobResult('missing-job')).rejects.toMatchObject({ code: 'HERO_NOT_FOUND' });
    await expect(c.stopJob('missing-job')).rejects.toMatchObject({ code: 'HERO_NOT_FOUND' });
    await expect(c.deleteJob('missing-job')).rejects.toMatchObject({ code: 'HERO_NOT_FOUND' });
    await expect(c.call('jobs.create', { secret: undefined })).rejects.toMatchObject({ rpcCode: -32602 });
    await expect(sv.client('').createJob({ runner: 'cmd', payload: 'x' })).rejects.toMatchObject({ code: 'HERO_AUTH' });
    await expect(c.call('no.such.method')).rejects.toMatchObject({ rpcCode: -32601 });
    expect((await r.keys('hero:*')).sort()).toEqual(before);
    // a duplicate id is a conflict and leaves the first job alone
    const id = await c.createJob({ id: 'fixed-id', runner: 'cmd', payload: 'first' });
    await expect(c.createJob({ id, runner: 'cmd', payload: 'second' })).rejects.toMatchObject({ code: 'HERO_CONFLICT' });
    expect((await c.listJobs())[0]).toMatchObject({ id, payload: 'first' });
  });

  it('runs SDK runners with a handler and concurrency', async () => {
    const dir = await tempDir();
    const redis = await backend.start(dir);
    const sv = await startSupervisor(redis.url);
    const c = sv.client(USER);
    await sv.client(REGISTER).registerRunner('sdk');
    let peak = 0;
    let now = 0;
    const runner = createRunner({
      name: 'sdk',
      redis: redis.url,
      concurrency: 4,
      handler: async (job) => {
        now++;
        peak = Math.max(peak, now);
        await new Promise((r) => setTimeout(r, 100));
        now--;
        if (job.payload === 'fail') throw new Error('handler failed');
        return { echoed: job.payload };
      },
    });
    await runner.ready;
    try {
      const ids = await Promise.all(Array.from({ length: 12 }, (_, i) => c.createJob({ runner: 'sdk', payload: `p${i}` }, { start: true })));
      const results = await Promise.all(ids.map((id) => c.jobResult(id, 30)));
      expect(results).toEqual(ids.map((_, i) => ({ success: JSON.stringify({ echoed: `p${i}` }) })));
      expect(peak).toBeGreaterThan(1);
      expect(peak).toBeLessThanOrEqual(4);
      expect(await c.runJob({ runner: 'sdk', payload: 'fail' })).toEqual({ error: 'handler failed' });
      const st = await c.getRunnerStatus('sdk');
      expect(st).toMatchObject({ name: 'sdk', manager: 'external', instances: 1, queued: 0, processing: 0 });
    } finally {
      await runner.close();
    }
    expect((await c.getRunnerStatus('sdk')).instances).toBe(0);
  });

  it('works the same without Lua scripts (plain commands)', async () => {
    const dir = await tempDir();
    const redis = await backend.start(dir);
    const sv = await startSupervisor(redis.url);
    const c = sv.client(USER);
    await sv.client(REGISTER).registerRunner('plain');
    const runner = createRunner({
      name: 'plain',
      redis: redis.url,
      concurrency: 3,
      scripts: false,
      handler: async (job, { signal }) => {
        if (job.payload === 'hang') await new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
        if (job.payload === 'fail') throw new Error('nope');
        return job.payload.toUpperCase();
      },
    });
    await runner.ready;
    try {
      const ids = await c.createJobs(Array.from({ length: 20 }, (_, i) => ({ runner: 'plain', payload: `j${i}` })), { start: true });
      expect(await Promise.all(ids.map((id) => c.jobResult(id, 30)))).toEqual(ids.map((_, i) => ({ success: `J${i}` })));
      expect(await c.runJob({ runner: 'plain', payload: 'fail' })).toEqual({ error: 'nope' });
      const hang = await c.createJob({ runner: 'plain', payload: 'hang' }, { start: true });
      await until(async () => (await c.jobStatus(hang)).status === 'started', 20_000, 'started');
      await c.stopJob(hang);
      expect(await c.jobResult(hang, 20)).toEqual({ error: 'stopped' });
      await expect(c.createJobs([{ runner: 'plain', payload: 'ok' }, { runner: 'ghost', payload: 'x' }])).rejects.toMatchObject({ code: 'HERO_NOT_FOUND' });
    } finally {
      await runner.close();
    }
  });

  it('stops and times out jobs whose handler never looks at its signal', async () => {
    const dir = await tempDir();
    const redis = await backend.start(dir);
    const sv = await startSupervisor(redis.url);
    const c = sv.client(USER);
    await sv.client(REGISTER).registerRunner('deaf');
    const runner = createRunner({ name: 'deaf', redis: redis.url, concurrency: 2, handler: () => new Promise(() => {}) });
    await runner.ready;
    try {
      const slow = await c.createJob({ runner: 'deaf', payload: 'x', timeout: 1 }, { start: true });
      const stuck = await c.createJob({ runner: 'deaf', payload: 'y' }, { start: true });
      await until(async () => (await c.jobStatus(stuck)).status === 'started', 20_000, 'started');
      await c.stopJob(stuck);
      expect(await c.jobResult(stuck, 20)).toEqual({ error: 'stopped' });
      expect(await c.jobResult(slow, 20)).toEqual({ error: 'timed out after 1 s' });
      await until(() => runner.active === 0, 20_000, 'runner idle');
    } finally {
      await runner.close();
    }
  });

  it('routes job.stop to the instance running the job; job.delete of a running job leaves nothing', async () => {
    const dir = await tempDir();
    const redis = await backend.start(dir);
    const sv = await startSupervisor(redis.url);
    const c = sv.client(USER);
    await sv.client(REGISTER).registerRunner('multi');
    const handler = async (_job: unknown, { signal }: { signal: AbortSignal }) =>
      new Promise<string>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    const a = createRunner({ name: 'multi', redis: redis.url, concurrency: 1, heartbeatMs: 200, drainMs: 200, handler });
    const b = createRunner({ name: 'multi', redis: redis.url, concurrency: 1, heartbeatMs: 200, drainMs: 200, handler });
    await Promise.all([a.ready, b.ready]);
    try {
      const [j1, j2] = await c.createJobs([{ runner: 'multi', payload: '1' }, { runner: 'multi', payload: '2' }], { start: true });
      await until(async () => a.active === 1 && b.active === 1, 20_000, 'both instances busy');
      // stop each job several times over so both instances see requests for the other's job
      await c.stopJob(j1!);
      await until(async () => (await c.jobStatus(j1!)).status === 'stopped', 20_000, 'first job stopped');
      expect((await c.jobStatus(j2!)).status).toBe('started');
      await c.stopJob(j2!);
      await until(async () => (await c.jobStatus(j2!)).status === 'stopped', 20_000, 'second job stopped');
      // delete while running
      const j3 = await c.createJob({ runner: 'multi', payload: '3' }, { start: true });
      await until(async () => (await c.jobStatus(j3)).status === 'started', 20_000, 'third job started');
      await c.deleteJob(j3);
      await until(async () => a.active + b.active === 0, 20_000, 'runners idle');
      const r = inspect(redis.url);
      expect(await r.exists(`hero:job:${j3}`, `hero:reply:${j3}`)).toBe(0);
      expect(await r.zscore('hero:jobs', j3)).toBeNull();
      // a running job whose hash vanished without any stop request is aborted by the heartbeat
      const j4 = await c.createJob({ runner: 'multi', payload: '4' }, { start: true });
      await until(async () => (await c.jobStatus(j4)).status === 'started', 20_000, 'fourth job started');
      await r.del(`hero:job:${j4}`);
      await until(async () => a.active + b.active === 0, 20_000, 'runners idle after the hash vanished');
      expect(await r.exists(`hero:job:${j4}`)).toBe(0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
