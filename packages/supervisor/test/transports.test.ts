import { describe, expect, it } from 'vitest';
import { configSchema, run, SupervisorClient } from '../src/index.js';
import { ADMIN, USER, redisServerBackend, startSupervisor, tempDir } from './helpers.js';

describe('transports and open mode', () => {
  it('serves HTTP on loopback TCP for the fetch client', async () => {
    const dir = await tempDir();
    const redis = await redisServerBackend.start(dir);
    const sv = await startSupervisor(redis.url);
    const c = sv.client(ADMIN);
    await c.registerRunner('cmd');
    // a second supervisor on the same Redis (the scale-out path) with a TCP listener
    const dir2 = await tempDir();
    const ac = new AbortController();
    let tcp = '';
    const done = run(
      configSchema.parse({ socket_dir: dir2, redis_url: redis.url, user_secrets: [USER], tcp: '127.0.0.1:0' }),
      ac.signal,
      { onReady: (i) => (tcp = i.tcp!.rpc!) },
    );
    try {
      await new Promise<void>((r, j) => {
        const t = setInterval(() => tcp && (clearInterval(t), r()), 20);
        done.catch(j);
      });
      const http = new SupervisorClient(`http://${tcp}`, { secret: USER });
      expect(await http.listRunners()).toEqual(['cmd']);
      const id = await http.createJob({ runner: 'cmd', payload: 'true' });
      expect((await http.jobStatus(id)).status).toBe('created');
      // TCP callers always need a secret, even from loopback
      const anon = new SupervisorClient(`http://${tcp}`);
      await expect(anon.listRunners()).rejects.toMatchObject({ code: 'HERO_AUTH' });
      const gone = new SupervisorClient('http://127.0.0.1:1');
      await expect(gone.listRunners()).rejects.toMatchObject({ code: 'HERO_UNAVAILABLE' });
    } finally {
      ac.abort();
      await done;
    }
  });

  it('refuses non-loopback TCP without secrets and an unreachable Redis at start', async () => {
    const dir = await tempDir();
    const ac = new AbortController();
    await expect(run(configSchema.parse({ socket_dir: dir, redis_url: '/nowhere/redis.sock', tcp: '0.0.0.0:0' }), ac.signal)).rejects.toMatchObject({
      code: 'HERO_CONFIG',
    });
    await expect(run(configSchema.parse({ socket_dir: dir, redis_url: `${dir}/none.sock`, connect_timeout_ms: 300 }), ac.signal)).rejects.toMatchObject({
      code: 'HERO_UNAVAILABLE',
    });
    expect(() => configSchema.parse({ runners: [{ name: 'x', bogus: 1 }] })).toThrow();
  });

  it('with no secrets configured, local socket callers need none', async () => {
    const dir = await tempDir();
    const redis = await redisServerBackend.start(dir);
    const sv = await startSupervisor(redis.url, { admin_secrets: [], user_secrets: [], register_secrets: [] });
    const c = new SupervisorClient(sv.socket);
    try {
      expect((await c.getSupervisorInfo()).open).toBe(true);
      await c.registerRunner('cmd');
      expect(await c.listRunners()).toEqual(['cmd']);
      // once an admin secret exists, the socket needs secrets too
      await c.addSecret('admin', 'fresh-admin-0001');
      await expect(c.listRunners()).rejects.toMatchObject({ code: 'HERO_AUTH' });
      const a = new SupervisorClient(sv.socket, { secret: 'fresh-admin-0001' });
      expect(await a.listRunners()).toEqual(['cmd']);
      await a.close();
    } finally {
      await c.close();
    }
  });
});
