import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HeroError } from '@hero/core';
import { configSchema, run } from '../src/index.js';
import { startCode, tempDir } from './helpers.js';

describe('service lifecycle', () => {
  it('publishes OpenRPC for every method, health and heroservice.json', async () => {
    const { client } = await startCode();
    const doc = await client.rpc.call<{ methods: { name: string }[] }>('rpc.discover');
    expect(doc.methods.map((m) => m.name).sort()).toEqual(
      [
        'context.delete',
        'context.get',
        'context.list',
        'context.render',
        'context.set',
        'file.read',
        'file.search',
        'file.write',
        'repo.list',
        'repo.tree',
        'session.cancel',
        'session.create',
        'session.get',
        'session.history',
        'session.list',
        'session.prompt',
      ].sort(),
    );
    expect(await client.rpc.getJson('/health')).toMatchObject({ status: 'ok', service: 'hero_code' });
  });

  it('refuses a second instance on the same sockets and keeps the first serving', async () => {
    const first = await startCode();
    const config = configSchema.parse({ socket_dir: first.socketDir, root: first.root, data_dir: path.join(first.dir, 'data2') });
    const err = await run(config, new AbortController().signal).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(HeroError);
    expect((err as HeroError).code).toBe('HERO_SOCKET_IN_USE');
    expect((await first.client.repoList()).repos).toHaveLength(2);
  });

  it('rejects an unusable root with HERO_CONFIG and leaves no socket behind', async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, 'file'), 'x');
    const config = configSchema.parse({ socket_dir: path.join(dir, 's'), root: path.join(dir, 'file'), data_dir: path.join(dir, 'd') });
    const err = await run(config, new AbortController().signal).then(() => undefined, (e: unknown) => e);
    expect((err as HeroError).code).toBe('HERO_CONFIG');
    expect(await fs.readdir(path.join(dir, 's', 'hero_code')).catch(() => [])).toEqual([]);
  });

  it('creates a missing root, returns at once for an aborted signal and unlinks its sockets on stop', async () => {
    const dir = await tempDir();
    const ac = new AbortController();
    ac.abort();
    const config = configSchema.parse({ socket_dir: path.join(dir, 's'), root: path.join(dir, 'new-root'), data_dir: path.join(dir, 'd') });
    await run(config, ac.signal);
    const s = await startCode({ root: path.join(dir, 'other-root') }, { dir, root: path.join(dir, 'other-root'), outside: dir });
    expect((await s.client.repoList()).repos).toEqual([]);
    expect((await fs.stat(path.join(dir, 'other-root'))).isDirectory()).toBe(true);
    await s.stop();
    expect(await fs.readdir(path.join(s.socketDir, 'hero_code'))).toEqual([]);
  });

  it('rejects unknown config keys', () => {
    expect(configSchema.safeParse({ nope: 1 }).success).toBe(false);
    const d = configSchema.parse({});
    expect(d).toMatchObject({ root: '~/code', data_dir: '~/hero/var/hero_code', agent_command: 'claude -p', proc_socket: '' });
  });
});

describe('damaged data', () => {
  it('skips a corrupt session file, keeps it on disk and serves the others', async () => {
    const first = await startCode();
    const s = await first.client.sessionCreate({ name: 'good' });
    await first.stop();
    const bad = path.join(first.dataDir, 'sessions', 's-broken.json');
    await fs.writeFile(bad, '{ not json');
    const second = await startCode({}, first);
    expect((await second.client.sessionList()).map((x) => x.id)).toEqual([s.id]);
    expect(await fs.readFile(bad, 'utf8')).toBe('{ not json');
  });
});
