import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { NotRegularFileError, inspectRegularFile } from './safe-read.js';

async function tmp(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hero-safe-read-'));
  onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('inspectRegularFile', () => {
  it('hashes a file in chunks and reports its mode', async () => {
    const dir = await tmp();
    const file = path.join(dir, 'f');
    const body = Buffer.alloc(200_000, 'ab');
    await fs.writeFile(file, body, { mode: 0o600 });
    await fs.chmod(file, 0o600);
    const got = await inspectRegularFile(file, 'f', { hash: true, maxBytes: 1 << 20 });
    expect(got).toEqual({ mode: 0o600, size: body.length, sha256: createHash('sha256').update(body).digest('hex') });
    expect(await inspectRegularFile(file, 'f', { hash: false, maxBytes: 1 })).toEqual({ mode: 0o600, size: body.length });
  });

  it('is undefined only for ENOENT; other failures are thrown', async () => {
    const dir = await tmp();
    expect(await inspectRegularFile(path.join(dir, 'missing'), 'missing', { hash: true, maxBytes: 10 })).toBeUndefined();
    await fs.writeFile(path.join(dir, 'file'), 'x');
    await expect(inspectRegularFile(path.join(dir, 'file', 'child'), 'file/child', { hash: false, maxBytes: 10 })).rejects.toMatchObject({
      code: 'ENOTDIR',
    });
    await fs.symlink('file', path.join(dir, 'link'));
    await expect(inspectRegularFile(path.join(dir, 'link'), 'link', { hash: false, maxBytes: 10 })).rejects.toBeInstanceOf(NotRegularFileError);
    await expect(inspectRegularFile(dir, 'dir', { hash: false, maxBytes: 10 })).rejects.toBeInstanceOf(NotRegularFileError);
  });

  it('refuses to hash past the cap', async () => {
    const dir = await tmp();
    await fs.writeFile(path.join(dir, 'f'), 'x'.repeat(11));
    await expect(inspectRegularFile(path.join(dir, 'f'), 'f', { hash: true, maxBytes: 10 })).rejects.toMatchObject({ code: 'HERO_TOO_LARGE' });
  });
});
