import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { serveRpc } from '@hero/core';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.resolve(here, '../src/cli.ts');
const node = [process.execPath, '--import', 'tsx', '--conditions=@hero/source', cli];

/** The CLI's environment: no socket-dir flag anywhere, only HERO_SOCKET_DIR. */
function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  if (!('HERO_SOCKET_DIR' in extra)) delete env.HERO_SOCKET_DIR;
  return env;
}

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(node[0]!, [...node.slice(1), ...args], { env: cliEnv(env), timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function waitSocket(file: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(file);
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${file} never answered`);
}

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hero-router-cli-'));
  onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('hero-router CLI', () => {
  it('serve and the client commands find the socket dir through HERO_SOCKET_DIR; SIGTERM stops it', async () => {
    const dir = await tempDir();
    const socketDir = path.join(dir, 'sockets');
    const env = { HOME: dir, HERO_SOCKET_DIR: socketDir };
    // a service beside the router, in the same socket dir
    const svc = await serveRpc({
      info: { name: 'hero_demo', title: 'Demo', version: '1.0.0', description: 'a service for the router to find' },
      socket: { path: path.join(socketDir, 'hero_demo', 'rpc.sock'), service: 'hero_demo' },
      methods: {},
    });
    onTestFinished(() => svc.close());

    const child = spawn(node[0]!, [...node.slice(1), 'serve', '--listen', '127.0.0.1:0', '--log-level', 'warn'], {
      env: cliEnv(env),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const sock = path.join(socketDir, 'hero_router', 'rpc.sock');
    await waitSocket(sock);

    const scan = await runCli(['scan', '--json'], env);
    expect(scan.code, scan.stderr).toBe(0);
    const list = await runCli(['list', '--json'], env);
    expect(list.code, list.stderr).toBe(0);
    const services = JSON.parse(list.stdout) as { name: string; sockets: { name: string; status: string }[] }[];
    expect(services.map((s) => s.name).sort()).toEqual(['hero_demo', 'hero_router']);
    expect(services.find((s) => s.name === 'hero_demo')!.sockets).toEqual([expect.objectContaining({ name: 'rpc', status: 'healthy' })]);
    const table = await runCli(['list'], env);
    expect(table.stdout).toMatch(/^SERVICE\s+SOCKET\s+STATUS/);
    expect(table.stdout).toMatch(/hero_demo\s+rpc\s+healthy/);
    const spec = await runCli(['spec', 'hero_demo', '--json'], env);
    expect(JSON.parse(spec.stdout)).toMatchObject({ openrpc: expect.stringMatching(/^1\.3\./), info: { title: 'Demo', version: '1.0.0' } });
    const health = await runCli(['health', '--json'], env);
    expect(JSON.parse(health.stdout)).toMatchObject({ status: 'ok' });

    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fs.access(sock)).rejects.toThrow();
    expect(stderr).toBe('');
  }, 120_000);

  it('a bad config exits 2 with one line; no router to reach exits 1', async () => {
    const dir = await tempDir();
    const socketDir = path.join(dir, 'sockets');
    const cfg = path.join(dir, 'router.toml');
    await fs.writeFile(cfg, 'listen = "127.0.0.1:0"\nbogus = 1\n');
    const bad = await runCli(['serve', '--config', cfg], { HOME: dir, HERO_SOCKET_DIR: socketDir });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/unknown key\(s\) "bogus"/);
    await expect(fs.access(path.join(socketDir, 'hero_router'))).rejects.toThrow();
    const open = await runCli(['serve', '--listen', '0.0.0.0:0'], { HOME: dir, HERO_SOCKET_DIR: socketDir });
    expect(open.code).toBe(2);
    const down = await runCli(['list'], { HOME: dir, HERO_SOCKET_DIR: socketDir });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(new RegExp(`cannot reach ${socketDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/hero_router/rpc\\.sock`));
  }, 120_000);
});
