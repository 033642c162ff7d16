import { HeroError } from '@hero/core';
import type { Analyzer } from './analyzer.js';
import { idf as idfOf, DEFAULT_BM25 } from './bm25.js';
import type { FieldDef, FilterValue, Highlight, IndexSchema, SearchHit, SearchResult, SortSpec } from './client.js';
import { addScores, allDocs, disMax, EMPTY, intersect, minus, unionCoord, unionMany, type Scored } from './doc-set.js';
import { makeSnippet } from './highlight.js';
import { boundedLevenshtein } from './levenshtein.js';
import { phraseFreq } from './phrase-freq.js';
import type { QueryNode } from './query-ast.js';
import { parseQuery, QuerySyntaxError } from './query-parser.js';
import { parseDate, invalid } from './schema.js';
import { isDeleted, textOf, type LiveSegment } from './segment-build.js';

type DocTest = (doc: number) => boolean;

type Plan =
  | { k: 'term'; field: string; term: string; weight: number; idf: number; avgdl: number }
  | { k: 'phrase'; field: string; terms: string[]; rel: number[]; slop: number; weight: number; idfs: number[]; avgdl: number }
  | { k: 'or'; children: Plan[] }
  | { k: 'dismax'; children: Plan[] }
  | { k: 'bool'; must: Plan[]; should: Plan[]; mustNot: Plan[] }
  | { k: 'pred'; test: (seg: LiveSegment) => DocTest | undefined }
  | { k: 'all' };

export interface SearchOptions {
  query: string;
  filters?: Record<string, FilterValue> | undefined;
  sort?: SortSpec[] | undefined;
  facets?: string[] | undefined;
  highlight?: string[] | boolean | undefined;
  fields?: string[] | undefined;
  offset?: number | undefined;
  limit?: number | undefined;
  default_operator?: 'or' | 'and' | undefined;
}

export interface SearchLimits {
  maxExpansions: number;
  maxResultWindow: number;
  maxQueryLength: number;
  facetLimit: number;
  snippetChars: number;
}

const K1 = DEFAULT_BM25.k1;
const B = DEFAULT_BM25.b;
/** Share of the non-best fields' score in a multi-field clause. */
const TIE_BREAKER = 0.3;
/** Most terms in one phrase: each adds a positions list to walk for every candidate doc. */
export const MAX_PHRASE_TERMS = 32;

function queryError(message: string, position: number): HeroError {
  return new HeroError('HERO_QUERY_SYNTAX', `invalid query: ${message} at position ${position}`, {
    rpcCode: -32602,
    data: { position },
  });
}

/** Runs one query over a fixed set of segments (a snapshot of the committed index). */
export class Searcher {
  private readonly totalDocs: number;
  private readonly dfCache = new Map<string, number>();
  readonly highlightTerms = new Map<string, Set<string>>();
  readonly highlightPrefixes = new Map<string, string[]>();
  private readonly defaultFields: string[];

  constructor(
    private readonly schema: IndexSchema,
    private readonly analyzer: Analyzer,
    private readonly segments: LiveSegment[],
    private readonly limits: SearchLimits,
  ) {
    this.totalDocs = segments.reduce((n, s) => n + s.reader.docCount, 0);
    this.defaultFields =
      schema.default_fields ?? Object.entries(schema.fields).filter(([, f]) => f.type === 'text' && f.indexed).map(([n]) => n);
  }

  private df(field: string, term: string): number {
    const key = `${field}\u0000${term}`;
    let v = this.dfCache.get(key);
    if (v === undefined) {
      v = 0;
      for (const s of this.segments) v += s.reader.lookup(field, term)?.df ?? 0;
      this.dfCache.set(key, v);
    }
    return v;
  }

  private avgdl(field: string): number {
    let sum = 0;
    for (const s of this.segments) sum += s.reader.field(field)?.sumLength ?? 0;
    return this.totalDocs ? sum / this.totalDocs : 1;
  }

  private def(field: string, pos: number): FieldDef {
    const def = Object.hasOwn(this.schema.fields, field) ? this.schema.fields[field] : undefined;
    if (!def) throw new HeroError('HERO_INVALID', `unknown field "${field}" at position ${pos}`, { rpcCode: -32602, data: { position: pos, field } });
    if (!def.indexed) throw new HeroError('HERO_INVALID', `field "${field}" is not indexed (position ${pos})`, { rpcCode: -32602, data: { position: pos, field } });
    return def;
  }

