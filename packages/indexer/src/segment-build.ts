import type { IndexSchema } from './client.js';
import type { Analyzer } from './analyzer.js';
import { PostingsPool } from './postings-pool.js';
import { MAX_TOKEN_LENGTH, words } from './tokenizer.js';
import type { ValidDoc } from './schema.js';
import type { SegmentReader } from './segment-reader.js';
import type { SegmentSource, SourceField, TermPostings } from './segment-writer.js';

/** The hidden keyword field that maps external ids to doc numbers (upserts, deletes, get). */
export const ID_FIELD = '_id';

/** Postings of a keyword (or id) term while a batch is built. */
interface Acc {
  docs: number[];
  last: number;
}

/** Joins multi-valued text so offsets and positions refer to one string. */
export function textOf(v: unknown): string {
  return Array.isArray(v) ? v.join('\n') : String(v);
}

function sortedTerms(map: Map<string, Acc>): () => Iterable<TermPostings> {
  return function* () {
    const keys = [...map.keys()].sort();
    for (const k of keys) {
      const docs = Uint32Array.from(map.get(k)!.docs);
      yield { term: k, docs, freqs: new Uint32Array(docs.length).fill(1) };
    }
  };
}

/** Analyzes a batch of validated documents into a segment source (inverted in memory). */
export function buildSegment(docs: ValidDoc[], schema: IndexSchema, analyzer: Analyzer): SegmentSource {
  const n = docs.length;
  const fields: SourceField[] = [];
  const idMap = new Map<string, Acc>();
  docs.forEach((d, i) => idMap.set(d.id, { docs: [i], last: i }));
  fields.push({ name: ID_FIELD, type: 'id', terms: sortedTerms(idMap) });

  for (const [name, def] of Object.entries(schema.fields)) {
    if (!def.indexed) continue;
    if (def.type === 'text') {
      const pool = new PostingsPool();
      // raw token → term id (-1: stopword), one lookup per token
      const byToken = new Map<string, number>();
      const norms = new Uint32Array(n);
      let sum = 0;
      for (let d = 0; d < n; d++) {
        const v = docs[d]!.values.get(name);
        if (v === undefined) continue;
        let len = 0;
        pool.startDoc(d);
        const toks = words(textOf(v));
        for (let position = 0; position < toks.length; position++) {
          const tok = toks[position]!;
          let t = byToken.get(tok);
          if (t === undefined) {
            const term = tok.length > MAX_TOKEN_LENGTH ? undefined : analyzer.term(tok);
            t = term === undefined ? -1 : pool.id(term);
            byToken.set(tok, t);
          }
          if (t < 0) continue;
          len++;
          pool.add(t, position);
        }
        norms[d] = len;
        sum += len;
      }
      fields.push({ name, type: 'text', norms, sumLength: sum, terms: () => pool.sorted() });
    } else if (def.type === 'keyword') {
      const map = new Map<string, Acc>();
      const column: (string | string[] | null)[] = new Array(n).fill(null);
      for (let d = 0; d < n; d++) {
        const v = docs[d]!.values.get(name) as string | string[] | undefined;
        if (v === undefined) continue;
        column[d] = v;
        for (const term of Array.isArray(v) ? new Set(v) : [v]) {
          const a = map.get(term);
          if (a === undefined) map.set(term, { docs: [d], last: d });
          else if (a.last !== d) {
            a.docs.push(d);
            a.last = d;
          }
        }
      }
      fields.push({ name, type: 'keyword', column, terms: sortedTerms(map) });
    } else if (def.type === 'numeric' || def.type === 'date') {
      const column = new Float64Array(n).fill(NaN);
      for (let d = 0; d < n; d++) {
        const v = docs[d]!.values.get(name);
        if (v !== undefined) column[d] = v as number;
      }
      fields.push({ name, type: def.type, column });
    } else {
      const column = new Uint8Array(n).fill(2);
      for (let d = 0; d < n; d++) {
        const v = docs[d]!.values.get(name);
        if (v !== undefined) column[d] = v ? 1 : 0;
      }
      fields.push({ name, type: 'bool', column });
    }
  }
  return {
    docCount: n,
    ids: docs.map((d) => d.id),
    stored: (i) => docs[i]!.stored,
    fields,
  };
}

