import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.resolve(here, '../src/cli.ts');
const node = [process.execPath, '--import', 'tsx', '--conditions=@hero/source', cli];

function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(node[0]!, [...node.slice(1), ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
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
  throw new Error('not started');
}

describe('hero-db CLI', () => {
  it('serve with flags and a config file; info/list/save/stats over rpc.sock; SIGTERM stops it', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hero-db-cli-'));
    onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
    const conf = path.join(dir, 'db.toml');
    await fs.writeFile(conf, `data_dir = "${dir}/data"\ndatabases = 4\ntcp = ""\nsave = ""\n`);
    const child = spawn(node[0]!, [...node.slice(1), 'serve', '--config', conf, '--socket-dir', `${dir}/sock`, '--appendfsync', 'always', '--log-level', 'warn'], { stdio: 'ignore' });
    onTestFinished(() => {
      child.kill('SIGKILL');
    });
    const resp = `${dir}/sock/hero_db/resp.sock`;
    await waitSocket(resp);
    const c = net.connect(resp);
    await new Promise((r) => c.once('connect', r));
    c.write('SET k v\r\nSELECT 3\r\nSELECT 4\r\n');
    const reply = await new Promise<string>((resolve) => {
      let buf = '';
      c.on('data', (d) => {
        buf += d;
        if (buf.split('\r\n').length > 3) resolve(buf);
      });
    });
    expect(reply).toBe('+OK\r\n+OK\r\n-ERR DB index is out of range\r\n');
    c.destroy();

    const info = await runCli(['info', '--json'], { HERO_SOCKET_DIR: `${dir}/sock` });
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ databases: 4, keys: 1, appendfsync: 'always', tcp: null });
    const human = await runCli(['info', '--socket-dir', `${dir}/sock`]);
    expect(human.stdout).toMatch(/KEY\s+VALUE/);
    const list = await runCli(['list', '--socket-dir', `${dir}/sock`]);
    expect(list.stdout).toMatch(/DB\s+KEYS\s+EXPIRES\n0\s+1\s+0/);
    const save = await runCli(['save', '--json', '--socket-dir', `${dir}/sock`]);
    expect(JSON.parse(save.stdout).saved).toBe(true);
    const stats = await runCli(['stats', '--socket-dir', `${dir}/sock`]);
    expect(stats.stdout).toContain('total_commands');

    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fs.access(resp)).rejects.toThrow();
  });

  it('usage and config errors exit 2 with one line; an unreachable server exits 1', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hero-db-cli-'));
    onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
    const bad = await runCli(['serve', '--appendfsync', 'sometimes']);
    expect(bad.code).toBe(2);
    await fs.writeFile(`${dir}/bad.toml`, 'nosuchkey = 1\n');
    const conf = await runCli(['serve', '--config', `${dir}/bad.toml`, '--socket-dir', `${dir}/s`]);
    expect(conf.code).toBe(2);
    expect(conf.stderr).toMatch(/nosuchkey/);
    expect(conf.stderr.trim().split('\n')).toHaveLength(1);
    const open = await runCli(['serve', '--tcp', '0.0.0.0:0', '--socket-dir', `${dir}/s`, '--data-dir', `${dir}/d`]);
    expect(open.code).toBe(2);
    expect(open.stderr).toMatch(/requirepass/);
    const down = await runCli(['info', '--socket-dir', `${dir}/nothing`]);
    expect(down.code).toBe(1);
  });
});
