import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import type { ReadyInfo } from '@hero/core';
import { CodeClient } from '../src/client.js';
import { configSchema, run, type Config } from '../src/index.js';

/** A temp dir removed when the test finishes. */
export async function tempDir(prefix = 'hero-code-'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A code root with two repositories, ignored files, a binary file and symlinks pointing both
 * inside and outside the root; `outside/secret.txt` sits next to the root.
 */
export async function makeFixture(dir: string): Promise<{ root: string; outside: string }> {
  const root = path.join(dir, 'code');
  const outside = path.join(dir, 'outside');
  const w = async (rel: string, content: string | Buffer) => {
    await fs.mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await fs.writeFile(path.join(root, rel), content);
  };
  await fs.mkdir(outside, { recursive: true });
  await fs.writeFile(path.join(outside, 'secret.txt'), 'TOP SECRET\n');
  await w('alpha/.git/HEAD', 'ref: refs/heads/main\n');
  await w('alpha/.gitignore', 'dist/\n*.log\n');
  await w('alpha/README.md', '# Alpha\nThe alpha project.\n');
  await w('alpha/src/a.ts', 'export const a = 1;\n// needle here\nexport function findNeedle() {}\n');
  await w('alpha/src/b.md', 'notes about the Needle\n');
  await w('alpha/src/deep/c.ts', 'export const c = "needle";\n');
  await w('alpha/dist/out.js', 'const needle = 1;\n');
  await w('alpha/debug.log', 'needle in a log\n');
  await w('alpha/bin.dat', Buffer.from([0x6e, 0x65, 0x65, 0x64, 0x6c, 0x65, 0, 1, 2, 3]));
  await w('group/beta/.git/HEAD', '0123456789abcdef0123456789abcdef01234567\n');
  await w('group/beta/main.py', 'print("beta")\n');
  await w('notrepo/x.txt', 'x\n');
  await fs.symlink('src/a.ts', path.join(root, 'alpha', 'link-in'));
  await fs.symlink(path.join(outside, 'secret.txt'), path.join(root, 'alpha', 'link-out'));
  await fs.symlink(outside, path.join(root, 'alpha', 'dir-out'));
  await fs.symlink('../../outside/secret.txt', path.join(root, 'rel-out'));
  return { root, outside };
}

export interface Started {
  dir: string;
  root: string;
  outside: string;
  socketDir: string;
  dataDir: string;
  info: ReadyInfo;
  client: CodeClient;
  stop: () => Promise<void>;
}

/** Starts hero_code on a fixture root in a temp dir; stopped when the test finishes. */
export async function startCode(overrides: Partial<Config> = {}, existing?: { dir: string; root: string; outside: string }): Promise<Started> {
  const dir = existing?.dir ?? (await tempDir());
  const { root, outside } = existing ?? (await makeFixture(dir));
  const socketDir = path.join(dir, 'sockets');
  const dataDir = path.join(dir, 'data');
  const config = configSchema.parse({ socket_dir: socketDir, root, data_dir: dataDir, ...overrides });
  const ac = new AbortController();
  let info!: ReadyInfo;
  let stopped!: Promise<void>;
  const ready = new Promise<void>((resolve, reject) => {
    const done = run(config, ac.signal, { onReady: (i) => ((info = i), resolve()) });
    done.catch(reject);
    stopped = done;
  });
  await ready;
  const client = new CodeClient(info.sockets.rpc!);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await client.close();
      ac.abort();
      await stopped;
    })());
  onTestFinished(stop);
  return { dir, root, outside, socketDir, dataDir, info, client, stop };
}