/** A segment plus its deletion bitset. */
export interface LiveSegment {
  reader: SegmentReader;
  deleted: Uint8Array;
}

export function isDeleted(bits: Uint8Array, doc: number): boolean {
  return (bits[doc >> 3]! & (1 << (doc & 7))) !== 0;
}

/**
 * The live documents of several segments as one source, merged at the postings level (no
 * re-analysis): doc numbers are remapped and deleted docs dropped.
 */
export function mergeSource(parts: LiveSegment[], schema: IndexSchema): SegmentSource {
  const maps: Int32Array[] = [];
  const ids: string[] = [];
  const origin: [number, number][] = [];
  let next = 0;
  parts.forEach((p, pi) => {
    const m = new Int32Array(p.reader.docCount).fill(-1);
    for (let d = 0; d < p.reader.docCount; d++) {
      if (isDeleted(p.deleted, d)) continue;
      m[d] = next++;
      ids.push(p.reader.idOf(d));
      origin.push([pi, d]);
    }
    maps.push(m);
  });
  const n = next;

  // a k-way merge of the parts' sorted dictionaries: one term in memory at a time
  const termsOf = (field: string, withPositions: boolean) =>
    function* (): Iterable<TermPostings> {
      const iters = parts.map((p) => p.reader.terms(field));
      const heads = iters.map((it) => it.next());
      for (;;) {
        let term: string | undefined;
        for (const h of heads) if (!h.done && (term === undefined || h.value.term < term)) term = h.value.term;
        if (term === undefined) return;
        const docs: number[] = [];
        const freqs: number[] = [];
        const pos: number[] = [];
        heads.forEach((h, pi) => {
          if (h.done || h.value.term !== term) return;
          const info = h.value;
          heads[pi] = iters[pi]!.next();
          const p = parts[pi]!;
          const post = p.reader.postings(field, info);
          const positions = withPositions ? p.reader.positions(field, info) : undefined;
          let po = 0;
          for (let k = 0; k < post.docs.length; k++) {
            const f = post.freqs[k]!;
            const nd = maps[pi]![post.docs[k]!]!;
            if (nd >= 0) {
              docs.push(nd);
              freqs.push(f);
              if (positions) for (let j = 0; j < f; j++) pos.push(positions[po + j]!);
            }
            po += f;
          }
        });
        if (docs.length === 0) continue;
        const t: TermPostings = { term, docs: Uint32Array.from(docs), freqs: Uint32Array.from(freqs) };
        if (withPositions) t.positions = Uint32Array.from(pos);
        yield t;
      }
    };

  const fields: SourceField[] = [{ name: ID_FIELD, type: 'id', terms: termsOf(ID_FIELD, false) }];
  for (const [name, def] of Object.entries(schema.fields)) {
    if (!def.indexed) continue;
    if (def.type === 'text') {
      const norms = new Uint32Array(n);
      let sum = 0;
      origin.forEach(([pi, d], i) => {
        const v = parts[pi]!.reader.norms(name)?.[d] ?? 0;
        norms[i] = v;
        sum += v;
      });
      fields.push({ name, type: 'text', norms, sumLength: sum, terms: termsOf(name, true) });
      continue;
    }
    const cols = parts.map((p) => p.reader.column(name));
    let column;
    if (def.type === 'keyword') column = origin.map(([pi, d]) => (cols[pi] as (string | string[] | null)[] | undefined)?.[d] ?? null);
    else if (def.type === 'bool') column = Uint8Array.from(origin, ([pi, d]) => (cols[pi] as Uint8Array | undefined)?.[d] ?? 2);
    else column = Float64Array.from(origin, ([pi, d]) => (cols[pi] as Float64Array | undefined)?.[d] ?? NaN);
    const f: SourceField = { name, type: def.type, column };
    if (def.type === 'keyword') f.terms = termsOf(name, false);
    fields.push(f);
  }
  return {
    docCount: n,
    ids,
    stored: (i) => {
      const [pi, d] = origin[i]!;
      return parts[pi]!.reader.storedRaw(d);
    },
    fields,
  };
}
