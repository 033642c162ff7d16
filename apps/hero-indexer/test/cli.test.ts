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

function cli(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@hero/source', cliSrc, ...args], {
      cwd: appDir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hero-indexer-cli-'));
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

/** Starts `hero-indexer serve` with `toml` (plus a data_dir in `dir`); returns the client env. */
async function startServer(dir: string, toml = ''): Promise<Record<string, string>> {
  const socketDir = path.join(dir, 'sockets');
  const cfg = path.join(dir, 'indexer.toml');
  await fs.writeFile(cfg, `data_dir = "${path.join(dir, 'data')}"\n${toml}`);
  const server = spawn(process.execPath, ['--import', 'tsx', '--conditions=@hero/source', cliSrc, 'serve', '--config', cfg, '--log-level', 'warn'], {
    cwd: appDir,
    env: { ...process.env, HERO_SOCKET_DIR: socketDir },
    stdio: 'ignore',
  });
  const exited = new Promise((r) => server.once('exit', r));
  onTestFinished(async () => {
    server.kill('SIGTERM');
    await exited;
  });
  await waitForFile(path.join(socketDir, 'hero_indexer', 'rpc.sock'));
  return { HERO_SOCKET_DIR: socketDir };
}

describe('hero-indexer CLI', () => {
  it('serve, create, add with progress, search, list, info, get, rm, drop', async () => {
    const dir = await tempDir();
    const env = await startServer(dir, 'cache_mb = 16\n');

    const created = await cli(['create', 'notes', '--field', 'title:text:boost=2', '--field', 'body:text', '--field', 'tag:keyword', '--field', 'n:numeric'], env);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/title\s+text/);

    // a file over 1 MiB gets a progress bar on stderr
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      lines.push(JSON.stringify({ id: `n${i}`, title: `note ${i} ${i % 10 === 0 ? 'zebra' : 'horse'}`, body: 'filler text '.repeat(40), tag: `t${i % 3}`, n: i }));
    }
    const file = path.join(dir, 'notes.jsonl');
    await fs.writeFile(file, lines.join('\n') + '\n');
    const added = await cli(['add', 'notes', file, '--batch', '500'], env);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/added 3000 documents; notes now holds 3000/);
    expect(added.stderr).toMatch(/\[progress\] 100% 3,000 docs/);

    const found = await cli(['search', 'notes', 'zebra', '--filter', 'n<100', '--facet', 'tag', '--highlight', '--fields', 'title'], env);
    expect(found.code, found.stderr).toBe(0);
    expect(found.stdout).toMatch(/^10 hits/);
    expect(found.stdout).toMatch(/title: note \d+ \[zebra\]/);
    expect(found.stdout).toMatch(/facet tag: t0 \(4\)/);
    const json = JSON.parse((await cli(['search', 'notes', 'title:zebra AND n:[0 TO 20]', '--json', '--sort', 'n:desc'], env)).stdout);
    expect(json.hits.map((h: { id: string }) => h.id)).toEqual(['n20', 'n10', 'n0']);

    expect((await cli(['list'], env)).stdout).toMatch(/notes\s+3000\s+\d+\s+english\s+true/);
    expect((await cli(['info', 'notes'], env)).stdout).toMatch(/notes\s+3000/);
    expect(JSON.parse((await cli(['get', 'notes', 'n5'], env)).stdout)).toMatchObject({ id: 'n5', n: 5 });
    expect((await cli(['rm', 'notes', 'n5', 'n6'], env)).stdout).toMatch(/deleted 2/);

    // bad input: one line, exit 1 for runtime errors, 2 for usage
    const bad = await cli(['search', 'notes', '"open'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: invalid query: unterminated phrase .* at position 0\n$/);
    const badFile = path.join(dir, 'bad.jsonl');
    await fs.writeFile(badFile, '{"id":"ok1","title":"fine"}\n{not json}\n');
    const badAdd = await cli(['add', 'notes', badFile], env);
    expect(badAdd.code).toBe(1);
    expect(badAdd.stderr).toMatch(/line 2: invalid JSON/);
    expect((await cli(['add', 'notes', path.join(dir, 'missing.jsonl')], env)).code).toBe(2);
    expect((await cli(['search', 'notes', 'x', '--limit', 'many'], env)).code).toBe(2);
    expect((await cli(['create', 'x'], env)).code).toBe(2);
    expect((await cli(['create', 'x', '--field', 'a:blob'], env)).code).toBe(2);
    expect((await cli(['frobnicate'], env)).code).toBe(2);

    expect((await cli(['drop', 'notes'], env)).code).toBe(0);
    expect((await cli(['list'], env)).stdout).toMatch(/\(none\)/);
  }, 180_000);

  it('add splits batches by bytes under the request limit and sends the lines before a bad one', async () => {
    const dir = await tempDir();
    // a 1 MiB request limit stands in for the default 64 MiB, so the file can stay small
    const env = await startServer(dir, 'max_request_mb = 1\n');
    expect((await cli(['create', 'big', '--field', 'body:text'], env)).code).toBe(0);
    const file = path.join(dir, 'big.jsonl');
    // 24 documents of ~96 KB: each well under max_doc_bytes, together about 2.3 MiB
    await fs.writeFile(file, Array.from({ length: 24 }, (_, i) => JSON.stringify({ id: `d${i}`, body: `w${i} `.repeat(24_000) })).join('\n') + '\n');

    // a cap over the service's limit: one request, refused, nothing ingested
    const refused = await cli(['add', 'big', file, '--batch-mb', '4'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/lines 1-24: .*\(0 documents before it were added and committed\)/);
    expect((await cli(['info', 'big', '--json'], env)).stdout).toMatch(/"docs": 0/);

    const added = await cli(['add', 'big', file, '--batch-mb', '0.5', '--json'], env);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ added: 24, docs: 24 });

    const badFile = path.join(dir, 'bad.jsonl');
    await fs.writeFile(badFile, '{"id":"ok1","body":"fine"}\n\n{"id":"ok2","body":"also fine"}\n{not json}\n{"id":"after","body":"never read"}\n');
    const bad = await cli(['add', 'big', badFile], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/line 4: invalid JSON.*\(2 documents before it were added and committed\)/);
    expect(JSON.parse((await cli(['get', 'big', 'ok2'], env)).stdout)).toEqual({ id: 'ok2', body: 'also fine' });
    expect((await cli(['get', 'big', 'after'], env)).code).toBe(1);
    expect((await cli(['info', 'big', '--json'], env)).stdout).toMatch(/"docs": 26/);
    expect((await cli(['add', 'big', badFile, '--batch-mb', '0'], env)).code).toBe(2);
  }, 120_000);

  it('fails with exit 1 when the service is not running, 2 on a bad config', async () => {
    const dir = await tempDir();
    const r = await cli(['list', '--socket-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach/);
    const cfg = path.join(dir, 'bad.toml');
    await fs.writeFile(cfg, 'cache_mbs = 3\n');
    const s = await cli(['serve', '--config', cfg, '--socket-dir', dir]);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/unknown key/);
  }, 60_000);
});