  private noteHighlight(field: string, term: string): void {
    let s = this.highlightTerms.get(field);
    if (!s) this.highlightTerms.set(field, (s = new Set()));
    s.add(term);
  }

  /** A term or phrase on one text field from free text (analyzed). */
  private textPlan(field: string, text: string, boost: number, slop: number, collect: boolean, pos: number): Plan | null {
    const toks = this.analyzer.analyze(text);
    if (toks.length === 0) return null;
    if (toks.length > MAX_PHRASE_TERMS) {
      throw invalid(`phrase has ${toks.length} terms; the limit is ${MAX_PHRASE_TERMS} (position ${pos})`, { position: pos, field });
    }
    const weight = boost * this.schema.fields[field]!.boost;
    const avgdl = this.avgdl(field);
    if (collect) for (const t of toks) this.noteHighlight(field, t.term);
    if (toks.length === 1) {
      const term = toks[0]!.term;
      return { k: 'term', field, term, weight, idf: idfOf(this.totalDocs, this.df(field, term)), avgdl };
    }
    const terms = toks.map((t) => t.term);
    return {
      k: 'phrase',
      field,
      terms,
      rel: toks.map((t) => t.position - toks[0]!.position),
      slop,
      weight,
      idfs: terms.map((t) => idfOf(this.totalDocs, this.df(field, t))),
      avgdl,
    };
  }

  private fieldsFor(node: { field?: string; pos: number }): string[] {
    return node.field === undefined ? this.defaultFields : [node.field];
  }

  /** One clause searched in several fields: the best field scores, the others break ties. */
  private anyField(plans: (Plan | null)[]): Plan | null {
    const ok = plans.filter((p): p is Plan => p !== null);
    if (ok.length === 0) return null;
    return ok.length === 1 ? ok[0]! : { k: 'dismax', children: ok };
  }

  /** Turns the parsed query into an executable plan, checking fields and types. */
  plan(node: QueryNode, collect = true): Plan | null {
    switch (node.type) {
      case 'all':
        return { k: 'all' };
      case 'bool': {
        const must = node.must.map((n) => this.plan(n, collect)).filter((p): p is Plan => p !== null);
        const should = node.should.map((n) => this.plan(n, collect)).filter((p): p is Plan => p !== null);
        const mustNot = node.mustNot.map((n) => this.plan(n, false)).filter((p): p is Plan => p !== null);
        if (must.length === 0 && should.length === 0 && mustNot.length === 0) return null;
        return { k: 'bool', must, should, mustNot };
      }
      case 'term':
      case 'phrase': {
        const slop = node.type === 'phrase' ? node.slop : 0;
        return this.anyField(
          this.fieldsFor(node).map((field) => {
            const def = this.def(field, node.pos);
            switch (def.type) {
              case 'text':
                return this.textPlan(field, node.text, node.boost, slop, collect, node.pos);
              case 'keyword':
                return this.keywordPlan(field, node.text, node.boost);
              default:
                return this.predPlan(field, def, { eq: [node.text] }, node.pos);
            }
          }),
        );
      }
      case 'prefix':
        return this.anyField(this.fieldsFor(node).map((field) => this.expandPlan(field, node.pos, node.boost, collect, { prefix: node.prefix })));
      case 'fuzzy':
        return this.anyField(
          this.fieldsFor(node).map((field) => this.expandPlan(field, node.pos, node.boost, collect, { fuzzy: node.text, distance: node.distance })),
        );
      case 'range': {
        const def = this.def(node.field, node.pos);
        const r: RangeSpec = {};
        if (node.from !== null) r[node.includeFrom ? 'gte' : 'gt'] = node.from;
        if (node.to !== null) r[node.includeTo ? 'lte' : 'lt'] = node.to;
        return this.predPlan(node.field, def, { range: r }, node.pos);
      }
    }
  }

  private keywordPlan(field: string, value: string, boost: number): Plan {
    const weight = boost * this.schema.fields[field]!.boost;
    return { k: 'term', field, term: value, weight, idf: idfOf(this.totalDocs, this.df(field, value)), avgdl: 1 };
  }

