/**
 * The examples run as documented: the bundle configs of a master and a worker are valid, the
 * supervisor set-up (examples/supervisor/supervisor.toml with the mock runner) serves jobs to
 * the example client over its Unix socket and over HTTP, and the two-node demo prints every
 * cross-node step.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadToml, parseConfig } from '@hero/core';
import { configSchema, run } from '@hero/supervisor';
import { REPO_ROOT, TSX_NODE, startRedis } from '../src/index.js';

function exec(args: string[], env: NodeJS.ProcessEnv = process.env, cwd = REPO_ROOT): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(TSX_NODE[0]!, [...TSX_NODE.slice(1), ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  return new Promise((r) => child.once('exit', (code) => r({ code, out, err })));
}

async function tmp(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hero-examples-'));
  onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('examples', () => {
  it('the master and worker hero_bundle.toml files are valid bundle configs', async () => {
    const home = await tmp();
    for (const f of ['master', 'worker']) {
      const r = await exec(['apps/hero-bundle/src/main.ts', '--config', path.join(REPO_ROOT, `examples/bundle/${f}.toml`), '--info'], {
        ...process.env,
        HOME: home,
      });
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out).services).toHaveLength(7);
    }
  });

  it('the worker agent\'s example config is valid', async () => {
    const agent = (await import('../../../examples/worker/agent.js')) as { configSchema: Parameters<typeof parseConfig>[0] };
    const cfg = parseConfig(agent.configSchema, await loadToml(path.join(REPO_ROOT, 'examples/bundle/hero_worker.toml'))) as { node: string; runners: string[] };
    expect(cfg).toMatchObject({ node: 'b', runners: ['work'] });
    expect(() => parseConfig(agent.configSchema, { node: 'b', unknown_key: 1 })).toThrow(/unknown_key/);
  });

  it('the supervisor example serves the mock runner\'s jobs to the client example over socket and HTTP', async () => {
    const dir = await tmp();
    const redis = await startRedis(path.join(dir, 'redis'));
    onTestFinished(() => redis.stop());
    const written = await loadToml(path.join(REPO_ROOT, 'examples/supervisor/supervisor.toml'));
    const file = parseConfig(configSchema, written, 'supervisor.toml');
    // the same set-up on a private Redis, socket dir and port
    const config = parseConfig(configSchema, {
      ...written,
      redis_url: redis.url,
      socket_dir: path.join(dir, 'sockets'),
      tcp: '127.0.0.1:0',
      runners: file.runners.map((r) =>
        r.command === 'node' ? { ...r, command: process.execPath, args: r.args.map((a) => (a.startsWith('examples/') ? path.join(REPO_ROOT, a) : a)) } : r,
      ),
    });
    const ac = new AbortController();
    let tcp = '';
    let socket = '';
    const ready = new Promise<void>((resolve, reject) => {
      const done = run(config, ac.signal, {
        onReady: (info) => {
          socket = info.sockets.rpc!;
          tcp = Object.values(info.tcp ?? {})[0] ?? '';
          resolve();
        },
      });
      done.catch(reject);
      onTestFinished(async () => {
        ac.abort();
        await done;
      });
    });
    await ready;
    const env = { ...process.env, HERO_SUPERVISOR_SECRET: 'example-user-secret' };
    const viaSocket = await exec(['examples/clients/client.ts', 'socket', socket], env);
    expect(viaSocket.err).toBe('');
    expect(viaSocket.out).toMatch(/job result: \{"node":"example".*"echo":"hello over socket"/);
    expect(tcp).not.toBe('');
    const viaHttp = await exec(['examples/clients/client.ts', 'http', `http://${tcp}`], env);
    expect(viaHttp.err).toBe('');
    expect(viaHttp.out).toMatch(/"echo":"hello over http"/);
    // a wrong secret is refused
    const bad = await exec(['examples/clients/client.ts', 'socket', socket, '--secret', 'not-a-secret'], process.env);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/secret/i);
  }, 90_000);

  it('the two-node demo prints every cross-node step', async () => {
    // as examples/README.md runs it: from examples/, `tsx --conditions=@hero/source two-node-demo.ts`
    const r = await exec(['two-node-demo.ts'], process.env, path.join(REPO_ROOT, 'examples'));
    expect(r.code, r.out + r.err).toBe(0);
    const steps = r.out.split(/\n(?=\[\d\] )/);
    expect(steps.map((s) => /^\[(\d)\]/.exec(s)?.[1]).filter(Boolean)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    const [, jobOnB, router, heartbeat, bus, gateway, killed, rejoined] = steps as [string, ...string[]];
    expect(jobOnB).toMatch(/result: \{"node":"b".*"echo":"hello from a"/);
    expect(router).toMatch(/with a's token → 200 .*"caller_context":"master"/);
    expect(router).toMatch(/without a token → 401/);
    expect(heartbeat).toMatch(/hero_master on a knows b: context "b", \d+ heartbeats, alive/);
    expect(bus).toMatch(/relay: message a → b \(topic demo\.echo/);
    expect(bus).toMatch(/relay: reply b → a/);
    expect(bus).toMatch(/reply on a: b got "ping from a"/);
    expect(bus).toMatch(/relay: message a → b \(topic supervisor\.rpc[\s\S]*over the bus → \{"node":"b"/);
    expect(gateway).toMatch(/stopped \(SIGSTOP\) → 504 /);
    expect(gateway).toMatch(/killed → 502 /);
    expect(gateway).toMatch(/restarted → 200 /);
    expect(killed).toMatch(/fails at once \(ECONNREFUSED\)/);
    expect(rejoined).toMatch(/finished after 2 attempts → \{"node":"b".*"echo":"survives"/);
    expect(rejoined).toMatch(/a → b's router again .* → 200 /);
    expect(r.out.trimEnd().endsWith('done')).toBe(true);
  }, 240_000);
});
