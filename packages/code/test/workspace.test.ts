import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RpcError } from '@hero/core';
import { startCode } from './helpers.js';

async function rpcErr(p: Promise<unknown>): Promise<RpcError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RpcError);
  return err as RpcError;
}

describe('repositories and trees', () => {
  it('discovers git repositories with their branch or head', async () => {
    const { client, root } = await startCode();
    const r = await client.repoList();
    expect(r.root).toBe(await fs.realpath(root));
    expect(r.repos).toEqual([
      { name: 'alpha', path: 'alpha', branch: 'main', head: null },
      { name: 'beta', path: 'group/beta', branch: null, head: '0123456789abcdef0123456789abcdef01234567' },
    ]);
  });

  it('lists a tree honouring .gitignore and never showing .git', async () => {
    const { client } = await startCode();
    const top = await client.repoTree();
    expect(top.entries.map((e) => e.path)).toEqual(['alpha', 'group', 'notrepo', 'rel-out']);
    expect(top.entries.find((e) => e.path === 'rel-out')!.type).toBe('symlink');
    const t = await client.repoTree({ repo: 'alpha', depth: 3 });
    const paths = t.entries.map((e) => e.path);
    expect(paths).toEqual([
      'alpha/src',
      'alpha/src/deep',
      'alpha/src/deep/c.ts',
      'alpha/src/a.ts',
      'alpha/src/b.md',
      'alpha/.gitignore',
      'alpha/README.md',
      'alpha/bin.dat',
      'alpha/dir-out',
      'alpha/link-in',
      'alpha/link-out',
    ]);
    expect(t.entries.find((e) => e.path === 'alpha/src/a.ts')!.size).toBeGreaterThan(10);
    const all = await client.repoTree({ path: 'alpha', depth: 2, include_ignored: true });
    expect(all.entries.map((e) => e.path)).toEqual(expect.arrayContaining(['alpha/dist', 'alpha/dist/out.js', 'alpha/debug.log']));
    expect(all.entries.some((e) => e.path.includes('.git/'))).toBe(false);
    const cut = await client.repoTree({ repo: 'alpha', depth: 3, max_entries: 2 });
    expect(cut.entries).toHaveLength(2);
    expect(cut.truncated).toBe(true);
  });

  it('answers clear errors for missing paths and files', async () => {
    const { client } = await startCode();
    expect((await rpcErr(client.repoTree({ path: 'nope' }))).code).toBe('HERO_NOT_FOUND');
    expect((await rpcErr(client.repoTree({ path: 'alpha/README.md' }))).message).toContain('not a directory');
  });
});

