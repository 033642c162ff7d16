import { describe, expect, it, onTestFinished } from 'vitest';
import { HeroError, createRpcHandler } from '@hero/core';
import { configSchema } from '../src/config.js';
import { JobStore } from '../src/job-store.js';
import { keys } from '../src/keys.js';
import { supervisorMethods } from '../src/methods.js';
import type { RunnerRegistry } from '../src/registry.js';
import { Secrets } from '../src/secrets.js';
import { Waiters } from '../src/waiters.js';
import { USER, inspect, redisServerBackend, serveOnBus, startBus, tempDir } from './helpers.js';

describe('job.run over the bus', () => {
  it('answers HERO_TIMEOUT with the job id when the call cap cuts the wait, and the job keeps going', async () => {
    const dir = await tempDir();
    const redis = await redisServerBackend.start(dir);
    const busSock = await startBus(dir);
    const k = keys('hero');
    const config = configSchema.parse({ socket_dir: dir, redis_url: redis.url, user_secrets: [USER] });
    const store = new JobStore(inspect(redis.url), k, 60);
    const secrets = new Secrets({ admin: [], user: [USER], register: [] }, store.redis, k);
    const waiters = new Waiters(inspect(redis.url), store, k.doneChannel);
    await waiters.start();
    onTestFinished(() => waiters.stop());
    // every runner exists; none takes jobs, so job.run waits past the cap
    const registry = { exists: async () => true, isBuiltin: () => false } as unknown as RunnerRegistry;
    const rpc = createRpcHandler({
      info: { name: 'hero_supervisor', title: 'test', version: '0', description: 'test' },
      methods: supervisorMethods({ config, store, k, secrets, registry, waiters, info: () => ({}) as never }),
    });
    const { ask: call } = await serveOnBus(busSock, rpc, { maxCallMs: 800 });
    const ask = async (id: number, method: string, params: unknown) => (await call(id, method, params)).body;

    const t0 = Date.now();
    const run = await ask(1, 'job.run', { secret: USER, job: { id: 'long1', runner: 'ext', payload: 'x', timeout: 30 } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(700);
    // an error, never a job-shaped {error} the caller would read as a failed job
    expect(run).not.toHaveProperty('result');
    expect(run).toMatchObject({ id: 1, error: { code: -32000, data: { code: 'HERO_TIMEOUT', job_id: 'long1' } } });
    expect((run.error as { message: string }).message).toMatch(/still running.*job\.result/);

    // the job was not ended: still queued, and job.result says so
    const r = inspect(redis.url);
    expect(await r.lrange('hero:work_queue:ext', 0, -1)).toEqual(['long1']);
    expect(await ask(2, 'job.result', { secret: USER, job_id: 'long1' })).toMatchObject({ id: 2, result: { pending: 'dispatched' } });

    // a supervisor stopping under a waiting bus call answers the same way, as HERO_UNAVAILABLE
    const stopping = new AbortController();
    setTimeout(() => stopping.abort(new HeroError('HERO_UNAVAILABLE', 'the supervisor is stopping')), 200);
    const cut = await rpc.dispatch(
      { jsonrpc: '2.0', id: 3, method: 'job.run', params: { secret: USER, job: { id: 'long2', runner: 'ext', payload: 'x', timeout: 30 } } },
      { transport: 'internal', signal: stopping.signal },
    );
    expect(cut).not.toHaveProperty('result');
    expect(cut).toMatchObject({ id: 3, error: { data: { code: 'HERO_UNAVAILABLE', job_id: 'long2' } } });
  });
});
