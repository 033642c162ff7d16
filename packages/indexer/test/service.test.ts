import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { RpcError, type ReadyInfo } from '@hero/core';
import { IndexerClient } from '../src/client.js';
import { configSchema, run } from '../src/index.js';
import { BOOKS, BOOK_SCHEMA, tempDir } from './helpers.js';

async function start(dir?: string, extra: Record<string, unknown> = {}) {
  dir ??= await tempDir();
  const config = configSchema.parse({ socket_dir: path.join(dir, 's'), data_dir: path.join(dir, 'data'), max_doc_bytes: 65536, ...extra });
  const ac = new AbortController();
  let ready!: (i: ReadyInfo) => void;
  const readyP = new Promise<ReadyInfo>((r) => (ready = r));
  const done = run(config, ac.signal, { onReady: ready });
  const info = await Promise.race([readyP, done.then(() => Promise.reject(new Error('run ended early')))]);
  const client = new IndexerClient(info.sockets.rpc!);
  const stop = async () => {
    await client.close();
    ac.abort();
    await done;
  };
  onTestFinished(() => (ac.signal.aborted ? undefined : stop()));
  return { dir, client, info, stop, config };
}

async function rpcError(p: Promise<unknown>): Promise<RpcError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof RpcError) return err;
    throw err;
  }
  throw new Error('expected an RpcError');
}