  /** Prefix or fuzzy: the matching dictionary terms (at most maxExpansions) ORed. */
  private expandPlan(
    field: string,
    pos: number,
    boost: number,
    collect: boolean,
    how: { prefix: string } | { fuzzy: string; distance: number },
  ): Plan | null {
    const def = this.def(field, pos);
    if (def.type !== 'text' && def.type !== 'keyword') {
      throw invalid(`prefix and fuzzy queries need a text or keyword field; "${field}" is ${def.type} (position ${pos})`, { position: pos, field });
    }
    const text = def.type === 'text';
    const found = new Map<string, number>(); // term → edit distance
    if ('prefix' in how) {
      const p = text ? how.prefix.toLowerCase() : how.prefix;
      if (collect && text) {
        const list = this.highlightPrefixes.get(field) ?? [];
        list.push(p);
        this.highlightPrefixes.set(field, list);
      }
      outer: for (const s of this.segments) {
        for (const t of s.reader.terms(field, p)) {
          if (!t.term.startsWith(p)) break;
          found.set(t.term, 0);
          if (found.size >= this.limits.maxExpansions) break outer;
        }
      }
      // stems of a word can be shorter than the word itself ("running" → "run")
      if (text) {
        const stem = this.analyzer.term(p);
        if (stem && stem !== p && this.df(field, stem) > 0) found.set(stem, 0);
      }
    } else {
      const target = text ? (this.analyzer.term(how.fuzzy.toLowerCase()) ?? how.fuzzy.toLowerCase()) : how.fuzzy;
      for (const s of this.segments) {
        for (const t of s.reader.terms(field)) {
          if (found.has(t.term)) continue;
          const d = boundedLevenshtein(target, t.term, how.distance);
          if (d <= how.distance) found.set(t.term, d);
        }
      }
      if (found.size > this.limits.maxExpansions) {
        const keep = [...found].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).slice(0, this.limits.maxExpansions);
        found.clear();
        for (const [t, d] of keep) found.set(t, d);
      }
    }
    const weight = boost * def.boost;
    const avgdl = text ? this.avgdl(field) : 1;
    const children: Plan[] = [];
    for (const [term, d] of found) {
      if (collect && text) this.noteHighlight(field, term);
      children.push({ k: 'term', field, term, weight: weight / (1 + d), idf: idfOf(this.totalDocs, this.df(field, term)), avgdl });
    }
    if (children.length === 0) return { k: 'or', children: [] };
    return children.length === 1 ? children[0]! : { k: 'or', children };
  }

  /** A column predicate for keyword/numeric/date/bool fields (query `field:v`, ranges, filters). */
  predPlan(field: string, def: FieldDef, spec: { eq: unknown[] } | { range: RangeSpec }, pos?: number): Plan {
    const at = pos === undefined ? '' : ` (position ${pos})`;
    const bad = (v: unknown, what: string) =>
      invalid(`field "${field}" is ${def.type}: ${JSON.stringify(v)} is not ${what}${at}`, { field, ...(pos === undefined ? {} : { position: pos }) });
    if (def.type === 'text') throw invalid(`field "${field}" is text: ranges and filters need a keyword, numeric, date or bool field${at}`, { field });
    if (def.type === 'bool') {
      if (!('eq' in spec)) throw invalid(`field "${field}" is bool: ranges are not supported${at}`, { field });
      const want = new Set<number>(
        spec.eq.map((v): number => {
          if (v === true || v === 'true') return 1;
          if (v === false || v === 'false') return 0;
          throw bad(v, 'true or false');
        }),
      );
      return { k: 'pred', test: (s) => colTest(s.reader.column(field), (c) => (d) => want.has((c as Uint8Array)[d]!)) };
    }
    if (def.type === 'keyword') {
      if ('eq' in spec) {
        const want = new Set(spec.eq.map((v) => String(v)));
        return {
          k: 'pred',
          test: (s) =>
            colTest(s.reader.column(field), (c) => (d) => {
              const v = (c as (string | string[] | null)[])[d];
              if (v === null || v === undefined) return false;
              return Array.isArray(v) ? v.some((x) => want.has(x)) : want.has(v);
            }),
        };
      }
      const r = spec.range;
      const inRange = (x: string) =>
        (r.gt === undefined || x > String(r.gt)) &&
        (r.gte === undefined || x >= String(r.gte)) &&
        (r.lt === undefined || x < String(r.lt)) &&
        (r.lte === undefined || x <= String(r.lte));
      return {
        k: 'pred',
        test: (s) =>
          colTest(s.reader.column(field), (c) => (d) => {
            const v = (c as (string | string[] | null)[])[d];
            if (v === null || v === undefined) return false;
            return Array.isArray(v) ? v.some(inRange) : inRange(v);
          }),
      };
    }
    const isDate = def.type === 'date';
    const num = (v: unknown): number => {
      if (isDate) {
        const t = parseDate(v);
        if (t === undefined) throw bad(v, 'a date (ISO-8601 or epoch milliseconds)');
        return t;
      }
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (!Number.isFinite(n)) throw bad(v, 'a number');
      return n;
    };
    // a bare day (2024-05-01) stands for the whole day: as a value, and as an upper bound of
    // lte / lower bound of gt (so [2024-01-01 TO 2024-06-30] includes all of June 30)
    const isDay = (v: unknown) => isDate && typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);
    const endOfDay = (v: unknown) => num(v) + 86_400_000 - 1;
    if ('eq' in spec) {
      const ranges = spec.eq.map((v): [number, number] => {
        const n = num(v);
        return [n, isDay(v) ? endOfDay(v) : n];
      });
      return {
        k: 'pred',
        test: (s) =>
          colTest(s.reader.column(field), (c) => (d) => {
            const x = (c as Float64Array)[d]!;
            for (const [lo, hi] of ranges) if (x >= lo && x <= hi) return true;
            return false;
          }),
      };
    }
    const r = spec.range;
    const gt = r.gt === undefined ? -Infinity : isDay(r.gt) ? endOfDay(r.gt) : num(r.gt);
    const gte = r.gte === undefined ? -Infinity : num(r.gte);
    const lt = r.lt === undefined ? Infinity : num(r.lt);
    const lte = r.lte === undefined ? Infinity : isDay(r.lte) ? endOfDay(r.lte) : num(r.lte);
    return {
      k: 'pred',
      test: (s) =>
        colTest(s.reader.column(field), (c) => (d) => {
          const x = (c as Float64Array)[d]!;
          return x > gt && x >= gte && x < lt && x <= lte;
        }),
    };
  }

  private filterPlans(filters: Record<string, FilterValue>): Plan[] {
    return Object.entries(filters).map(([field, v]) => {
      const def = Object.hasOwn(this.schema.fields, field) ? this.schema.fields[field] : undefined;
      if (!def) throw invalid(`filter on unknown field "${field}"`, { field });
      if (!def.indexed) throw invalid(`filter on field "${field}", which is not indexed`, { field });
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        const keys = Object.keys(v);
        if (keys.length === 0 || keys.some((k) => !['gt', 'gte', 'lt', 'lte'].includes(k))) {
          throw invalid(`filter on "${field}": a range takes gt, gte, lt and lte`, { field });
        }
        return this.predPlan(field, def, { range: v });
      }
      return this.predPlan(field, def, { eq: Array.isArray(v) ? v : [v] });
    });
  }

  // ---- execution ----

  private exec(p: Plan, s: LiveSegment): Scored {
    const n = s.reader.docCount;
    switch (p.k) {
      case 'all':
        return allDocs(n);
      case 'term':
        return this.execTerm(p, s);
      case 'phrase':
        return this.execPhrase(p, s);
      case 'or':
        return unionMany(p.children.map((c) => this.exec(c, s)), n);
      case 'dismax':
        return disMax(p.children.map((c) => this.exec(c, s)), TIE_BREAKER);
      case 'pred': {
        const test = p.test(s);
        if (!test) return EMPTY;
        const docs: number[] = [];
        for (let d = 0; d < n; d++) if (test(d)) docs.push(d);
        return { docs: Uint32Array.from(docs), scores: new Float64Array(docs.length) };
      }
      case 'bool': {
        let out: Scored;
        if (p.must.length) {
          const sets = p.must.map((c) => this.exec(c, s)).sort((a, b) => a.docs.length - b.docs.length);
          out = sets[0]!;
          for (let i = 1; i < sets.length && out.docs.length; i++) out = intersect(out, sets[i]!);
          if (p.should.length && out.docs.length) out = addScores(out, unionMany(p.should.map((c) => this.exec(c, s)), n));
        } else if (p.should.length) {
          out = unionCoord(p.should.map((c) => this.exec(c, s)), n);
        } else {
          out = allDocs(n);
        }
        for (const c of p.mustNot) if (out.docs.length) out = minus(out, this.exec(c, s));
        return out;
      }
    }
  }

  private execTerm(p: Extract<Plan, { k: 'term' }>, s: LiveSegment): Scored {
    const info = s.reader.lookup(p.field, p.term);
    if (!info) return EMPTY;
    const post = s.reader.postings(p.field, info);
    const norms = s.reader.norms(p.field);
    const scores = new Float64Array(post.docs.length);
    const w = p.weight * p.idf * (K1 + 1);
    if (norms) {
      const c1 = K1 * (1 - B);
      const c2 = (K1 * B) / (p.avgdl || 1);
      for (let i = 0; i < scores.length; i++) {
        const tf = post.freqs[i]!;
        scores[i] = (w * tf) / (tf + c1 + c2 * norms[post.docs[i]!]!);
      }
    } else {
      for (let i = 0; i < scores.length; i++) scores[i] = (w * post.freqs[i]!) / (post.freqs[i]! + K1);
    }
    return { docs: post.docs, scores };
  }

  private execPhrase(p: Extract<Plan, { k: 'phrase' }>, s: LiveSegment): Scored {
    const r = s.reader;
    const infos = p.terms.map((t) => r.lookup(p.field, t));
    if (infos.some((i) => !i)) return EMPTY;
    const posts = infos.map((i) => r.postings(p.field, i!));
    const poss = infos.map((i) => r.positions(p.field, i!));
    const ptr = new Array<number>(posts.length).fill(0);
    const cum = new Array<number>(posts.length).fill(0);
    const norms = r.norms(p.field);
    // drive by the rarest term
    let lead = 0;
    for (let i = 1; i < posts.length; i++) if (posts[i]!.docs.length < posts[lead]!.docs.length) lead = i;
    const outDocs: number[] = [];
    const outScores: number[] = [];
    const lists: Uint32Array[] = new Array(posts.length);
    candidates: for (const doc of posts[lead]!.docs) {
      for (let t = 0; t < posts.length; t++) {
        const P = posts[t]!;
        while (ptr[t]! < P.docs.length && P.docs[ptr[t]!]! < doc) {
          cum[t]! += P.freqs[ptr[t]!]!;
          ptr[t]!++;
        }
        if (ptr[t]! >= P.docs.length) break candidates;
        if (P.docs[ptr[t]!] !== doc) continue candidates;
        lists[t] = poss[t]!.subarray(cum[t]!, cum[t]! + P.freqs[ptr[t]!]!);
      }
      const freq = phraseFreq(lists, p.rel, p.slop);
      if (freq === 0) continue;
      let score = 0;
      const dl = norms ? norms[doc]! : p.avgdl;
      for (const idf of p.idfs) score += (p.weight * idf * freq * (K1 + 1)) / (freq + K1 * (1 - B + (B * dl) / (p.avgdl || 1)));
      outDocs.push(doc);
      outScores.push(score);
    }
    return { docs: Uint32Array.from(outDocs), scores: Float64Array.from(outScores) };
  }

  /** Runs the whole request: query, filters, sort, facets, paging, stored fields, highlights. */
  search(opts: SearchOptions): SearchResult {
    const started = performance.now();
    if (opts.query.length > this.limits.maxQueryLength) {
      throw invalid(`query is ${opts.query.length} characters; the limit is ${this.limits.maxQueryLength}`);
    }
    let ast: QueryNode;
    try {
      ast = parseQuery(opts.query.trim() === '' ? '*' : opts.query, { defaultOperator: opts.default_operator ?? 'or' });
    } catch (err) {
      if (err instanceof QuerySyntaxError) throw queryError(err.message.replace(/ at position \d+$/, ''), err.position);
      throw err;
    }
    const offset = opts.offset ?? 0;
    const limit = opts.limit ?? 10;
    if (offset + limit > this.limits.maxResultWindow) {
      throw invalid(`offset + limit must be at most ${this.limits.maxResultWindow}`);
    }
    const root = this.plan(ast);
    const filters = opts.filters ? this.filterPlans(opts.filters) : [];
    const sort = (opts.sort ?? []).filter((s) => s.field !== '_score' || (s.order ?? 'desc') !== 'desc' || opts.sort!.length > 1);
    for (const s of sort) {
      if (s.field === '_score') continue;
      const def = Object.hasOwn(this.schema.fields, s.field) ? this.schema.fields[s.field] : undefined;
      if (!def) throw invalid(`sort on unknown field "${s.field}"`, { field: s.field });
      if (def.type === 'text' || !def.indexed) throw invalid(`sort needs an indexed keyword, numeric, date or bool field; "${s.field}" is not one`, { field: s.field });
    }
    const facetFields = opts.facets ?? [];
    for (const f of facetFields) {
      const def = Object.hasOwn(this.schema.fields, f) ? this.schema.fields[f] : undefined;
      if (!def) throw invalid(`facet on unknown field "${f}"`, { field: f });
      if (def.type === 'text' || !def.indexed) throw invalid(`facets need an indexed keyword, numeric, date or bool field; "${f}" is not one`, { field: f });
    }

    // collect matches
    const segOf: number[] = [];
    const docOf: number[] = [];
    const scoreOf: number[] = [];
    const facetCounts = new Map<string, Map<string, number>>(facetFields.map((f) => [f, new Map()]));
    this.segments.forEach((s, si) => {
      if (!root) return;
      const res = this.exec(root, s);
      if (res.docs.length === 0) return;
      const tests = filters.map((f) => (f as Extract<Plan, { k: 'pred' }>).test(s));
      if (tests.some((t) => t === undefined)) return;
      const facetCols = facetFields.map((f) => [f, s.reader.column(f)] as const);
      const del = s.deleted;
      for (let i = 0; i < res.docs.length; i++) {
        const d = res.docs[i]!;
        if (isDeleted(del, d)) continue;
        let ok = true;
        for (const t of tests) if (!t!(d)) { ok = false; break; }
        if (!ok) continue;
        segOf.push(si);
        docOf.push(d);
        scoreOf.push(res.scores[i]!);
        for (const [f, col] of facetCols) if (col) countFacet(facetCounts.get(f)!, col, this.schema.fields[f]!.type, d);
      }
    });
    const total = docOf.length;
    const need = Math.min(total, offset + limit);
    const order = sort.length ? this.sortBy(sort, segOf, docOf, scoreOf) : topByScore(scoreOf, need);
    const page = order.slice(offset, offset + limit);
    const hl = this.highlightFields(opts.highlight);
    const hits: SearchHit[] = page.map((i) => {
      const s = this.segments[segOf[i]!]!;
      const d = docOf[i]!;
      const hit: SearchHit = { id: s.reader.idOf(d), score: round(scoreOf[i]!) };
      const wantDoc = opts.fields === undefined || opts.fields.length > 0;
      if (wantDoc || hl.length) {
        const stored = s.reader.stored(d);
        if (wantDoc) hit.doc = pick(stored, opts.fields);
        if (hl.length) hit.highlights = this.highlights(stored, hl);
      }
      return hit;
    });
    const out: SearchResult = { total, hits, took_ms: round(performance.now() - started) };
    if (facetFields.length) {
      out.facets = {};
      for (const [f, counts] of facetCounts) {
        out.facets[f] = [...counts]
          .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
          .slice(0, this.limits.facetLimit)
          .map(([value, count]) => ({ value, count }));
      }
    }
    return out;
  }

  private highlightFields(h: string[] | boolean | undefined): string[] {
    if (!h) return [];
    const list = h === true ? this.defaultFields : h;
    for (const f of list) {
      const def = Object.hasOwn(this.schema.fields, f) ? this.schema.fields[f] : undefined;
      if (!def) throw invalid(`highlight on unknown field "${f}"`, { field: f });
      if (def.type !== 'text' || !def.stored) throw invalid(`highlight needs a stored text field; "${f}" is not one`, { field: f });
    }
    return list;
  }

  private highlights(stored: Record<string, unknown>, fields: string[]): Highlight[] {
    const out: Highlight[] = [];
    for (const f of fields) {
      const v = stored[f];
      if (v === undefined) continue;
      const terms = this.highlightTerms.get(f) ?? new Set<string>();
      const prefixes = this.highlightPrefixes.get(f) ?? [];
      if (terms.size === 0 && prefixes.length === 0) continue;
      const snip = makeSnippet(textOf(v), this.analyzer, terms, prefixes, this.limits.snippetChars);
      if (snip) out.push({ field: f, snippet: snip.snippet, matches: snip.matches, offset: snip.offset });
    }
    return out;
  }

  private sortBy(sort: SortSpec[], segOf: number[], docOf: number[], scoreOf: number[]): number[] {
    const keys = sort.map((s) => {
      const desc = (s.order ?? (s.field === '_score' ? 'desc' : 'asc')) === 'desc';
      if (s.field === '_score') return { desc, get: (i: number) => scoreOf[i]! as number | string | undefined };
      const type = this.schema.fields[s.field]!.type;
      const cols = this.segments.map((seg) => seg.reader.column(s.field));
      return {
        desc,
        get: (i: number): number | string | undefined => {
          const c = cols[segOf[i]!];
          if (!c) return undefined;
          const v = c[docOf[i]!];
          if (type === 'keyword') return v === null || v === undefined ? undefined : Array.isArray(v) ? [...v].sort()[0] : (v as string);
          if (type === 'bool') return v === 2 ? undefined : (v as number);
          return Number.isNaN(v as number) ? undefined : (v as number);
        },
      };
    });
    const idx = docOf.map((_, i) => i);
    idx.sort((a, b) => {
      for (const k of keys) {
        const x = k.get(a);
        const y = k.get(b);
        if (x === y) continue;
        // missing values always last
        if (x === undefined) return 1;
        if (y === undefined) return -1;
        const c = x < y ? -1 : 1;
        return k.desc ? -c : c;
      }
      return a - b;
    });
    return idx;
  }
}

