import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';

const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(app, 'dist', 'cli.js');
const runnerBin = path.join(app, 'dist', 'runner.js');

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hsvc-'));
  onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

async function until(fn: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const live = (file: string) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(file);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

function hero(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function stopOnFinish(child: ChildProcess) {
  onTestFinished(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  });
}

describe('hero-supervisor CLI', () => {
  it('serves, runs jobs through the built-in runner and prints tables and JSON', async () => {
    const dir = await tempDir();
    const redisSock = path.join(dir, 'redis.sock');
    const redis = spawn('redis-server', ['--port', '0', '--unixsocket', redisSock, '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    stopOnFinish(redis);
    await until(() => live(redisSock));
    const sockets = path.join(dir, 's');
    const cfg = path.join(dir, 'supervisor.toml');
    await fs.writeFile(cfg, `redis_url = "${redisSock}"\n\n[[runners]]\nname = "cmd"\nconcurrency = 2\n`);
    const serve = spawn(process.execPath, [cli, 'serve', '--config', cfg, '--socket-dir', sockets, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    stopOnFinish(serve);
    let out = '';
    serve.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    serve.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    const sock = path.join(sockets, 'hero_supervisor', 'rpc.sock');
    await until(() => live(sock));
    const flags = ['--socket-dir', sockets];

    const ok = hero(['run', 'cmd', 'echo "hi $WHO"', '--env', 'WHO=there', ...flags]);
    expect(ok).toMatchObject({ code: 0, stdout: 'hi there\n' });
    const bad = hero(['run', 'cmd', 'echo nope >&2; exit 4', ...flags]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('error: nope\n');
    const py = hero(['run', 'cmd', 'print(1+1)', '--executor', 'python3', '--json', ...flags]);
    expect(JSON.parse(py.stdout)).toEqual({ success: '2\n' });

    const detached = hero(['run', 'cmd', 'echo later', '--detach', '--json', ...flags]);
    const { job_id } = JSON.parse(detached.stdout) as { job_id: string };
    expect(hero(['result', job_id, '--wait', '30', ...flags])).toMatchObject({ code: 0, stdout: 'later\n' });
    const st = hero(['status', job_id, '--json', ...flags]);
    expect(JSON.parse(st.stdout)).toMatchObject({ job_id, status: 'finished', runner: 'cmd' });
    expect(hero(['status', job_id, ...flags]).stdout).toMatch(/JOB_ID\s+STATUS/);

    const jobs = JSON.parse(hero(['jobs', '--json', ...flags]).stdout) as { id: string }[];
    expect(jobs.length).toBe(4);
    expect(hero(['jobs', '--runner', 'cmd', ...flags]).stdout).toMatch(/^ID\s+RUNNER\s+STATUS/);
    const runners = hero(['runners', ...flags]);
    expect(runners.stdout).toMatch(/cmd\s+simple\s+running/);

    // errors: runtime → 1, usage → 2, one line each
    const ghost = hero(['run', 'ghost', 'true', ...flags]);
    expect(ghost).toMatchObject({ code: 1, stderr: 'error: unknown runner ghost\n' });
    expect(hero(['status', 'missing', ...flags])).toMatchObject({ code: 1, stderr: 'error: no job missing\n' });
    expect(hero(['jobs', '--limit', '0', ...flags]).code).toBe(2);
    expect(hero(['frobnicate', ...flags]).code).toBe(2);
    expect(hero(['runners', '--socket-dir', path.join(dir, 'nowhere')])).toMatchObject({ code: 1 });

    const exited = new Promise<number | null>((r) => serve.once('exit', (c) => r(c)));
    serve.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fs.stat(sock)).rejects.toThrow();
    expect(out).not.toContain('error');
  });

  it('refuses a bad config with exit 2', async () => {
    const dir = await tempDir();
    const cfg = path.join(dir, 'bad.toml');
    await fs.writeFile(cfg, 'namespace = "hero"\nbogus = 1\n');
    const r = hero(['serve', '--config', cfg, '--socket-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: invalid config .*bogus/);
    const r2 = spawnSync(process.execPath, [cli, 'serve', '--socket-dir', dir, '--redis-url', 'ftp://x'], { encoding: 'utf8' });
    expect(r2.status).toBe(2);
    const r3 = spawnSync(process.execPath, [cli, 'serve', '--socket-dir', dir, '--redis-url', path.join(dir, 'none.sock')], { encoding: 'utf8' });
    expect(r3.status).toBe(1);
    expect(r3.stderr).toMatch(/cannot reach redis/);
  });

  it('hero-runner checks its flags', () => {
    const help = spawnSync(process.execPath, [runnerBin, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--concurrency/);
    const env = { ...process.env };
    delete env.HERO_RUNNER_NAME;
    const noName = spawnSync(process.execPath, [runnerBin], { encoding: 'utf8', env });
    expect(noName.status).toBe(2);
    const noRedis = spawnSync(process.execPath, [runnerBin, '--name', 'x', '--redis-url', '/nonexistent/redis.sock'], { encoding: 'utf8', env, timeout: 60_000 });
    expect(noRedis.status).toBe(1);
  });
});