describe('reading and writing files', () => {
  it('reads text and binary files with a version tag', async () => {
    const { client } = await startCode();
    const f = await client.fileRead('alpha/src/a.ts');
    expect(f).toMatchObject({ path: 'alpha/src/a.ts', encoding: 'utf8', size: f.content.length });
    expect(f.content).toContain('export const a');
    expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    const b = await client.fileRead('alpha/bin.dat');
    expect(b.encoding).toBe('base64');
    expect(Buffer.from(b.content, 'base64')).toEqual(Buffer.from([0x6e, 0x65, 0x65, 0x64, 0x6c, 0x65, 0, 1, 2, 3]));
    expect((await client.fileRead('alpha/link-in')).content).toBe(f.content);
    expect((await rpcErr(client.fileRead('alpha/nope.ts'))).code).toBe('HERO_NOT_FOUND');
    expect((await rpcErr(client.fileRead('alpha/src'))).message).toContain('not a regular file');
  });

  it('writes atomically, keeps the mode, creates directories and leaves no temp files', async () => {
    const { client, root } = await startCode();
    await fs.chmod(path.join(root, 'alpha/src/a.ts'), 0o600);
    const w = await client.fileWrite('alpha/src/a.ts', 'changed\n');
    expect(w).toMatchObject({ path: 'alpha/src/a.ts', size: 8, created: false });
    expect(await fs.readFile(path.join(root, 'alpha/src/a.ts'), 'utf8')).toBe('changed\n');
    expect((await fs.stat(path.join(root, 'alpha/src/a.ts'))).mode & 0o777).toBe(0o600);
    const n = await client.fileWrite('alpha/new/dir/n.txt', 'new');
    expect(n.created).toBe(true);
    expect(await fs.readFile(path.join(root, 'alpha/new/dir/n.txt'), 'utf8')).toBe('new');
    await client.fileWrite('alpha/raw.bin', Buffer.from([0, 255]).toString('base64'), { encoding: 'base64' });
    expect(await fs.readFile(path.join(root, 'alpha/raw.bin'))).toEqual(Buffer.from([0, 255]));
    expect((await rpcErr(client.fileWrite('alpha/x/y.txt', 'no', { create_dirs: false }))).code).toBe('HERO_NOT_FOUND');
    const leftovers = (await fs.readdir(path.join(root, 'alpha/src'))).filter((f) => f.endsWith('.tmp'));
    expect(leftovers).toEqual([]);
  });

  it('refuses a write whose if_match is stale, losing nothing', async () => {
    const { client, root } = await startCode();
    const f = await client.fileRead('alpha/README.md');
    await fs.writeFile(path.join(root, 'alpha/README.md'), 'edited elsewhere\n');
    const err = await rpcErr(client.fileWrite('alpha/README.md', 'mine', { if_match: f.sha256 }));
    expect(err.code).toBe('HERO_CONFLICT');
    expect(await fs.readFile(path.join(root, 'alpha/README.md'), 'utf8')).toBe('edited elsewhere\n');
    const fresh = await client.fileRead('alpha/README.md');
    await client.fileWrite('alpha/README.md', 'mine', { if_match: fresh.sha256 });
    expect((await rpcErr(client.fileWrite('alpha/README.md', 'x', { if_match: '' }))).code).toBe('HERO_CONFLICT');
    await client.fileWrite('alpha/brand-new.md', 'x', { if_match: '' });
  });

  it('concurrent writes each land whole; the file is never a mix and no temp file is left', async () => {
    const { client, root } = await startCode();
    const bodies = Array.from({ length: 20 }, (_, i) => `${String(i).padStart(2, '0')}:`.repeat(5000));
    await Promise.all(bodies.map((b) => client.fileWrite('alpha/race.txt', b)));
    expect(bodies).toContain(await fs.readFile(path.join(root, 'alpha/race.txt'), 'utf8'));
    expect((await fs.readdir(path.join(root, 'alpha'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('parallel writes with the same if_match: exactly one lands, the others conflict', async () => {
    const { client, root } = await startCode();
    const f = await client.fileRead('alpha/README.md');
    const bodies = Array.from({ length: 8 }, (_, i) => `writer ${i}\n`);
    const results = await Promise.allSettled(bodies.map((b) => client.fileWrite('alpha/README.md', b, { if_match: f.sha256 })));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [bodies[i]!] : []));
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as RpcError).code).toBe('HERO_CONFLICT');
    expect(await fs.readFile(path.join(root, 'alpha/README.md'), 'utf8')).toBe(won[0]);
  });

  it('parallel create-only writes (if_match "") create the file once', async () => {
    const { client, root } = await startCode();
    const bodies = Array.from({ length: 8 }, (_, i) => `creator ${i}\n`);
    const results = await Promise.allSettled(bodies.map((b) => client.fileWrite('alpha/fresh.txt', b, { if_match: '' })));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ body: bodies[i]!, created: r.value.created }] : []));
    expect(won).toEqual([{ body: expect.any(String), created: true }]);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as RpcError).code).toBe('HERO_CONFLICT');
    expect(await fs.readFile(path.join(root, 'alpha/fresh.txt'), 'utf8')).toBe(won[0]!.body);
  });

  it('a huge existing file counts as existing: if_match "" is refused and the file is untouched', async () => {
    const { client, root } = await startCode();
    const big = path.join(root, 'alpha/huge.bin');
    const size = 3 * 1024 ** 3;
    await fs.writeFile(big, '');
    await fs.truncate(big, size); // sparse: no disk used
    const err = await rpcErr(client.fileWrite('alpha/huge.bin', 'x', { if_match: '' }));
    expect(err.code).toBe('HERO_CONFLICT');
    // A hash cannot be checked past read_max_bytes; refused without reading it into memory.
    const tooBig = await rpcErr(client.fileWrite('alpha/huge.bin', 'x', { if_match: 'a'.repeat(64) }));
    expect(tooBig.code).toBe('HERO_TOO_LARGE');
    expect((await fs.stat(big)).size).toBe(size);
    expect((await fs.readdir(path.join(root, 'alpha'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // An unconditional write still replaces it, and knows it was not created.
    expect((await client.fileWrite('alpha/huge.bin', 'x')).created).toBe(false);
  });

  it('writes through a symlink inside the root to its target, keeping the link', async () => {
    const { client, root } = await startCode();
    await client.fileWrite('alpha/link-in', 'via link\n');
    expect((await fs.lstat(path.join(root, 'alpha/link-in'))).isSymbolicLink()).toBe(true);
    expect(await fs.readFile(path.join(root, 'alpha/src/a.ts'), 'utf8')).toBe('via link\n');
  });
});

describe('search', () => {
  it('finds lines with file, line and column, skipping ignored and binary files', async () => {
    const { client } = await startCode();
    const r = await client.fileSearch('needle', { repo: 'alpha' });
    expect(r.matches).toEqual([
      { path: 'alpha/src/deep/c.ts', line: 1, column: 19, text: 'export const c = "needle";' },
      { path: 'alpha/src/a.ts', line: 2, column: 4, text: '// needle here' },
    ]);
    expect(r.truncated).toBe(false);
    const ci = await client.fileSearch('needle', { repo: 'alpha', case_sensitive: false });
    expect(ci.matches.map((m) => `${m.path}:${m.line}`)).toEqual(['alpha/src/deep/c.ts:1', 'alpha/src/a.ts:2', 'alpha/src/a.ts:3', 'alpha/src/b.md:1']);
    const withIgnored = await client.fileSearch('needle', { path: 'alpha', include_ignored: true });
    expect(withIgnored.matches.map((m) => m.path)).toEqual(expect.arrayContaining(['alpha/dist/out.js', 'alpha/debug.log']));
    expect(withIgnored.matches.some((m) => m.path === 'alpha/bin.dat')).toBe(false);
  });

  it('filters by extension, supports regexes, one file and a result cap', async () => {
    const { client } = await startCode();
    const md = await client.fileSearch('needle', { case_sensitive: false, extensions: ['md'] });
    expect(md.matches.map((m) => m.path)).toEqual(['alpha/src/b.md']);
    const re = await client.fileSearch('export (const|function) \\w+', { regex: true });
    expect(re.matches.map((m) => `${m.path}:${m.line}`)).toEqual(['alpha/src/deep/c.ts:1', 'alpha/src/a.ts:1', 'alpha/src/a.ts:3']);
    const one = await client.fileSearch('export', { path: 'alpha/src/a.ts' });
    expect(one.matches).toHaveLength(2);
    const cap = await client.fileSearch('export', { max_results: 1 });
    expect(cap).toMatchObject({ truncated: true });
    expect(cap.matches).toHaveLength(1);
    expect((await rpcErr(client.fileSearch('(', { regex: true }))).message).toContain('invalid regular expression');
    expect((await client.fileSearch('TOP SECRET')).matches).toEqual([]);
  });

  it('stops a regex that backtracks for ever with a clear error, and keeps serving', async () => {
    const { client, root } = await startCode();
    await fs.writeFile(path.join(root, 'alpha', 'src', 'trap.txt'), `${'a'.repeat(40)}b\n`);
    const err = await rpcErr(client.fileSearch('^(a+)+$', { regex: true, path: 'alpha/src/trap.txt' }));
    expect(err).toMatchObject({ rpcCode: -32602, message: expect.stringContaining('backtracks too much') });
    expect((await client.fileSearch('export', { path: 'alpha/src/a.ts' })).matches).toHaveLength(2);
  });
});

describe('security: no file method leaves the root', () => {
  const bad = [
    ['parent segments', '../outside/secret.txt'],
    ['nested parent segments', 'alpha/../../outside/secret.txt'],
    ['absolute path', '/etc/passwd'],
    ['NUL byte', 'alpha/README.md\0.txt'],
    ['symlink to a file outside', 'alpha/link-out'],
    ['relative symlink outside', 'rel-out'],
    ['path through a symlinked dir outside', 'alpha/dir-out/secret.txt'],
  ] as const;

  it.each(bad)('file.read refuses %s', async (_, p) => {
    const { client } = await startCode();
    const err = await rpcErr(client.fileRead(p));
    expect(err.code).toBe('HERO_PATH_REFUSED');
    expect(err.message).not.toContain('TOP SECRET');
  });

  it.each(bad)('file.write refuses %s and changes nothing outside', async (_, p) => {
    const { client, outside } = await startCode();
    expect((await rpcErr(client.fileWrite(p, 'pwned'))).code).toBe('HERO_PATH_REFUSED');
    expect(await fs.readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe('TOP SECRET\n');
    expect(await fs.readdir(outside)).toEqual(['secret.txt']);
  });

  it('file.write never creates files or directories through a symlink out of the root', async () => {
    const { client, outside, root } = await startCode();
    for (const p of ['alpha/dir-out/new.txt', 'alpha/dir-out/sub/new.txt']) {
      expect((await rpcErr(client.fileWrite(p, 'pwned'))).code).toBe('HERO_PATH_REFUSED');
    }
    expect(await fs.readdir(outside)).toEqual(['secret.txt']);
    await fs.symlink(path.join(outside, 'planted.txt'), path.join(root, 'alpha', 'dangling'));
    expect((await rpcErr(client.fileWrite('alpha/dangling', 'pwned'))).code).toBe('HERO_PATH_REFUSED');
    expect(await fs.readdir(outside)).toEqual(['secret.txt']);
  });

  it.each(bad)('repo.tree refuses %s', async (_, p) => {
    const { client } = await startCode();
    const dir = p.replace(/\/secret\.txt$/, '');
    expect((await rpcErr(client.repoTree({ path: dir }))).code).toBe('HERO_PATH_REFUSED');
    expect((await rpcErr(client.repoTree({ repo: dir }))).code).toBe('HERO_PATH_REFUSED');
  });

  it.each(bad)('file.search refuses %s', async (_, p) => {
    const { client } = await startCode();
    expect((await rpcErr(client.fileSearch('SECRET', { path: p }))).code).toBe('HERO_PATH_REFUSED');
    expect((await rpcErr(client.fileSearch('SECRET', { repo: p }))).code).toBe('HERO_PATH_REFUSED');
  });
});

describe('special files and limits', () => {
  it('lists and searches through a symlinked directory inside the root under the name used', async () => {
    const { client, root } = await startCode();
    await fs.symlink('alpha/src', path.join(root, 'alias'));
    const t = await client.repoTree({ path: 'alias' });
    expect(t.entries.map((e) => e.path)).toEqual(['alias/deep', 'alias/a.ts', 'alias/b.md']);
    const s = await client.fileSearch('needle', { path: 'alias' });
    expect(s.matches.map((m) => m.path)).toEqual(['alias/deep/c.ts', 'alias/a.ts']);
    expect((await client.fileRead('alias/a.ts')).path).toBe('alias/a.ts');
  });

  it('refuses FIFOs without blocking and skips them in searches', async () => {
    const { client, root } = await startCode();
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [path.join(root, 'alpha', 'src', 'pipe')]);
    expect((await rpcErr(client.fileRead('alpha/src/pipe'))).code).toBe('HERO_PATH_REFUSED');
    expect((await rpcErr(client.fileWrite('alpha/src/pipe', 'x'))).code).toBe('HERO_PATH_REFUSED');
    expect((await client.fileSearch('needle', { path: 'alpha/src' })).matches).toHaveLength(2);
    expect((await rpcErr(client.fileSearch('needle', { path: 'alpha/src/pipe' }))).code).toBe('HERO_PATH_REFUSED');
    await client.contextSet({ name: 'p', paths: ['alpha/src/pipe'] });
    expect((await client.contextRender('p')).skipped).toEqual([{ path: 'alpha/src/pipe', reason: 'not_a_file' }]);
    const tree = await client.repoTree({ path: 'alpha/src' });
    expect(tree.entries.find((e) => e.name === 'pipe')!.type).toBe('other');
  });

  it('caps reads and writes with HERO_TOO_LARGE', async () => {
    const { client } = await startCode({ read_max_bytes: 30 });
    const err = await rpcErr(client.fileRead('alpha/src/a.ts'));
    expect(err.code).toBe('HERO_TOO_LARGE');
    expect(err.message).toContain('limit is 30');
    expect((await rpcErr(client.fileWrite('alpha/big.txt', 'x'.repeat(31)))).code).toBe('HERO_TOO_LARGE');
    expect((await client.fileRead('alpha/README.md')).size).toBe(27);
  });
});
