import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/cli.ts');

function hero(args: string[], env: Record<string, string> = {}, input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@hero/source', cli, ...args], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.stdin.end(input ?? '');
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function serve(): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hero-myc-cli-'));
  const env = { HERO_SOCKET_DIR: path.join(dir, 's') };
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@hero/source', cli, 'serve', '--data-dir', path.join(dir, 'd'), '--log-level', 'warn'], {
    env: { ...process.env, ...env },
    stdio: 'ignore',
  });
  onTestFinished(async () => {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    await fs.rm(dir, { recursive: true, force: true });
  });
  const sock = path.join(dir, 's', 'mycelium', 'rpc.sock');
  const deadline = Date.now() + 30_000;
  while (!(await fs.stat(sock).then(() => true, () => false))) {
    if (Date.now() > deadline) throw new Error('serve did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { dir, env };
}

describe('hero-mycelium CLI', () => {
  it('info, send and receive through rpc.sock', async () => {
    const { env } = await serve();
    const info = await hero(['info', '--json'], env);
    expect(info.stderr).toBe('');
    expect(info.code).toBe(0);
    const node = JSON.parse(info.stdout) as { nodePubkey: string; nodeIp: string };
    expect(node.nodePubkey).toMatch(/^[0-9a-f]{64}$/);
    const human = await hero(['info'], env);
    expect(human.stdout).toContain(node.nodeIp);

    const sent = await hero(['send', node.nodePubkey, 'hello bus', '--topic', 'cli.test'], env);
    expect(sent.code).toBe(0);
    expect(sent.stdout.trim()).toMatch(/^[0-9a-f]{16}$/);
    const got = await hero(['receive', '--topic', 'cli.', '--timeout', '5', '--json'], env);
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout)).toMatchObject({ id: sent.stdout.trim(), topic: 'cli.test', payload: 'hello bus' });

    const fromStdin = await hero(['send', node.nodeIp, '--file', '-'], env, 'piped');
    expect(fromStdin.code).toBe(0);
    const raw = await hero(['receive', '--raw', '--timeout', '5'], env);
    expect(raw.stdout).toBe('piped');

    const none = await hero(['receive', '--timeout', '0'], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no message');
  }, 120_000);

  it('exits 2 on usage and config errors, 1 on runtime errors', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hero-myc-cli-'));
    onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
    expect((await hero(['receive', '--timeout', '-3'])).code).toBe(2);
    expect((await hero(['bogus-command'])).code).toBe(2);
    await fs.writeFile(path.join(dir, 'bad.toml'), 'rpc_tcp = "0.0.0.0:8990"\n');
    const bad = await hero(['serve', '--config', path.join(dir, 'bad.toml')], { HERO_SOCKET_DIR: path.join(dir, 's') });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/rpc_tcp/);
    const down = await hero(['info'], { HERO_SOCKET_DIR: path.join(dir, 'nothing') });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^error: /);
  }, 120_000);
});
