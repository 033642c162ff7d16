import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { bm25, idf } from '../src/bm25.js';
import { checkSchema } from '../src/schema.js';
import { LruCache } from '../src/lru-cache.js';
import { SearchIndex } from '../src/search-index.js';
import { BOOKS, BOOK_SCHEMA, indexOptions, tempDir } from './helpers.js';

async function books(opts = indexOptions()) {
  const dir = path.join(await tempDir(), 'books');
  const idx = SearchIndex.create('books', dir, checkSchema(BOOK_SCHEMA, 'english'), opts);
  idx.add(BOOKS);
  idx.commit();
  return { idx, dir, opts };
}

const ids = (r: { hits: { id: string }[] }) => r.hits.map((h) => h.id);

describe('SearchIndex queries', () => {
  it('ranks by BM25 with field boosts (hand-checked order)', async () => {
    const { idx } = await books();
    // b1: fox in title (boosted) and body; b5: "foxes"/"fox" in title and body; no other doc has fox
    const r = idx.search({ query: 'fox' });
    expect(r.total).toBe(2);
    expect(new Set(ids(r))).toEqual(new Set(['b1', 'b5']));
    // "dog": b2 has it in the title and three times in the body, b1 once in the body
    expect(ids(idx.search({ query: 'dog' }))).toEqual(['b2', 'b1']);
    // a title match beats a body-only match of the same word
    expect(ids(idx.search({ query: 'brown' }))[0]).toBe('b1');
  });

  it('scores exactly as BM25 with coordination on a hand-checked corpus', async () => {
    const dir = path.join(await tempDir(), 'tiny');
    const idx = SearchIndex.create('tiny', dir, checkSchema({ fields: { body: { type: 'text' } }, language: 'none' }, 'english'), indexOptions());
    idx.add([
      { id: 'd1', body: 'apple banana' },
      { id: 'd2', body: 'apple apple cherry' },
      { id: 'd3', body: 'banana cherry cherry cherry' },
    ]);
    idx.commit();
    // N = 3, avgdl = 3; apple: df 2, cherry: df 2
    const w = idf(3, 2);
    const r4 = (x: number) => Math.round(x * 10000) / 10000;
    const apple = idx.search({ query: 'apple' }).hits.map((h) => [h.id, h.score]);
    expect(apple).toEqual([['d2', r4(bm25(2, 3, 3, w))], ['d1', r4(bm25(1, 2, 3, w))]]);
    // an optional clause scales by the share of clauses matched: d2 has both words
    const both = idx.search({ query: 'apple cherry' }).hits.map((h) => [h.id, h.score]);
    expect(both).toEqual([
      ['d2', r4(bm25(2, 3, 3, w) + bm25(1, 3, 3, w))],
      ['d3', r4(bm25(3, 4, 3, w) / 2)],
      ['d1', r4(bm25(1, 2, 3, w) / 2)],
    ]);
    idx.close();
  });

  it('term, phrase, boolean, field, prefix, fuzzy and range queries', async () => {
    const { idx } = await books();
    expect(ids(idx.search({ query: '"brown fox"' })).sort()).toEqual(['b1', 'b5']);
    expect(ids(idx.search({ query: '"fox brown"' }))).toEqual([]);
    expect(ids(idx.search({ query: '"quick fox"~1' }))).toEqual(['b1']);
    expect(ids(idx.search({ query: 'fox AND lazy' }))).toEqual(['b1']);
    expect(ids(idx.search({ query: 'fox -lazy' }))).toEqual(['b5']);
    expect(ids(idx.search({ query: '+dog +home' }))).toEqual(['b2']);
    expect(ids(idx.search({ query: 'fox NOT arctic' }))).toEqual(['b1']);
    expect(ids(idx.search({ query: 'title:dog' }))).toEqual(['b2']);
    expect(ids(idx.search({ query: 'genre:science' })).sort()).toEqual(['b3', 'b5']);
    expect(ids(idx.search({ query: 'sear*' }))).toEqual(['b3']);
    expect(ids(idx.search({ query: 'colr~1' }))).toEqual(['b4']);
    expect(ids(idx.search({ query: 'year:[2000 TO 2010]' })).sort()).toEqual(['b2', 'b3']);
    expect(ids(idx.search({ query: 'year:{2005 TO *]' })).sort()).toEqual(['b3', 'b5']);
    expect(ids(idx.search({ query: 'published:[2010-01-01 TO *]' })).sort()).toEqual(['b3', 'b5']);
    expect(ids(idx.search({ query: 'published:1999-12-31' }))).toEqual(['b4']);
    expect(ids(idx.search({ query: 'in_print:false' }))).toEqual(['b2']);
    expect(ids(idx.search({ query: '(fox OR colour) AND genre:science' }))).toEqual(['b5']);
    expect(idx.search({ query: '*' }).total).toBe(5);
    expect(idx.search({ query: '-animals' }).total).toBe(5);
    expect(ids(idx.search({ query: '-tags:animals' })).sort()).toEqual(['b3', 'b4']);
  });

  it('counts and ranks phrases in a document that repeats them many times', async () => {
    const dir = path.join(await tempDir(), 'repeat');
    const limits = { ...indexOptions().limits, maxQueryLength: 20_000 };
    const idx = SearchIndex.create('repeat', dir, checkSchema({ fields: { body: { type: 'text' } }, language: 'none' }, 'english'), indexOptions({ maxDocBytes: 1 << 20, limits }));
    const n = 60_000;
    idx.add([
      { id: 'many', body: 'na ba '.repeat(n) },
      { id: 'once', body: 'zz '.repeat(100) + 'na ba' },
      { id: 'gap', body: 'na zz ba '.repeat(n / 10) },
      { id: 'few', body: 'na ba zz '.repeat(3) },
    ]);
    idx.commit();
    // phrase score: BM25 of the phrase frequency for each of its terms
    const avgdl = (2 * n + 102 + (3 * n) / 10 + 9) / 4;
    const w = idf(4, 4);
    const r4 = (x: number) => Math.round(x * 10000) / 10000;
    const phrase = (freq: number, dl: number) => r4(2 * bm25(freq, dl, avgdl, w));
    const hits = (q: string) => idx.search({ query: q }).hits.map((h) => [h.id, h.score]);
    expect(hits('"na ba"')).toEqual([['many', phrase(n, 2 * n)], ['few', phrase(3, 9)], ['once', phrase(1, 102)]]);
    expect(hits('"ba na"')).toEqual([['many', phrase(n - 1, 2 * n)], ['gap', phrase(n / 10 - 1, (3 * n) / 10)]]);
    expect(hits('"na ba"~1')).toEqual([
      ['many', phrase(n, 2 * n)],
      ['gap', phrase(n / 10, (3 * n) / 10)],
      ['few', phrase(3, 9)],
      ['once', phrase(1, 102)],
    ]);
    expect(idx.search({ query: '"na na na"' }).total).toBe(0);
    // a phrase of 32 terms is accepted; one more is refused, pointing at the clause
    expect(idx.search({ query: `"${'na ba '.repeat(16)}"` }).total).toBe(1);
    const err = (() => {
      try {
        idx.search({ query: `zz "${'na '.repeat(33)}"` });
      } catch (e) {
        return e as { code: string; message: string; data?: { position?: number } };
      }
      throw new Error('expected an error');
    })();
    expect(err).toMatchObject({ code: 'HERO_INVALID', data: { position: 3 } });
    expect(err.message).toMatch(/phrase has 33 terms; the limit is 32/);
    idx.close();
  });

  it('stems and drops stopwords per language', async () => {
    const { idx } = await books();
    expect(ids(idx.search({ query: 'searches' }))).toEqual(['b3']);
    expect(idx.search({ query: 'the' }).total).toBe(0);
    const dir = path.join(await tempDir(), 'raw');
    const raw = SearchIndex.create('raw', dir, checkSchema({ fields: { t: { type: 'text' } }, language: 'none' }, 'english'), indexOptions());
    raw.add([{ id: '1', t: 'searching the web' }]);
    raw.commit();
    expect(raw.search({ query: 'search' }).total).toBe(0);
    expect(raw.search({ query: 'the' }).total).toBe(1);
  });

  it('filters, sorts, facets and pages with a total', async () => {
    const { idx } = await books();
    const r = idx.search({ query: '*', filters: { in_print: true, price: { lte: 30 } }, sort: [{ field: 'price', order: 'desc' }], facets: ['genre', 'tags'] });
    expect(ids(r)).toEqual(['b4', 'b5', 'b1']);
    expect(r.facets!.genre).toEqual([{ value: 'art', count: 1 }, { value: 'fable', count: 1 }, { value: 'science', count: 1 }]);
    expect(r.facets!.tags).toEqual([{ value: 'animals', count: 2 }, { value: 'classic', count: 2 }, { value: 'design', count: 1 }]);
    expect(ids(idx.search({ query: '*', filters: { genre: ['fable', 'art'] }, sort: [{ field: 'year' }] }))).toEqual(['b1', 'b4', 'b2']);
    expect(ids(idx.search({ query: '*', filters: { published: { gte: '2005-01-01', lt: '2011-01-01' } }, sort: [{ field: 'published' }] }))).toEqual(['b2', 'b3']);
    const p1 = idx.search({ query: '*', sort: [{ field: 'year' }], limit: 2 });
    const p2 = idx.search({ query: '*', sort: [{ field: 'year' }], limit: 2, offset: 2 });
    expect(p1.total).toBe(5);
    expect([...ids(p1), ...ids(p2)]).toEqual(['b1', 'b4', 'b2', 'b3']);
    expect(ids(idx.search({ query: '*', sort: [{ field: 'genre', order: 'desc' }, { field: 'year', order: 'desc' }] }))).toEqual(['b5', 'b3', 'b2', 'b1', 'b4']);
  });

  it('treats a bare day as the whole day in date values, ranges and filters', async () => {
    const dir = path.join(await tempDir(), 'days');
    const idx = SearchIndex.create('days', dir, checkSchema({ fields: { at: { type: 'date' } } }, 'english'), indexOptions());
    idx.add([
      { id: 'before', at: '2024-06-29T23:59:59.999Z' },
      { id: 'morning', at: '2024-06-30T00:00:00Z' },
      { id: 'evening', at: '2024-06-30T22:15:00Z' },
      { id: 'next', at: '2024-07-01T00:00:00Z' },
    ]);
    idx.commit();
    const q = (query: string, filters?: Record<string, { gt?: string; gte?: string; lt?: string; lte?: string }>) =>
      ids(idx.search({ query, sort: [{ field: 'at' }], ...(filters ? { filters } : {}) }));
    expect(q('at:2024-06-30')).toEqual(['morning', 'evening']);
    expect(q('at:[2024-06-01 TO 2024-06-30]')).toEqual(['before', 'morning', 'evening']);
    expect(q('at:{2024-06-29 TO 2024-07-01}')).toEqual(['morning', 'evening']);
    expect(q('at:[2024-06-30 TO 2024-07-01}')).toEqual(['morning', 'evening']);
    expect(q('*', { at: { lte: '2024-06-30' } })).toEqual(['before', 'morning', 'evening']);
    expect(q('*', { at: { gt: '2024-06-30' } })).toEqual(['next']);
    // a full timestamp is taken as it is
    expect(q('*', { at: { lte: '2024-06-30T00:00:00Z' } })).toEqual(['before', 'morning']);
    idx.close();
  });

  it('returns highlighted snippets with offsets', async () => {
    const { idx } = await books();
    const r = idx.search({ query: 'lazy dogs', highlight: ['body', 'title'], fields: ['title'] });
    const hit = r.hits.find((h) => h.id === 'b2')!;
    expect(hit.doc).toEqual({ id: 'b2', title: 'Lazy Dogs at Home' });
    const body = hit.highlights!.find((h) => h.field === 'body')!;
    const words = body.matches.map(([a, b]) => body.snippet.slice(a, b));
    expect(words).toEqual(['Dogs', 'dog', 'lazy', 'dogs']);
    const original = BOOKS[1]!.body;
    for (const [a, b] of body.matches) expect(original.slice(body.offset + a, body.offset + b)).toBe(body.snippet.slice(a, b));
    const title = hit.highlights!.find((h) => h.field === 'title')!;
    expect(title.matches).toEqual([[0, 4], [5, 9]]);
  });

  it('upsert replaces, delete removes, get reads stored fields', async () => {
    const { idx } = await books();
    idx.add([{ ...BOOKS[0], title: 'The Slow Grey Wolf', body: 'nothing about that animal' }]);
    // not visible before commit
    expect(idx.get('b1').title).toBe('The Quick Brown Fox');
    idx.commit();
    expect(idx.get('b1').title).toBe('The Slow Grey Wolf');
    expect(ids(idx.search({ query: 'wolf' }))).toEqual(['b1']);
    expect(ids(idx.search({ query: 'quick' }))).toEqual([]);
    expect(idx.search({ query: '*' }).total).toBe(5);
    expect(idx.delete(['b3', 'nope'])).toEqual({ deleted: 1, pending: 1 + 2 - 1 + 0 });
    idx.commit();
    expect(() => idx.get('b3')).toThrow(/no document "b3"/);
    expect(idx.search({ query: 'search' }).total).toBe(0);
    expect(idx.info()).toMatchObject({ docs: 4 });
    // add then delete in one batch, and several versions in one batch
    idx.add([{ id: 'x', title: 'one' }]);
    idx.add([{ id: 'x', title: 'two' }]);
    idx.add([{ id: 'y', title: 'gone' }]);
    idx.delete(['y']);
    idx.commit();
    expect(idx.get('x')).toEqual({ id: 'x', title: 'two' });
    expect(() => idx.get('y')).toThrow();
    expect(idx.search({ query: 'one' }).total).toBe(0);
  });

  it('keeps everything committed across a reopen, and nothing uncommitted', async () => {
    const { idx, dir, opts } = await books();
    idx.add([{ id: 'late', title: 'never committed' }]);
    idx.close(false);
    const again = SearchIndex.open('books', dir, opts);
    expect(again.info().docs).toBe(5);
    expect(ids(again.search({ query: 'fox AND lazy' }))).toEqual(['b1']);
    expect(() => again.get('late')).toThrow();
    again.close();
  });

  it('merges segments and drops deleted docs, with flushes past the writer buffer', async () => {
    const dir = path.join(await tempDir(), 'm');
    const opts = indexOptions({ maxSegments: 3, writerBufferBytes: 2000 });
    const idx = SearchIndex.create('m', dir, checkSchema({ fields: { t: { type: 'text' }, n: { type: 'numeric' } } }, 'english'), opts);
    for (let c = 0; c < 6; c++) {
      const docs = Array.from({ length: 40 }, (_, i) => ({ id: `d${c * 40 + i}`, t: `word${i % 7} common batch${c}`, n: c * 40 + i }));
      idx.add(docs);
      if (c % 2 === 1) idx.delete([`d${c * 40}`]);
      idx.commit();
      expect(idx.info().segments).toBeLessThanOrEqual(3);
    }
    expect(idx.info().docs).toBe(237);
    expect(idx.search({ query: 'common' }).total).toBe(237);
    expect(idx.search({ query: 'batch3' }).total).toBe(39);
    expect(ids(idx.search({ query: 'n:[40 TO 41]' }))).toEqual(['d41']);
    expect(idx.search({ query: '"word3 common"' }).total).toBeGreaterThan(0);
    idx.optimize();
    expect(idx.info()).toMatchObject({ segments: 1, deleted: 0, docs: 237 });
    expect(idx.search({ query: 'common' }).total).toBe(237);
    // only files named by the MANIFEST remain
    const files = fs.readdirSync(dir).sort();
    expect(files).toEqual(['MANIFEST', expect.stringMatching(/^seg-\d+\.seg$/)]);
    idx.close();
  });

  it('maps hits to ids across id blocks and merges', async () => {
    const dir = path.join(await tempDir(), 'many');
    const idx = SearchIndex.create('many', dir, checkSchema({ fields: { t: { type: 'text' } } }, 'english'), indexOptions({ maxSegments: 1 }));
    idx.add(Array.from({ length: 2500 }, (_, i) => ({ id: `d${i}`, t: `w${i} shared` })));
    idx.commit();
    idx.add(Array.from({ length: 1500 }, (_, i) => ({ id: `e${i}`, t: `x${i} shared` })));
    idx.commit();
    expect(idx.info().segments).toBe(1);
    for (const [q, id] of [['w0', 'd0'], ['w1024', 'd1024'], ['w2499', 'd2499'], ['x1499', 'e1499']]) {
      expect(ids(idx.search({ query: q!, fields: [] }))).toEqual([id]);
    }
    expect(idx.search({ query: 'shared', limit: 0 }).total).toBe(4000);
    idx.close();
  });

  it('answers the same with a cache far smaller than the index', async () => {
    const big = await books();
    const tiny = await books(indexOptions({ cache: new LruCache(2048) }));
    for (const q of ['fox', '"brown fox"', 'sear*', 'colr~1', 'dog -home', 'year:[2000 TO 2020]']) {
      const a = big.idx.search({ query: q, facets: ['genre'], highlight: true });
      const b = tiny.idx.search({ query: q, facets: ['genre'], highlight: true });
      expect({ ...b, took_ms: 0 }).toEqual({ ...a, took_ms: 0 });
    }
    expect(tiny.opts.cache.usedBytes).toBeLessThanOrEqual(2048);
  });

  it('ignores torn and unreferenced files on open', async () => {
    const { idx, dir, opts } = await books();
    idx.close();
    fs.writeFileSync(path.join(dir, 'seg-000099.seg'), 'HEROSEG1 half written');
    fs.writeFileSync(path.join(dir, 'MANIFEST.tmp'), '{"format":1,"gen');
    const again = SearchIndex.open('books', dir, opts);
    expect(again.info().docs).toBe(5);
    expect(fs.existsSync(path.join(dir, 'seg-000099.seg'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'MANIFEST.tmp'))).toBe(false);
    again.close();
  });

  describe('when writing a segment fails', () => {
    const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

    /** An index with 'old' committed, then a new version of 'old' and a new doc buffered. */
    async function pendingUpsert(over: Parameters<typeof indexOptions>[0] = {}) {
      const dir = path.join(await tempDir(), 'full');
      const opts = indexOptions(over);
      const idx = SearchIndex.create('full', dir, checkSchema({ fields: { body: { type: 'text' } } }, 'english'), opts);
      idx.add([{ id: 'old', body: 'version one' }]);
      idx.commit();
      const committed = fs.readdirSync(dir).sort();
      const failNextWrite = () => {
        const spy = vi.spyOn(fs, 'writeSync').mockImplementationOnce(() => {
          throw enospc();
        });
        onTestFinished(() => spy.mockRestore());
        return spy;
      };
      return { idx, dir, opts, committed, failNextWrite };
    }

    it('a retried commit writes the whole pending batch', async () => {
      const { idx, dir, committed, failNextWrite } = await pendingUpsert();
      idx.add([{ id: 'old', body: 'version two' }, { id: 'new', body: 'fresh' }]);
      const spy = failNextWrite();
      expect(() => idx.commit()).toThrow(/ENOSPC/);
      spy.mockRestore();
      // the partial segment is gone and the last commit still answers
      expect(fs.readdirSync(dir).sort()).toEqual(committed);
      expect(idx.get('old')).toEqual({ id: 'old', body: 'version one' });
      expect(idx.info()).toMatchObject({ docs: 1, pending: 2 });
      expect(idx.commit().docs).toBe(2);
      expect(idx.get('old')).toEqual({ id: 'old', body: 'version two' });
      expect(idx.get('new')).toEqual({ id: 'new', body: 'fresh' });
      expect(idx.search({ query: 'one' }).total).toBe(0);
      idx.close();
    });

    it('a reopen without a retry has the last committed version', async () => {
      const { idx, dir, opts, committed, failNextWrite } = await pendingUpsert();
      idx.add([{ id: 'old', body: 'version two' }, { id: 'new', body: 'fresh' }]);
      failNextWrite();
      expect(() => idx.commit()).toThrow(/ENOSPC/);
      idx.close(false);
      expect(fs.readdirSync(dir).sort()).toEqual(committed);
      const again = SearchIndex.open('full', dir, opts);
      expect(again.info().docs).toBe(1);
      expect(again.get('old')).toEqual({ id: 'old', body: 'version one' });
      expect(() => again.get('new')).toThrow();
      again.close();
    });

    it('an add that fills the buffer keeps its documents buffered for the commit', async () => {
      const { idx, dir, committed, failNextWrite } = await pendingUpsert({ writerBufferBytes: 100 });
      failNextWrite();
      expect(() => idx.add([{ id: 'old', body: 'version two' }, { id: 'new', body: 'fresh' }])).toThrow(/ENOSPC/);
      expect(fs.readdirSync(dir).sort()).toEqual(committed);
      expect(idx.get('old')).toEqual({ id: 'old', body: 'version one' });
      expect(idx.commit().docs).toBe(2);
      expect(idx.get('old')).toEqual({ id: 'old', body: 'version two' });
      expect(idx.get('new')).toEqual({ id: 'new', body: 'fresh' });
      idx.close();
    });
  });

  it('rejects bad documents without losing the batch or earlier data', async () => {
    const { idx } = await books();
    expect(() => idx.add([{ id: 'ok', title: 'fine' }, { id: 'bad', nope: 'x' }])).toThrow(/unknown field "nope"/);
    expect(() => idx.add([{ id: 'bad', year: 'nineteen' }])).toThrow(/field "year" expects a finite number/);
    expect(() => idx.add([{ id: 'bad', published: 'yesterday-ish' }])).toThrow(/ISO-8601/);
    expect(() => idx.add([{ id: 'bad', in_print: 'yes' }])).toThrow(/true or false/);
    expect(() => idx.add([{ title: 'no id' }])).toThrow(/"id"/);
    expect(() => idx.add([{ id: 'big', body: 'x'.repeat(70_000) }])).toThrow(/limit is 65536/);
    expect(idx.info().pending).toBe(0);
    idx.commit();
    expect(idx.info().docs).toBe(5);
    expect(() => idx.get('ok')).toThrow();
  });

  it('reports bad queries with a position, unknown fields and wrong types', async () => {
    const { idx } = await books();
    const err = (q: string, extra = {}) => {
      try {
        idx.search({ query: q, ...extra });
      } catch (e) {
        return e as { code: string; message: string; data?: { position?: number } };
      }
      throw new Error('expected an error');
    };
    expect(err('title:(fox')).toMatchObject({ code: 'HERO_QUERY_SYNTAX', data: { position: 6 } });
    expect(err('"fox').message).toMatch(/unterminated phrase .* at position 0/);
    // nesting deep enough to overflow the stack is refused at the level that crosses the limit
    expect(err('('.repeat(200) + 'fox' + ')'.repeat(200))).toMatchObject({ code: 'HERO_QUERY_SYNTAX', data: { position: 64 } });
    expect(err('fox AND ' + '-'.repeat(500) + 'dog').message).toMatch(/nested more than 64 levels deep at position 72/);
    expect(err('fox AND nope:x')).toMatchObject({ code: 'HERO_INVALID', data: { position: 8, field: 'nope' } });
    expect(err('year:abc').message).toMatch(/field "year" is numeric: "abc" is not a number/);
    expect(err('title:[a TO b]').message).toMatch(/field "title" is text/);
    expect(err('year:19*').message).toMatch(/need a text or keyword field/);
    expect(err('*', { filters: { title: 'x' } }).message).toMatch(/field "title" is text/);
    expect(err('*', { sort: [{ field: 'body' }] }).message).toMatch(/sort needs/);
    expect(err('*', { facets: ['nope'] }).message).toMatch(/unknown field "nope"/);
    expect(err('*', { highlight: ['genre'] }).message).toMatch(/stored text field/);
  });
});
