import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { json, tempDir, upstream, waitFor } from './helpers.js';

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../apps/hero-router');
const cliArgs = ['--import', 'tsx', '--conditions=@hero/source', path.join(appDir, 'src/cli.ts')];

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...cliArgs, ...args], { cwd: appDir, env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function rssOf(pid: number): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

describe('hero-router CLI', () => {
  it('serves, lists, scans and prints specs; streams 50 MB without growing', async () => {
    const dir = path.join(await tempDir(), 'sockets');
    const port = await freePort();
    const child = spawn(process.execPath, [...cliArgs, 'serve', '--listen', `127.0.0.1:${port}`, '--log-level', 'warn'], {
      cwd: appDir,
      env: { ...process.env, HERO_SOCKET_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    onTestFinished(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    });
    await waitFor(async () => fs.stat(path.join(dir, 'hero_router', 'rpc.sock')).then(() => true, () => false), 60_000);

    const SIZE = 50 * 1024 * 1024;
    const block = Buffer.alloc(256 * 1024, 7);
    await upstream(dir, 'hero_files', 'http', (req, res) => {
      if (req.method === 'PUT') {
        let size = 0;
        req.on('data', (c: Buffer) => (size += c.length));
        req.on('end', () => json(res, 200, { size }));
        return;
      }
      res.writeHead(200, { 'content-length': SIZE });
      let sent = 0;
      const pump = () => {
        while (sent < SIZE) {
          sent += block.length;
          if (!res.write(block)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });

    const list = await cli(['list', '--socket-dir', dir]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/SERVICE\s+SOCKET\s+STATUS/);
    expect(list.stdout).toMatch(/hero_router\s+rpc\s+healthy\s+openrpc/);
    const scan = await cli(['scan', '--json'], { HERO_SOCKET_DIR: dir });
    expect(scan.code).toBe(0);
    const scanned = JSON.parse(scan.stdout) as { services: { name: string; status: string }[] };
    expect(scanned.services.map((s) => s.name)).toEqual(['hero_files', 'hero_router']);
    expect(scanned.services[0]!.status).toBe('non_rpc');
    const spec = await cli(['spec', 'hero_router', '--socket-dir', dir]);
    expect(spec.code).toBe(0);
    expect(spec.stdout).toMatch(/router\.services\s+Lists discovered services/);
    const missing = await cli(['spec', 'hero_nothing', '--socket-dir', dir]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: .*hero_nothing/);

    // memory: a 50 MB upload and download through the router process
    const before = await rssOf(child.pid!);
    let peak = before;
    const sampler = setInterval(() => void rssOf(child.pid!).then((v) => (peak = Math.max(peak, v)), () => {}), 20);
    onTestFinished(() => clearInterval(sampler));
    const uploaded = await new Promise<{ size: number }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'PUT', path: '/hero_files/http/f', headers: { 'content-length': SIZE }, agent: false }, (res) => {
        let b = '';
        res.setEncoding('utf8').on('data', (c: string) => (b += c)).on('end', () => resolve(JSON.parse(b)));
      });
      req.on('error', reject);
      let sent = 0;
      const pump = () => {
        while (sent < SIZE) {
          sent += block.length;
          if (!req.write(block)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(uploaded.size).toBe(SIZE);
    const downloaded = await new Promise<string>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/hero_files/http/f', agent: false }, (res) => {
        const h = createHash('sha256');
        res.on('data', (c: Buffer) => h.update(c));
        res.on('end', () => resolve(h.digest('hex')));
      }).on('error', reject);
    });
    const expected = createHash('sha256');
    for (let i = 0; i < SIZE / block.length; i++) expected.update(block);
    expect(downloaded).toBe(expected.digest('hex'));
    clearInterval(sampler);
    // a buffering proxy would hold the whole 50 MB body at some point
    expect(peak - before).toBeLessThan(30 * 1024 * 1024);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    await expect(fs.stat(path.join(dir, 'hero_router', 'rpc.sock'))).rejects.toThrow();
  }, 180_000);

  it('exits 2 on usage and configuration errors', async () => {
    const dir = await tempDir();
    const bad = await cli(['serve', '--listen', '0.0.0.0:0', '--socket-dir', path.join(dir, 's')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/non-loopback address needs auth/);
    await fs.writeFile(path.join(dir, 'r.toml'), 'listen = "127.0.0.1:0"\nunknown_key = 1\n');
    const cfg = await cli(['serve', '--config', path.join(dir, 'r.toml'), '--socket-dir', path.join(dir, 's')]);
    expect(cfg.code).toBe(2);
    expect(cfg.stderr).toMatch(/unknown_key/);
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli(['list', '--socket-dir', path.join(dir, 'none')])).code).toBe(1);
  }, 120_000);
});