describe('hero_indexer service', () => {
  it('serves every method over rpc.sock', async () => {
    const { client, info } = await start();
    expect(info.service).toBe('hero_indexer');
    expect(path.basename(info.sockets.rpc!)).toBe('rpc.sock');
    expect(await client.ping()).toMatchObject({ pong: true });
    const created = await client.create('books', BOOK_SCHEMA);
    expect(created).toMatchObject({ name: 'books', docs: 0, schema: { language: 'english' } });
    // the same schema again is fine
    await client.create('books', BOOK_SCHEMA);
    expect(await client.add('books', BOOKS)).toEqual({ added: 5, pending: 5 });
    expect((await client.search({ db: 'books', query: 'fox' })).total).toBe(0);
    expect(await client.commit('books')).toMatchObject({ docs: 5 });
    const r = await client.search({ db: 'books', query: 'fox', highlight: true, facets: ['genre'], fields: ['title'] });
    expect(r.total).toBe(2);
    expect(r.hits[0]!.doc).toHaveProperty('title');
    expect(r.hits[0]!.highlights!.length).toBeGreaterThan(0);
    expect(r.facets!.genre!.length).toBe(2);
    expect(await client.get('books', 'b4')).toMatchObject({ id: 'b4', title: 'Colour Theory', published: '1999-12-31T00:00:00.000Z' });
    expect(await client.delete('books', ['b4'], true)).toEqual({ deleted: 1, pending: 0 });
    expect((await rpcError(client.get('books', 'b4'))).code).toBe('HERO_NOT_FOUND');
    expect(await client.list()).toEqual([{ name: 'books', docs: 4, segments: 1, language: 'english', open: true }]);
    expect(await client.info('books')).toMatchObject({ docs: 4, deleted: 1, generation: 2 });
    expect(await client.closeDb('books')).toEqual({ closed: true });
    expect((await client.list())[0]!.open).toBe(false);
    // used again: reopened on demand
    expect((await client.search({ db: 'books', query: 'dog' })).total).toBe(2);
    const stats = await client.stats();
    expect(stats).toMatchObject({ dbs: 1, open_dbs: 1 });
    expect(stats.cache.used_bytes).toBeGreaterThan(0);
    expect(await client.deleteDb('books')).toEqual({ deleted: true });
    expect(await client.list()).toEqual([]);
    expect((await rpcError(client.info('books'))).code).toBe('HERO_NOT_FOUND');
    const doc = (await client.rpc.getJson('/openrpc.json')) as { methods: { name: string }[] };
    expect(doc.methods.map((m) => m.name).sort()).toEqual(
      ['db.close', 'db.commit', 'db.create', 'db.delete', 'db.info', 'db.list', 'doc.add', 'doc.delete', 'doc.get', 'search.query', 'server.ping', 'server.stats'],
    );
  });

  it('answers bad input with clear errors and loses nothing', async () => {
    const { client } = await start();
    await client.create('books', BOOK_SCHEMA);
    await client.add('books', BOOKS, true);
    const syntax = await rpcError(client.search({ db: 'books', query: 'title:(fox OR' }));
    expect(syntax.code).toBe('HERO_QUERY_SYNTAX');
    expect(syntax.rpcCode).toBe(-32602);
    expect(syntax.message).toMatch(/after OR at position 11/);
    expect(syntax.data).toMatchObject({ position: 11 });
    expect((await rpcError(client.search({ db: 'books', query: 'author:x' }))).message).toMatch(/unknown field "author"/);
    expect((await rpcError(client.search({ db: 'books', query: 'price:cheap' }))).message).toMatch(/is numeric/);
    expect((await rpcError(client.add('books', [{ id: 'z', year: '1990' }]))).message).toMatch(/field "year" expects a finite number/);
    const big = await rpcError(client.add('books', [{ id: 'z', body: 'y'.repeat(70_000) }]));
    expect(big.code).toBe('HERO_TOO_LARGE');
    // a schema change that would make the existing index unreadable is refused
    const conflict = await rpcError(client.create('books', { fields: { title: { type: 'keyword' } } }));
    expect(conflict.code).toBe('HERO_CONFLICT');
    expect((await rpcError(client.create('bad', { fields: { t: { type: 'text' } }, language: 'klingon' }))).message).toMatch(/unknown language/);
    expect((await rpcError(client.create('bad', { fields: { id: { type: 'text' } } }))).message).toMatch(/document id/);
    expect((await rpcError(client.create('bad', { fields: {} }))).message).toMatch(/at least one field/);
    expect((await rpcError(client.create('../escape', { fields: { t: { type: 'text' } } }))).message).toMatch(/invalid index name/);
    expect((await rpcError(client.search({ db: 'nope', query: 'x' }))).code).toBe('HERO_NOT_FOUND');
    expect((await rpcError(client.rpc.call('doc.add', { db: 'books', docs: 'nope' }))).rpcCode).toBe(-32602);
    expect(await client.info('books')).toMatchObject({ docs: 5, pending: 0 });
  });

  it('reopens committed indexes on start, commits pending ones on stop', async () => {
    const first = await start();
    await first.client.create('books', BOOK_SCHEMA);
    await first.client.add('books', BOOKS, true);
    await first.client.add('books', [{ id: 'b6', title: 'Pending at shutdown' }]);
    await first.stop();
    expect(fs.existsSync(first.info.sockets.rpc!)).toBe(false);
    const second = await start(first.dir);
    expect(await second.client.list()).toEqual([{ name: 'books', docs: 6, segments: 2, language: 'english', open: true }]);
    expect((await second.client.search({ db: 'books', query: 'pending' })).hits[0]!.id).toBe('b6');
  });

  it('starts with a damaged index reported, and serves the others', async () => {
    const first = await start();
    await first.client.create('good', BOOK_SCHEMA);
    await first.client.create('bad', BOOK_SCHEMA);
    await first.client.add('good', BOOKS, true);
    await first.client.add('bad', BOOKS, true);
    await first.stop();
    const segDir = path.join(first.dir, 'data', 'bad');
    const seg = fs.readdirSync(segDir).find((f) => f.endsWith('.seg'))!;
    fs.truncateSync(path.join(segDir, seg), 100);
    const second = await start(first.dir);
    expect((await second.client.search({ db: 'good', query: 'fox' })).total).toBe(2);
    const err = await rpcError(second.client.info('bad'));
    expect(err.code).toBe('HERO_CORRUPT');
    expect(err.message).toMatch(/damaged/);
    // a damaged index can be deleted and created again
    await second.client.deleteDb('bad');
    await second.client.create('bad', BOOK_SCHEMA);
  });

  it('rejects a data dir it cannot use', async () => {
    const dir = await tempDir();
    fs.writeFileSync(path.join(dir, 'file'), 'x');
    const config = configSchema.parse({ socket_dir: path.join(dir, 's'), data_dir: path.join(dir, 'file') });
    await expect(run(config, new AbortController().signal)).rejects.toMatchObject({ code: 'HERO_UNAVAILABLE' });
    expect(fs.existsSync(path.join(dir, 's', 'hero_indexer', 'rpc.sock'))).toBe(false);
  });

  it('refuses unknown config keys and a second instance on the same socket', async () => {
    expect(() => configSchema.parse({ nope: 1 })).toThrow();
    const a = await start();
    const again = run(a.config, new AbortController().signal);
    await expect(again).rejects.toMatchObject({ code: 'HERO_SOCKET_IN_USE' });
  });
});