export type RangeSpec = { gt?: string | number; gte?: string | number; lt?: string | number; lte?: string | number };

function colTest(col: unknown, make: (c: unknown) => DocTest): DocTest | undefined {
  return col === undefined ? undefined : make(col);
}

function countFacet(counts: Map<string, number>, col: unknown, type: string, d: number): void {
  let vals: string[];
  if (type === 'keyword') {
    const v = (col as (string | string[] | null)[])[d];
    if (v === null || v === undefined) return;
    vals = Array.isArray(v) ? [...new Set(v)] : [v];
  } else if (type === 'bool') {
    const v = (col as Uint8Array)[d];
    if (v === 2) return;
    vals = [v ? 'true' : 'false'];
  } else {
    const v = (col as Float64Array)[d]!;
    if (Number.isNaN(v)) return;
    vals = [type === 'date' ? new Date(v).toISOString() : String(v)];
  }
  for (const v of vals) counts.set(v, (counts.get(v) ?? 0) + 1);
}

/** Indexes of the `k` best scores, best first (ties: earlier match first). */
function topByScore(scores: number[], k: number): number[] {
  const n = scores.length;
  if (k <= 0) return [];
  const better = (a: number, b: number) => scores[a]! > scores[b]! || (scores[a] === scores[b] && a < b);
  if (k * 4 >= n) {
    const idx = Array.from({ length: n }, (_, i) => i);
    idx.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
    return idx.slice(0, k);
  }
  // min-heap of the k best so far (root = worst kept)
  const heap: number[] = [];
  const worse = (a: number, b: number) => better(b, a);
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!worse(heap[i]!, heap[p]!)) break;
      [heap[i], heap[p]] = [heap[p]!, heap[i]!];
      i = p;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && worse(heap[r]!, heap[m]!)) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (let i = 0; i < n; i++) {
    if (heap.length < k) {
      heap.push(i);
      up(heap.length - 1);
    } else if (better(i, heap[0]!)) {
      heap[0] = i;
      down(0);
    }
  }
  return heap.sort((a, b) => (better(a, b) ? -1 : 1));
}

function pick(doc: Record<string, unknown>, fields?: string[]): Record<string, unknown> {
  if (!fields) return doc;
  const out: Record<string, unknown> = { id: doc.id };
  for (const f of fields) if (f in doc) out[f] = doc[f];
  return out;
}

function round(n: number): number {
  return Math.round(n * 10000) / 10000;
}
