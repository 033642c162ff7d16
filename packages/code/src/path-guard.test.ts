import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CodeRoot, PathRefusedError, cleanRelPath, joinRel } from './path-guard.js';

describe('cleanRelPath', () => {
  it('normalises good relative paths', () => {
    expect(cleanRelPath('')).toBe('');
    expect(cleanRelPath('.')).toBe('');
    expect(cleanRelPath('a/b/c.ts')).toBe('a/b/c.ts');
    expect(cleanRelPath('./a//b/./c')).toBe('a/b/c');
    expect(cleanRelPath('a/b/')).toBe('a/b');
    expect(cleanRelPath('a..b/..c')).toBe('a..b/..c');
  });
  it.each([
    ['..', "'..'"],
    ['a/../b', "'..'"],
    ['a/..', "'..'"],
    ['a\\..\\b', "'..'"],
    ['/etc/passwd', 'absolute'],
    ['\\etc', 'absolute'],
    ['C:/x', 'absolute'],
    ['a\0b', 'NUL'],
  ])('refuses %j', (p, why) => {
    expect(() => cleanRelPath(p)).toThrow(PathRefusedError);
    expect(() => cleanRelPath(p)).toThrow(why);
  });
  it('joins parts, checking each', () => {
    expect(joinRel('repo', 'src/x')).toBe('repo/src/x');
    expect(joinRel(undefined, 'x')).toBe('x');
    expect(() => joinRel('repo', '../x')).toThrow(PathRefusedError);
  });
});

describe('CodeRoot', () => {
  async function setup() {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hero-code-guard-'));
    onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
    await fs.mkdir(path.join(dir, 'root', 'sub'), { recursive: true });
    await fs.writeFile(path.join(dir, 'root', 'sub', 'in.txt'), 'in');
    await fs.writeFile(path.join(dir, 'outside.txt'), 'secret');
    await fs.symlink(path.join(dir, 'outside.txt'), path.join(dir, 'root', 'out-link'));
    await fs.symlink(dir, path.join(dir, 'root', 'out-dir'));
    await fs.symlink('sub/in.txt', path.join(dir, 'root', 'in-link'));
    await fs.symlink(path.join(dir, 'nothing'), path.join(dir, 'root', 'dangling'));
    return { dir, root: await CodeRoot.open(path.join(dir, 'root')) };
  }

  it('resolves paths inside and refuses links that leave the root', async () => {
    const { root } = await setup();
    expect((await root.resolveExisting('sub/in.txt')).rel).toBe('sub/in.txt');
    expect((await root.resolveExisting('in-link')).real).toBe(path.join(root.real, 'sub', 'in.txt'));
    await expect(root.resolveExisting('out-link')).rejects.toThrow('outside the code root');
    await expect(root.resolveExisting('out-dir/outside.txt')).rejects.toThrow('outside the code root');
    await expect(root.resolveExisting('dangling')).rejects.toThrow(PathRefusedError);
    await expect(root.resolveExisting('nope')).rejects.toThrow('no such file');
  });

  it('resolves write targets without following links out', async () => {
    const { root } = await setup();
    expect((await root.resolveForWrite('sub/new.txt', false)).real).toBe(path.join(root.real, 'sub', 'new.txt'));
    expect((await root.resolveForWrite('in-link', false)).real).toBe(path.join(root.real, 'sub', 'in.txt'));
    await expect(root.resolveForWrite('out-link', true)).rejects.toThrow('outside the code root');
    await expect(root.resolveForWrite('out-dir/new.txt', true)).rejects.toThrow('outside the code root');
    await expect(root.resolveForWrite('out-dir/deep/new.txt', true)).rejects.toThrow('outside the code root');
    await expect(root.resolveForWrite('dangling', true)).rejects.toThrow(PathRefusedError);
    await expect(root.resolveForWrite('', true)).rejects.toThrow(PathRefusedError);
    await expect(root.resolveForWrite('a/b/c.txt', false)).rejects.toThrow('no such directory');
    expect((await root.resolveForWrite('a/b/c.txt', true)).real).toBe(path.join(root.real, 'a', 'b', 'c.txt'));
  });
});
