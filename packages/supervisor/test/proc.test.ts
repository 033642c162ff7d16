import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { USER, redisServerBackend, startSupervisor, tempDir, until } from './helpers.js';

async function startProc(dir: string): Promise<string | undefined> {
  let mod: { run?: (c: unknown, s: AbortSignal, ctx: { env?: NodeJS.ProcessEnv; onReady?: (i: { sockets: Record<string, string> }) => void }) => Promise<void>; configSchema?: { parse(x: unknown): unknown } };
  try {
    const name = '@hero/proc';
    mod = (await import(name)) as typeof mod;
  } catch {
    return undefined;
  }
  if (!mod.run || !mod.configSchema) return undefined;
  const ac = new AbortController();
  let done!: Promise<void>;
  const sock = await new Promise<string>((resolve, reject) => {
    done = mod.run!(
      mod.configSchema!.parse({ socket_dir: path.join(dir, 'ps'), data_dir: path.join(dir, 'pd'), config_dir: path.join(dir, 'pc') }),
      ac.signal,
      { env: process.env, onReady: (i) => resolve(i.sockets.rpc!) },
    );
    done.catch(reject);
  });
  onTestFinished(async () => {
    ac.abort();
    await done;
  });
  return sock;
}

describe('process_manager = "proc"', () => {
  it('runs a runner as a hero_proc service', async (ctx) => {
    const dir = await tempDir();
    const procSock = await startProc(dir);
    if (!procSock) return ctx.skip();
    const redis = await redisServerBackend.start(dir);
    const sv = await startSupervisor(redis.url, {
      proc_socket: procSock,
      runners: [{ name: 'pcmd', process_manager: 'proc', concurrency: 2, env: { HERO_RUNNER_HEARTBEAT_MS: '200' } }],
    });
    const admin = sv.client();
    const c = sv.client(USER);
    await until(async () => (await c.getRunnerStatus('pcmd')).instances === 1, 60_000, 'proc runner up');
    const st = await admin.getRunnerStatus('pcmd');
    expect(st).toMatchObject({ manager: 'proc', state: 'running' });
    // the service definition holds the runner's own variables only: the program's environment
    // (which hero_proc's children inherit anyway) is never written into hero_proc's files
    const { ProcClient } = await import('@hero/proc/client');
    const proc = new ProcClient(procSock);
    onTestFinished(() => proc.close());
    const { spec } = await proc.serviceGet('supervisor-pcmd');
    expect(Object.keys(spec.env as Record<string, string>).sort()).toEqual(['HERO_NAMESPACE', 'HERO_RUNNER_CONCURRENCY', 'HERO_RUNNER_HEARTBEAT_MS', 'HERO_RUNNER_NAME']);
    // the Redis URL (it may carry a password) lives in hero_proc's secret store
    expect(spec.env_from_secrets).toEqual({ HERO_REDIS_URL: 'hero_supervisor/supervisor-pcmd.redis_url' });
    expect(await proc.secretGet('supervisor-pcmd.redis_url', 'hero_supervisor')).toBe(`unix://${redis.url}`);
    expect(await c.runJob({ runner: 'pcmd', payload: 'echo via proc', timeout: 30 })).toEqual({ success: 'via proc\n' });
    await admin.stopRunner('pcmd');
    expect((await admin.getRunnerStatus('pcmd')).state).not.toBe('running');
    await until(async () => (await c.getRunnerStatus('pcmd')).instances === 0, 30_000, 'proc runner down');
  });
});
