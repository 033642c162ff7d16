import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { runSmoke } from '@hero/smoke';

const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const exe = path.join(app, 'sea', 'hero_bundle');
const routerCli = path.resolve(app, '../hero-router/dist/cli.js');

beforeAll(() => {
  execFileSync(process.execPath, [path.join(app, 'scripts', 'build-sea.mjs')], { stdio: 'ignore' });
}, 300_000);

async function temp(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hero-bundle-test-'));
  onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs the executable with a config; resolves with its exit code and output. */
function runExe(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(exe, args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('hero_bundle single executable', () => {
  it('runs every service: sockets, a job, a bus message, the router, a second router, clean stop', async () => {
    const steps: string[] = [];
    const report = await runSmoke({ bundle: [exe], router: [process.execPath, routerCli], log: (l) => steps.push(l) });
    expect(report.steps).toHaveLength(9);
    expect(steps.join("\n")).toMatch(/separately started hero-router lists every bundled service/);
    expect(report.stopMs).toBeLessThan(30_000);
  }, 180_000);

  it('runs the same from the plain build that `pnpm start` uses (dist/main.js)', async () => {
    const report = await runSmoke({ bundle: [process.execPath, path.join(app, 'dist', 'main.js')] });
    expect(report.steps).toHaveLength(8);
  }, 180_000);

  it('--help and --info start nothing', async () => {
    const dir = await temp();
    const env = { ...process.env, HOME: dir, HERO_SOCKET_DIR: path.join(dir, 's') };
    const help = await runExe(['--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: hero_bundle \[--config <path>\] \[--info\] \[--help\]/);
    const info = await runExe(['--info'], env);
    expect(info.code).toBe(0);
    const doc = JSON.parse(info.stdout) as { version: string; config_path: string; config_found: boolean; services: { name: string; sockets: Record<string, string> }[] };
    expect(doc).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+\.\d+/), config_path: path.join(dir, 'hero', 'cfg', 'hero_bundle.toml'), config_found: false });
    expect(doc.services.map((s) => s.name)).toEqual(['mycelium', 'hero_db', 'hero_indexer', 'hero_code', 'hero_proc', 'hero_supervisor', 'hero_router']);
    expect(doc.services[1]!.sockets.resp).toBe(path.join(dir, 's', 'hero_db', 'resp.sock'));
    // the default file, once there, is read (and validated) by --info too
    await fs.mkdir(path.join(dir, 'hero', 'cfg'), { recursive: true });
    await fs.writeFile(doc.config_path, 'socket_dir = "~/from-file"\n');
    const found = await runExe(['--info'], { ...env, HERO_SOCKET_DIR: '' });
    expect(JSON.parse(found.stdout)).toMatchObject({ config_path: doc.config_path, config_found: true, socket_dir: path.join(dir, 'from-file') });
    await expect(fs.access(path.join(dir, 's'))).rejects.toThrow();
    await expect(fs.access(path.join(dir, 'from-file'))).rejects.toThrow();
  });

  it('refuses bad config with one line and exit code 2, starting nothing', async () => {
    const dir = await temp();
    const env = { ...process.env, HOME: dir, HERO_SOCKET_DIR: path.join(dir, 'sockets') };
    const cfg = path.join(dir, 'bundle.toml');
    const cases: [string, RegExp][] = [
      ['bogus = 1\n', /unknown key\(s\) "bogus"/],
      ['[db]\nappendfsync = "sometimes"\n', /db\.appendfsync: /],
      ['[router]\nlisten = 9998\n', /router\.listen: /],
      ['[proc]\nnot_a_key = true\n', /proc: unknown key\(s\) "not_a_key"|proc\.\(root\)|proc.*not_a_key/],
      ['log_level = "loud"\n', /log_level: /],
      ['[db\n', /invalid TOML/],
    ];
    for (const [text, pattern] of cases) {
      await fs.writeFile(cfg, text);
      const r = await runExe(['--config', cfg], env);
      expect(r.code, text).toBe(2);
      expect(r.stderr.trim().split('\n'), text).toHaveLength(1);
      expect(r.stderr, text).toMatch(pattern);
      await expect(fs.access(path.join(dir, 'sockets'))).rejects.toThrow();
    }
    const missing = await runExe(['--config', path.join(dir, 'none.toml')], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read config .*none\.toml: file not found/);
    const usage = await runExe(['--frobnicate'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/unknown argument "--frobnicate"/);
  });

  it('socket dir not writable and port in use: exit 2, nothing left running', async () => {
    const dir = await temp();
    await fs.writeFile(path.join(dir, 'a-file'), '');
    const blocked = await runExe([], {
      ...process.env,
      HOME: dir,
      HERO_SOCKET_DIR: path.join(dir, 'a-file', 'sockets'),
    });
    expect(blocked.code).toBe(2);
    expect(blocked.stderr).toMatch(/cannot create directory .*a-file\/sockets/);

    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    onTestFinished(() => new Promise<void>((r) => holder.close(() => r())));
    const port = (holder.address() as net.AddressInfo).port;
    const cfg = path.join(dir, 'bundle.toml');
    await fs.writeFile(cfg, `[db]\ntcp = "127.0.0.1:${port}"\n[router]\nlisten = "127.0.0.1:0"\n[code]\nroot = "${dir}/code"\n`);
    const sockets = path.join(dir, 'sockets');
    const inUse = await runExe(['--config', cfg], { ...process.env, HOME: dir, HERO_SOCKET_DIR: sockets });
    expect(inUse.code).toBe(2);
    expect(inUse.stderr.trim().split('\n')).toHaveLength(1);
    expect(inUse.stderr).toMatch(new RegExp(`hero_db: .*127\\.0\\.0\\.1:${port}`));
    // mycelium had started before hero_db failed: it was stopped and its socket removed
    await expect(fs.access(path.join(sockets, 'mycelium', 'rpc.sock'))).rejects.toThrow();
  });
});
