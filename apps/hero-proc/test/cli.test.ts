import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(appDir, 'src', 'cli.ts');
const nodeArgs = ['--import', 'tsx', '--conditions=@hero/source', cli];

interface Dirs {
  base: string;
  sock: string;
  data: string;
  cfg: string;
}

async function dirs(): Promise<Dirs> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'hero-proc-cli-'));
  onTestFinished(() => fs.rm(base, { recursive: true, force: true }));
  const d = { base, sock: path.join(base, 'sock'), data: path.join(base, 'data'), cfg: path.join(base, 'cfg') };
  await fs.mkdir(d.cfg, { recursive: true });
  return d;
}

function env(d: Dirs) {
  return { ...process.env, HERO_SOCKET_DIR: d.sock, NO_COLOR: '1' };
}

/** Runs one CLI command to completion. */
function hp(d: Dirs, args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...nodeArgs, ...args], { cwd: appDir, env: env(d) });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c) => (stdout += c));
    p.stderr.on('data', (c) => (stderr += c));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(input ?? '');
  });
}

async function waitSocket(file: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(file);
      s.once('connect', () => (s.destroy(), r(true)));
      s.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`no socket at ${file}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts `hero-proc serve` in the background. */
async function serve(d: Dirs, extra: string[] = []): Promise<ChildProcess> {
  const p = spawn(process.execPath, [...nodeArgs, 'serve', '--data-dir', d.data, '--config-dir', d.cfg, '--log-level', 'warn', ...extra], {
    cwd: appDir,
    env: env(d),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  p.stdout!.on('data', (c) => (out += c));
  p.stderr!.on('data', (c) => (out += c));
  onTestFinished(async () => {
    if (p.exitCode === null && p.signalCode === null) {
      // a graceful stop, so the services it started go with it
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
    }
  });
  const exited = new Promise((r) => p.once('exit', r));
  await Promise.race([waitSocket(path.join(d.sock, 'hero_proc', 'rpc.sock')), exited.then(() => Promise.reject(new Error(`serve exited: ${out}`)))]);
  return p;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

async function until<T>(fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}


describe('hero-proc CLI', () => {
  it('serves, lists, starts/stops, shows logs, runs jobs and keeps secrets', { timeout: 120_000 }, async () => {
    const d = await dirs();
    await fs.writeFile(path.join(d.cfg, 'ticker.toml'), 'exec = "while true; do echo tick; sleep 0.2; done"\n');
    const server = await serve(d);

    const list = await until(async () => {
      const r = await hp(d, ['list']);
      return r.stdout.includes('running') ? r : undefined;
    });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^NAME\s+STATE\s+PID\s+CPU\s+MEM/m);
    expect(list.stdout).toMatch(/ticker\s+running\s+\d+/);

    const status = await hp(d, ['status', 'ticker', '--json']);
    expect(status.code).toBe(0);
    const st = JSON.parse(status.stdout) as { state: string; pid: number; rss_bytes: number };
    expect(st.state).toBe('running');
    expect(st.rss_bytes).toBeGreaterThan(0);

    const logs = await hp(d, ['logs', 'ticker', '-n', '2']);
    expect(logs.stdout.trim().split('\n')).toHaveLength(2);
    expect(logs.stdout).toMatch(/OUT tick/);

    // logs -f prints new lines until interrupted
    const f = spawn(process.execPath, [...nodeArgs, 'logs', 'ticker', '-f', '-n', '1'], { cwd: appDir, env: env(d) });
    let fout = '';
    f.stdout.on('data', (c) => (fout += c));
    await until(async () => (fout.split('\n').filter((l) => l.includes('tick')).length >= 3 ? true : undefined));
    f.kill('SIGINT');
    expect(await new Promise((r) => f.once('exit', r))).toBe(0);

    const stop = await hp(d, ['stop', 'ticker']);
    expect(stop.stdout.trim()).toBe('ticker: inactive');
    expect(alive(st.pid)).toBe(false);
    const start = await hp(d, ['start', 'ticker']);
    expect(start.stdout).toMatch(/^ticker: running \(pid \d+\)/);

    const ok = await hp(d, ['job', 'run', '--exec', 'echo out; echo err >&2']);
    expect(ok).toMatchObject({ code: 0, stdout: 'out\n', stderr: 'err\n' });
    const bad = await hp(d, ['job', 'run', '--', 'sh', '-c', 'echo failing; exit 3']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('failing\n');
    expect(bad.stderr).toMatch(/failed: exit code 3/);
    const withStdin = await hp(d, ['job', 'run', '--stdin', '--', 'tr', 'a-z', 'A-Z'], 'shout\n');
    expect(withStdin.stdout).toBe('SHOUT\n');
    const jobs = await hp(d, ['job', 'list', '--json']);
    expect((JSON.parse(jobs.stdout) as unknown[]).length).toBe(3);

    expect((await hp(d, ['secret', 'set', 'token', '--context', 'ci'], 'from-stdin-value\n')).code).toBe(0);
    expect((await hp(d, ['secret', 'get', 'token', '--context', 'ci'])).stdout).toBe('from-stdin-value\n');
    const sl = await hp(d, ['secret', 'list']);
    expect(sl.stdout).toMatch(/ci\s+token/);
    expect(sl.stdout).not.toContain('from-stdin-value');

    const sched = await hp(d, ['schedule', 'set', 'nightly', '0 3 * * *', '--exec', 'true']);
    expect(sched.stdout).toMatch(/^nightly: next run \d{4}-/);
    const badCron = await hp(d, ['schedule', 'set', 'x', 'not a cron', '--exec', 'true']);
    expect(badCron.code).toBe(2);
    expect(badCron.stderr).toMatch(/^error: .*cron: invalid cron expression/);

    // SIGTERM: graceful stop, every child gone
    const pid = (JSON.parse((await hp(d, ['status', 'ticker', '--json'])).stdout) as { pid: number }).pid;
    server.kill('SIGTERM');
    expect(await new Promise((r) => server.once('exit', (code) => r(code)))).toBe(0);
    expect(alive(pid)).toBe(false);
  });

  it('cleans up after a killed hero_proc and restores services', { timeout: 120_000 }, async () => {
    const d = await dirs();
    await fs.writeFile(path.join(d.cfg, 'keeper.toml'), 'exec = "exec sleep 1000"\n');
    const s1 = await serve(d);
    const pid1 = await until(async () => {
      const r = JSON.parse((await hp(d, ['status', 'keeper', '--json'])).stdout) as { state: string; pid: number };
      return r.state === 'running' ? r.pid : undefined;
    });
    s1.kill('SIGKILL');
    await new Promise((r) => s1.once('exit', r));
    expect(alive(pid1)).toBe(true); // the orphan outlived its manager…
    await serve(d);
    const pid2 = await until(async () => {
      const r = JSON.parse((await hp(d, ['status', 'keeper', '--json'])).stdout) as { state: string; pid: number };
      return r.state === 'running' ? r.pid : undefined;
    });
    expect(pid2).not.toBe(pid1);
    expect(alive(pid1)).toBe(false); // …until the next hero_proc stopped it
  });

  it('exits 2 on usage and config errors and 1 when hero_proc is not running', { timeout: 60_000 }, async () => {
    const d = await dirs();
    expect((await hp(d, ['start'])).code).toBe(2);
    expect((await hp(d, ['logs', 'x', '-n', 'zero'])).code).toBe(2);
    await fs.writeFile(path.join(d.base, 'bad.toml'), 'log_keep = "many"\n');
    const badCfg = await hp(d, ['serve', '--config', path.join(d.base, 'bad.toml')]);
    expect(badCfg.code).toBe(2);
    expect(badCfg.stderr).toMatch(/log_keep/);
    const down = await hp(d, ['list']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^error: cannot reach/);
  });
});
