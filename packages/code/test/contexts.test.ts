import { describe, expect, it } from 'vitest';
import { RpcError } from '@hero/core';
import { startCode } from './helpers.js';

async function rpcErr(p: Promise<unknown>): Promise<RpcError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(RpcError);
  return err as RpcError;
}

describe('contexts', () => {
  it('renders exactly the selected files: named files plus filtered directory contents', async () => {
    const { client } = await startCode();
    const c = await client.contextSet({ name: 'alpha-ts', paths: ['alpha/src', './alpha/README.md'], extensions: ['ts'] });
    expect(c).toMatchObject({ name: 'alpha-ts', paths: ['alpha/src', 'alpha/README.md'], extensions: ['.ts'], description: '' });
    const r = await client.contextRender('alpha-ts');
    expect(r.files).toEqual([
      { path: 'alpha/src/deep/c.ts', bytes: 27 },
      { path: 'alpha/src/a.ts', bytes: 67 },
      { path: 'alpha/README.md', bytes: 27 },
    ]);
    expect(r.text).toBe(
      '===== alpha/src/deep/c.ts (27 bytes) =====\nexport const c = "needle";\n\n' +
        '===== alpha/src/a.ts (67 bytes) =====\nexport const a = 1;\n// needle here\nexport function findNeedle() {}\n\n' +
        '===== alpha/README.md (27 bytes) =====\n# Alpha\nThe alpha project.\n\n',
    );
    expect(r.total_bytes).toBe(Buffer.byteLength(r.text));
    expect(r.token_estimate).toBe(Math.ceil(r.total_bytes / 4));
    expect(r.skipped).toEqual([]);
    expect(r.text).not.toContain('b.md');
  });

  it('skips binary, missing and escaping files, and never includes what is outside', async () => {
    const { client } = await startCode();
    await client.contextSet({ name: 'mixed', paths: ['alpha/bin.dat', 'alpha/gone.ts', 'alpha/link-out', 'alpha/dir-out', 'alpha/link-in', 'alpha/src/a.ts'] });
    const r = await client.contextRender('mixed');
    expect(r.skipped).toEqual([
      { path: 'alpha/bin.dat', reason: 'binary' },
      { path: 'alpha/gone.ts', reason: 'not_found' },
      { path: 'alpha/link-out', reason: 'refused' },
      { path: 'alpha/dir-out', reason: 'refused' },
    ]);
    // link-in and src/a.ts are the same file: rendered once.
    expect(r.files).toEqual([{ path: 'alpha/link-in', bytes: 67 }]);
    expect(r.text).not.toContain('TOP SECRET');
  });

  it('a directory respects .gitignore; several contexts render in order', async () => {
    const { client } = await startCode();
    await client.contextSet({ name: 'whole', paths: ['alpha'] });
    await client.contextSet({ name: 'beta', paths: ['group/beta/main.py'] });
    const r = await client.contextRender(['beta', 'whole']);
    expect(r.names).toEqual(['beta', 'whole']);
    expect(r.files.map((f) => f.path)).toEqual([
      'group/beta/main.py',
      'alpha/src/deep/c.ts',
      'alpha/src/a.ts',
      'alpha/src/b.md',
      'alpha/.gitignore',
      'alpha/README.md',
    ]);
    expect(r.skipped).toEqual([{ path: 'alpha/bin.dat', reason: 'binary' }]);
  });

  it('fails clearly over the size cap', async () => {
    const { client } = await startCode({ render_max_bytes: 100 });
    await client.contextSet({ name: 'big', paths: ['alpha/src'] });
    const err = await rpcErr(client.contextRender('big'));
    expect(err.code).toBe('HERO_TOO_LARGE');
    expect(err.message).toContain('100-byte cap');
  });

  it('lists, gets, deletes and validates', async () => {
    const { client } = await startCode();
    await client.contextSet({ name: 'b', paths: ['alpha'], description: 'all of alpha' });
    await client.contextSet({ name: 'a', paths: [] });
    expect((await client.contextList()).map((c) => c.name)).toEqual(['a', 'b']);
    expect((await client.contextGet('b')).description).toBe('all of alpha');
    expect(await client.contextDelete('a')).toEqual({ deleted: true });
    expect(await client.contextDelete('a')).toEqual({ deleted: false });
    expect((await rpcErr(client.contextGet('a'))).code).toBe('HERO_NOT_FOUND');
    expect((await rpcErr(client.contextRender('zzz'))).code).toBe('HERO_NOT_FOUND');
    expect((await rpcErr(client.contextSet({ name: '../evil', paths: [] }))).rpcCode).toBe(-32602);
    expect((await rpcErr(client.contextSet({ name: 'x', paths: [], extensions: ['a/b'] }))).rpcCode).toBe(-32602);
    for (const p of ['../outside/secret.txt', '/etc/passwd', 'a\0b']) {
      expect((await rpcErr(client.contextSet({ name: 'bad', paths: ['alpha', p] }))).code).toBe('HERO_PATH_REFUSED');
    }
    expect((await rpcErr(client.contextGet('bad'))).code).toBe('HERO_NOT_FOUND');
  });

  it('persists across restarts', async () => {
    const first = await startCode();
    await first.client.contextSet({ name: 'keep', paths: ['alpha/README.md'] });
    await first.stop();
    const second = await startCode({}, first);
    expect((await second.client.contextRender('keep')).files).toEqual([{ path: 'alpha/README.md', bytes: 27 }]);
  });
});
