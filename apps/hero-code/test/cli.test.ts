import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';

const appDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cliSrc = path.join(appDir, 'src', 'cli.ts');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from source; resolves when it exits. */
function cli(args: string[], env: Record<string, string> = {}, input?: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@hero/source', cliSrc, ...args], {
      cwd: appDir,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hero-code-cli-'));
  onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

async function waitForFile(file: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fs.stat(file).then(() => true, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${file} did not appear`);
}

/** A served hero_code (the CLI's `serve` in a child process) on a small code root. */
async function serve(agentCommand = 'cat') {
  const dir = await tempDir();
  const root = path.join(dir, 'code');
  await fs.mkdir(path.join(root, 'app', '.git'), { recursive: true });
  await fs.writeFile(path.join(root, 'app', '.git', 'HEAD'), 'ref: refs/heads/dev\n');
  await fs.mkdir(path.join(root, 'app', 'src'), { recursive: true });
  await fs.writeFile(path.join(root, 'app', 'src', 'main.ts'), 'console.log("hello");\n');
  await fs.writeFile(path.join(root, 'app', 'README.md'), '# App\n');
  const socketDir = path.join(dir, 'sockets');
  const cfg = path.join(dir, 'hero_code.toml');
  await fs.writeFile(cfg, `root = ${JSON.stringify(root)}\ndata_dir = ${JSON.stringify(path.join(dir, 'data'))}\nagent_command = ${JSON.stringify(agentCommand)}\n`);
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@hero/source', cliSrc, 'serve', '--config', cfg, '--log-level', 'warn'], {
    cwd: appDir,
    env: { ...process.env, HERO_SOCKET_DIR: socketDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  onTestFinished(async () => {
    child.kill('SIGKILL');
    await exited;
  });
  await waitForFile(path.join(socketDir, 'hero_code', 'editor.sock')).catch((err: Error) => {
    throw new Error(`${err.message}: ${stderr}`);
  });
  return { dir, root, socketDir, child, exited, env: { HERO_SOCKET_DIR: socketDir } };
}

// Every CLI call is a fresh Node process loading TypeScript: on a loaded machine one takes seconds.
describe('hero-code CLI', () => {
  it('serves, answers client commands and stops on SIGTERM', async () => {
    const s = await serve();
    const repos = await cli(['repos'], s.env);
    expect(repos.code).toBe(0);
    expect(repos.stdout).toMatch(/PATH\s+BRANCH\napp\s+dev/);
    const reposJson = JSON.parse((await cli(['repos', '--json'], s.env)).stdout);
    expect(reposJson.repos[0]).toMatchObject({ path: 'app', branch: 'dev' });

    const tree = await cli(['tree', 'app'], s.env);
    expect(tree.stdout).toBe('src/\n  main.ts\nREADME.md\n');

    const read = await cli(['read', 'app/src/main.ts'], s.env);
    expect(read.stdout).toBe('console.log("hello");\n');

    const search = await cli(['search', 'hello', '--socket-dir', s.socketDir]);
    expect(search.stdout).toBe('app/src/main.ts:1:14: console.log("hello");\n');

    expect((await cli(['context', 'set', 'src', 'app/src', '--ext', 'ts'], s.env)).stdout).toBe('context src: 1 path(s)\n');
    const render = await cli(['context', 'render', 'src'], s.env);
    expect(render.code).toBe(0);
    expect(render.stdout).toBe('===== app/src/main.ts (22 bytes) =====\nconsole.log("hello");\n\n');
    expect(render.stderr).toContain('1 file(s)');
    expect((await cli(['context', 'list'], s.env)).stdout).toMatch(/src\s+app\/src\s+\.ts/);

    const created = await cli(['session', 'create', 'work', '--repo', 'app', '--context', 'src'], s.env);
    expect(created.stdout).toMatch(/^s-[0-9a-f]+\n$/);

    // hero_proc is not running here: a clear one-line error and exit 1, not a hang
    const prompt = await cli(['prompt', 'work', 'do', 'it'], s.env);
    expect(prompt.code).toBe(1);
    expect(prompt.stderr).toMatch(/^error: hero_proc is not available at .*\n$/);

    const missing = await cli(['read', 'app/nope.ts'], s.env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: no such file or directory: app\/nope.ts\n$/);
    const refused = await cli(['read', '../etc/passwd'], s.env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("'..' segments are not allowed");

    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(await fs.readdir(path.join(s.socketDir, 'hero_code'))).toEqual([]);
  }, 120_000);

  it('exits 2 on usage and configuration errors and 1 when the service is down', async () => {
    const dir = await tempDir();
    expect((await cli(['tree', '--depth', 'x'])).code).toBe(2);
    expect((await cli(['nonsense-command', '--bogus'])).code).toBe(2);
    const cfg = path.join(dir, 'bad.toml');
    await fs.writeFile(cfg, 'no_such_key = 1\n');
    const bad = await cli(['serve', '--config', cfg, '--socket-dir', path.join(dir, 's')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('no_such_key');
    const down = await cli(['repos', '--socket-dir', path.join(dir, 'none')]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^error: cannot reach /);
  }, 60_000);

  it('prompt --wait runs the agent through a real hero_proc and prints its output', async () => {
    const s = await serve('echo "agent:"; cat');
    const procCli = path.join(appDir, '..', 'hero-proc', 'src', 'cli.ts');
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=@hero/source', procCli, 'serve', '--socket-dir', s.socketDir, '--data-dir', path.join(s.dir, 'proc-data'), '--config-dir', path.join(s.dir, 'proc-cfg'), '--log-level', 'warn'],
      { cwd: path.dirname(path.dirname(procCli)), stdio: 'ignore' },
    );
    const procExited = new Promise((r) => proc.on('close', r));
    onTestFinished(async () => {
      proc.kill('SIGTERM');
      await procExited;
    });
    await waitForFile(path.join(s.socketDir, 'hero_proc', 'rpc.sock'));
    expect((await cli(['session', 'create', 'w', '--repo', 'app'], s.env)).code).toBe(0);
    const ok = await cli(['prompt', 'w', 'hello', 'agent', '--wait'], s.env);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('agent:\nhello agent\n');
    const piped = await cli(['prompt', 'w', '-', '--json'], s.env, 'from stdin\n');
    expect(JSON.parse(piped.stdout)).toMatchObject({ seq: 2 });
    const hist = await cli(['session', 'history', 'w'], s.env);
    expect(hist.stdout).toContain('#1 succeeded (exit 0)');
    expect(hist.stdout).toContain('hello agent');
  }, 120_000);
});
