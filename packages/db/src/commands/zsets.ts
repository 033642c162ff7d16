import { cmd, type CommandDef } from '../command.js';
import { formatDouble, parseFloatArg, parseInt64 } from '../numbers.js';
import type { Reply } from '../reply.js';
import type { Session } from '../session.js';
import { ZSet, parseLexBound, type LexBound, type ZEntry } from '../zset.js';
import { randomPick, scanCollection } from './hashes.js';
import { mpopArgs } from './lists.js';
import { E, cursorArg, intArg, lookup, removeMembers, normRange, timeoutArg } from './util.js';

function read(c: Session, key: string, r: Reply): ZSet | null | undefined {
  const e = lookup(c, key, 'zset', r);
  if (e === null) return null;
  return e === undefined ? undefined : (e.v as ZSet);
}

function zadd(c: Session, argv: string[], r: Reply): void {
  let nx = false, xx = false, gt = false, lt = false, ch = false, incr = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const o = argv[i]!.toLowerCase();
    if (o === 'nx') nx = true;
    else if (o === 'xx') xx = true;
    else if (o === 'gt') gt = true;
    else if (o === 'lt') lt = true;
    else if (o === 'ch') ch = true;
    else if (o === 'incr') incr = true;
    else break;
  }
  const elements = argv.length - i;
  if (elements % 2 !== 0 || elements === 0) {
    r.error(E.SYNTAX);
    return;
  }
  if (nx && xx) {
    r.error('ERR XX and NX options at the same time are not compatible');
    return;
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    r.error('ERR GT, LT, and/or NX options at the same time are not compatible');
    return;
  }
  if (incr && elements > 2) {
    r.error('ERR INCR option supports a single increment-element pair');
    return;
  }
  const scores: number[] = [];
  for (let j = i; j < argv.length; j += 2) {
    const s = parseFloatArg(argv[j]!);
    if (s === null) {
      r.error(E.NOTFLOAT);
      return;
    }
    scores.push(s);
  }
  const key = argv[1]!;
  const e = lookup(c, key, 'zset', r);
  if (e === null) return;
  let z = e === undefined ? undefined : (e.v as ZSet);
  let added = 0;
  let changed = 0;
  let incrResult: number | null = null;
  for (let j = i, k = 0; j < argv.length; j += 2, k++) {
    const member = argv[j + 1]!;
    let score = scores[k]!;
    const cur = z?.dict.get(member);
    if (cur !== undefined) {
      if (nx) continue;
      if (incr) {
        score = cur + score;
        if (Number.isNaN(score)) {
          r.error(E.NAN);
          return;
        }
      }
      if ((gt && score <= cur) || (lt && score >= cur)) continue;
      incrResult = score;
      if (score !== cur) {
        z!.add(member, score);
        changed++;
      }
    } else {
      if (xx) continue;
      if (z === undefined) z = c.db.add(key, new ZSet()).v as ZSet;
      z.add(member, score);
      added++;
      incrResult = score;
    }
  }
  if (added + changed > 0) c.touch(key);
  if (incr) {
    if (incrResult === null) r.nil();
    else r.double(incrResult);
  } else r.int(ch ? added + changed : added);
}

function zincrby(c: Session, argv: string[], r: Reply): void {
  const by = parseFloatArg(argv[2]!);
  if (by === null) {
    r.error(E.NOTFLOAT);
    return;
  }
  const key = argv[1]!;
  const e = lookup(c, key, 'zset', r);
  if (e === null) return;
  const z = e === undefined ? (c.db.add(key, new ZSet()).v as ZSet) : (e.v as ZSet);
  const next = (z.dict.get(argv[3]!) ?? 0) + by;
  if (Number.isNaN(next)) {
    r.error(E.NAN);
    return;
  }
  z.add(argv[3]!, next);
  c.touch(key);
  r.double(next);
}

function zrem(c: Session, argv: string[], r: Reply): void {
  removeMembers<ZSet>(c, argv, r, 'zset', (v, m) => v.remove(m));
}

function zcard(c: Session, argv: string[], r: Reply): void {
  const z = read(c, argv[1]!, r);
  if (z === null) return;
  r.int(z?.size ?? 0);
}

function zscore(c: Session, argv: string[], r: Reply): void {
  const z = read(c, argv[1]!, r);
  if (z === null) return;
  const s = z?.dict.get(argv[2]!);
  if (s === undefined) r.nil();
  else r.double(s);
}

function zmscore(c: Session, argv: string[], r: Reply): void {
  const z = read(c, argv[1]!, r);
  if (z === null) return;
  r.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const s = z?.dict.get(argv[i]!);
    if (s === undefined) r.nil();
    else r.double(s);
  }
}

function zrank(rev: boolean) {
  return (c: Session, argv: string[], r: Reply): void => {
    const z = read(c, argv[1]!, r);
    if (z === null) return;
    const i = z ? z.rank(argv[2]!) : -1;
    if (i === -1) r.nil();
    else r.int(rev ? z!.size - 1 - i : i);
  };
}

interface ScoreBound {
  v: number;
  ex: boolean;
}

function parseScoreBound(s: string): ScoreBound | null {
  const ex = s.startsWith('(');
  const v = parseFloatArg(ex ? s.slice(1) : s);
  return v === null ? null : { v, ex };
}

/** Parses score bounds; null after writing Redis's error. */
function scoreRange(minS: string, maxS: string, r: Reply): [ScoreBound, ScoreBound] | null {
  const min = parseScoreBound(minS);
  const max = parseScoreBound(maxS);
  if (min === null || max === null) {
    r.error('ERR min or max is not a float');
    return null;
  }
  return [min, max];
}

function lexRange(minS: string, maxS: string, r: Reply): [LexBound, LexBound] | null {
  const min = parseLexBound(minS);
  const max = parseLexBound(maxS);
  if (min === null || max === null) {
    r.error('ERR min or max not valid string range item');
    return null;
  }
  return [min, max];
}

function scoreSpan(z: ZSet, min: ScoreBound, max: ScoreBound): [number, number] {
  const a = z.firstByScore(min.v, min.ex);
  const b = z.endByScore(max.v, max.ex);
  return [a, Math.max(a, b)];
}

function lexSpan(z: ZSet, min: LexBound, max: LexBound): [number, number] {
  const a = z.firstByLex(min);
  const b = z.endByLex(max);
  return [a, Math.max(a, b)];
}

function zcount(c: Session, argv: string[], r: Reply): void {
  const rg = scoreRange(argv[2]!, argv[3]!, r);
  if (rg === null) return;
  const z = read(c, argv[1]!, r);
  if (z === null) return;
  if (!z) {
    r.int(0);
    return;
  }
  const [a, b] = scoreSpan(z, rg[0], rg[1]);
  r.int(b - a);
}

function zlexcount(c: Session, argv: string[], r: Reply): void {
  const rg = lexRange(argv[2]!, argv[3]!, r);
  if (rg === null) return;
  const z = read(c, argv[1]!, r);
  if (z === null) return;
  if (!z) {
    r.int(0);
    return;
  }
  const [a, b] = lexSpan(z, rg[0], rg[1]);
  r.int(b - a);
}

/** Writes entries, with scores as RESP3 pairs or a flat RESP2 list. */
export function writeEntries(r: Reply, list: ZEntry[], withScores: boolean): void {
  if (!withScores) {
    r.array(list.length);
    for (const e of list) r.bulk(e.m);
  } else if (r.proto === 3) {
    r.array(list.length);
    for (const e of list) {
      r.array(2);
      r.bulk(e.m);
      r.double(e.s);
    }
  } else {
    r.array(list.length * 2);
    for (const e of list) {
      r.bulk(e.m);
      r.double(e.s);
    }
  }
}

type RangeBy = 'rank' | 'score' | 'lex';

interface RangeSpec {
  by: RangeBy;
  rev: boolean;
  withScores: boolean;
  offset: number;
  count: number;
  limit: boolean;
}

type ParsedRange =
  | { by: 'rank'; start: number; stop: number }
  | { by: 'score'; min: ScoreBound; max: ScoreBound }
  | { by: 'lex'; min: LexBound; max: LexBound };

/** Parses a range as written (REV forms take max first); null after an error reply. */
function parseRange(a: string, b: string, spec: RangeSpec, r: Reply): ParsedRange | null {
  if (spec.by === 'rank') {
    const start = intArg(a, r);
    if (start === null) return null;
    const stop = intArg(b, r);
    if (stop === null) return null;
    return { by: 'rank', start, stop };
  }
  const [minS, maxS] = spec.rev ? [b, a] : [a, b];
  if (spec.by === 'score') {
    const rg = scoreRange(minS, maxS, r);
    return rg === null ? null : { by: 'score', min: rg[0], max: rg[1] };
  }
  const rg = lexRange(minS, maxS, r);
  return rg === null ? null : { by: 'lex', min: rg[0], max: rg[1] };
}

/** The entries a parsed range selects, in reply order. */
function selectRange(z: ZSet | undefined, pr: ParsedRange, spec: RangeSpec): ZEntry[] {
  if (!z) return [];
  if (pr.by === 'rank') {
    const len = z.size;
    const rg = normRange(pr.start, pr.stop, len);
    if (rg === null) return [];
    if (!spec.rev) return z.arr.slice(rg[0], rg[1] + 1);
    const out: ZEntry[] = [];
    for (let i = len - 1 - rg[0]; i >= len - 1 - rg[1]; i--) out.push(z.arr[i]!);
    return out;
  }
  const [a, b] = pr.by === 'score' ? scoreSpan(z, pr.min, pr.max) : lexSpan(z, pr.min, pr.max);
  const out: ZEntry[] = [];
  if (spec.offset < 0) return out;
  const take = spec.count < 0 ? b - a : spec.count;
  if (!spec.rev) {
    for (let i = a + spec.offset; i < b && out.length < take; i++) out.push(z.arr[i]!);
  } else {
    for (let i = b - 1 - spec.offset; i >= a && out.length < take; i--) out.push(z.arr[i]!);
  }
  return out;
}

/** Parses ZRANGE-family options from argv[i..]; null after an error reply. */
function rangeOptions(argv: string[], i: number, spec: RangeSpec, r: Reply, allowBy: boolean, allowScores: boolean): RangeSpec | null {
  for (; i < argv.length; i++) {
    const o = argv[i]!.toLowerCase();
    if (o === 'withscores' && allowScores) spec.withScores = true;
    else if (o === 'limit' && i + 2 < argv.length) {
      const off = intArg(argv[i + 1]!, r);
      if (off === null) return null;
      const cnt = intArg(argv[i + 2]!, r);
      if (cnt === null) return null;
      spec.offset = off;
      spec.count = cnt;
      spec.limit = true;
      i += 2;
    } else if (allowBy && o === 'byscore' && spec.by === 'rank') spec.by = 'score';
    else if (allowBy && o === 'bylex' && spec.by === 'rank') spec.by = 'lex';
    else if (allowBy && o === 'rev') spec.rev = true;
    else {
      r.error(E.SYNTAX);
      return null;
    }
  }
  if (spec.limit && spec.by === 'rank') {
    r.error('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
    return null;
  }
  if (spec.withScores && spec.by === 'lex') {
    r.error('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
    return null;
  }
  return spec;
}

function newSpec(by: RangeBy, rev: boolean): RangeSpec {
  return { by, rev, withScores: false, offset: 0, count: -1, limit: false };
}

function zrangeGeneric(by: RangeBy, rev: boolean, generic: boolean) {
  return (c: Session, argv: string[], r: Reply): void => {
    const spec = rangeOptions(argv, 4, newSpec(by, rev), r, generic, by !== 'lex' || generic);
    if (spec === null) return;
    const pr = parseRange(argv[2]!, argv[3]!, spec, r);
    if (pr === null) return;
    const z = read(c, argv[1]!, r);
    if (z === null) return;
    writeEntries(r, selectRange(z, pr, spec), spec.withScores);
  };
}

function zrangestore(c: Session, argv: string[], r: Reply): void {
  const spec = rangeOptions(argv, 5, newSpec('rank', false), r, true, false);
  if (spec === null) return;
  const pr = parseRange(argv[3]!, argv[4]!, spec, r);
  if (pr === null) return;
  const z = read(c, argv[2]!, r);
  if (z === null) return;
  const list = selectRange(z, pr, spec);
  const dst = argv[1]!;
  const existed = c.db.delete(dst);
  if (list.length > 0) {
    const out = new ZSet();
    for (const e of list) out.add(e.m, e.s);
    c.db.add(dst, out);
  }
  if (existed || list.length > 0) c.touch(dst);
  r.int(list.length);
}

function zremrange(by: RangeBy) {
  return (c: Session, argv: string[], r: Reply): void => {
    const key = argv[1]!;
    let a = 0, b = 0;
    let rs: [ScoreBound, ScoreBound] | null = null;
    let rl: [LexBound, LexBound] | null = null;
    let start = 0, stop = 0;
    if (by === 'rank') {
      const s1 = intArg(argv[2]!, r);
      if (s1 === null) return;
      const s2 = intArg(argv[3]!, r);
      if (s2 === null) return;
      start = s1;
      stop = s2;
    } else if (by === 'score') {
      rs = scoreRange(argv[2]!, argv[3]!, r);
      if (rs === null) return;
    } else {
      rl = lexRange(argv[2]!, argv[3]!, r);
      if (rl === null) return;
    }
    const e = lookup(c, key, 'zset', r);
    if (e === null) return;
    if (e === undefined) {
      r.int(0);
      return;
    }
    const z = e.v as ZSet;
    if (by === 'rank') {
      const rg = normRange(start, stop, z.size);
      if (rg === null) {
        r.int(0);
        return;
      }
      [a, b] = [rg[0], rg[1] + 1];
    } else if (rs) [a, b] = scoreSpan(z, rs[0], rs[1]);
    else [a, b] = lexSpan(z, rl![0], rl![1]);
    const removed = z.removeRange(a, b);
    if (removed.length > 0) {
      if (z.size === 0) c.db.remove(key, e);
      c.touch(key);
    }
    r.int(removed.length);
  };
}

function popEntries(c: Session, key: string, z: ZSet, max: boolean, count: number): ZEntry[] {
  const n = Math.min(count, z.size);
  const out = max ? z.removeRange(z.size - n, z.size).reverse() : z.removeRange(0, n);
  if (z.size === 0) c.db.delete(key);
  if (n > 0) c.touch(key);
  return out;
}

function zpop(max: boolean) {
  return (c: Session, argv: string[], r: Reply): void => {
    let count = -1;
    if (argv.length === 3) {
      const n = parseInt64(argv[2]!);
      if (n === null || n < 0) {
        r.error(E.POSITIVE);
        return;
      }
      count = Number(n);
    } else if (argv.length > 3) {
      r.error(E.SYNTAX);
      return;
    }
    const key = argv[1]!;
    const z = read(c, key, r);
    if (z === null) return;
    if (!z || count === 0) {
      r.array(0);
      return;
    }
    const list = popEntries(c, key, z, max, count === -1 ? 1 : count);
    if (count === -1) {
      r.array(2);
      r.bulk(list[0]!.m);
      r.double(list[0]!.s);
    } else writeEntries(r, list, true);
  };
}

function bzpop(max: boolean) {
  return (c: Session, argv: string[], r: Reply): void => {
    const timeout = timeoutArg(argv[argv.length - 1]!, r);
    if (timeout === null) return;
    const keys = argv.slice(1, -1);
    const name = max ? 'ZPOPMAX' : 'ZPOPMIN';
    for (const k of keys) {
      const z = read(c, k, r);
      if (z === null) return;
      if (!z) continue;
      const [e] = popEntries(c, k, z, max, 1);
      c.engine.customProp = true;
      c.engine.propagate(c.db.id, [name, k]);
      r.array(3);
      r.bulk(k);
      r.bulk(e!.m);
      r.double(e!.s);
      return;
    }
    if (c.engine.inExec) {
      r.nilArray();
      return;
    }
    const db = c.db;
    c.engine.block(
      c,
      keys,
      timeout,
      (w) => {
        for (const k of keys) {
          const en = db.get(k);
          if (en === undefined || !(en.v instanceof ZSet)) continue;
          const [e] = popEntries(c, k, en.v, max, 1);
          c.engine.propagate(db.id, [name, k]);
          w.array(3);
          w.bulk(k);
          w.bulk(e!.m);
          w.double(e!.s);
          return true;
        }
        return false;
      },
      (w) => w.nilArray(),
    );
  };
}

function zrandmember(c: Session, argv: string[], r: Reply): void {
  let count: number | null = null;
  let withScores = false;
  if (argv.length >= 3) {
    count = intArg(argv[2]!, r);
    if (count === null) return;
    if (argv.length === 4 && argv[3]!.toLowerCase() === 'withscores') withScores = true;
    else if (argv.length >= 4) {
      r.error(E.SYNTAX);
      return;
    }
  }
  const z = read(c, argv[1]!, r);
  if (z === null) return;
  if (count === null) {
    if (!z) r.nil();
    else r.bulk(randomPick(z.arr, 1, false)[0]!.m);
    return;
  }
  writeEntries(r, z ? randomPick(z.arr, Math.abs(count), count < 0) : [], withScores);
}

type Agg = 'sum' | 'min' | 'max';

/** ZUNION/ZINTER/ZDIFF[STORE] core; null after an error reply. */
function combine(
  c: Session,
  argv: string[],
  at: number,
  op: 'union' | 'inter' | 'diff',
  r: Reply,
  allowScores: boolean,
  cardOnly = false,
): { result: ZSet; withScores: boolean; limit: number } | null {
  const name = argv[0]!.toLowerCase();
  const nk = parseInt64(argv[at]!);
  if (nk === null) {
    r.error(E.NOTINT);
    return null;
  }
  const numkeys = Number(nk);
  if (numkeys < 1) {
    r.error(`ERR at least 1 input key is needed for '${name}' command`);
    return null;
  }
  if (numkeys > argv.length - at - 1) {
    r.error(E.SYNTAX);
    return null;
  }
  const keys = argv.slice(at + 1, at + 1 + numkeys);
  const weights = keys.map(() => 1);
  let agg: Agg = 'sum';
  let withScores = false;
  let limit = 0;
  for (let i = at + 1 + numkeys; i < argv.length; i++) {
    const o = argv[i]!.toLowerCase();
    const left = argv.length - i - 1;
    if (cardOnly) {
      if (o === 'limit' && left >= 1) {
        const l = parseInt64(argv[++i]!);
        if (l === null || l < 0) {
          r.error("ERR LIMIT can't be negative");
          return null;
        }
        limit = Number(l);
        continue;
      }
      r.error(E.SYNTAX);
      return null;
    }
    if (o === 'weights' && op !== 'diff' && left >= numkeys) {
      for (let k = 0; k < numkeys; k++) {
        const w = parseFloatArg(argv[i + 1 + k]!);
        if (w === null) {
          r.error('ERR weight value is not a float');
          return null;
        }
        weights[k] = w;
      }
      i += numkeys;
    } else if (o === 'aggregate' && op !== 'diff' && left >= 1) {
      const a = argv[i + 1]!.toLowerCase();
      if (a !== 'sum' && a !== 'min' && a !== 'max') {
        r.error(E.SYNTAX);
        return null;
      }
      agg = a;
      i++;
    } else if (o === 'withscores' && allowScores) withScores = true;
    else {
      r.error(E.SYNTAX);
      return null;
    }
  }
  const inputs: (Map<string, number> | undefined)[] = [];
  for (const k of keys) {
    const e = c.db.get(k);
    if (e === undefined) inputs.push(undefined);
    else if (e.v instanceof ZSet) inputs.push(e.v.dict);
    else if (e.v instanceof Set) inputs.push(new Map([...e.v].map((m) => [m, 1])));
    else {
      r.error(E.WRONGTYPE);
      return null;
    }
  }
  const apply = (a: number, b: number): number => {
    if (agg === 'sum') {
      const s = a + b;
      return Number.isNaN(s) ? 0 : s;
    }
    return agg === 'min' ? Math.min(a, b) : Math.max(a, b);
  };
  const weigh = (s: number, w: number): number => {
    const v = s * w;
    return Number.isNaN(v) ? 0 : v;
  };
  const acc = new Map<string, number>();
  if (op === 'union') {
    inputs.forEach((m, i) => {
      if (!m) return;
      for (const [k, s] of m) {
        const v = weigh(s, weights[i]!);
        const cur = acc.get(k);
        acc.set(k, cur === undefined ? v : apply(cur, v));
      }
    });
  } else if (op === 'inter') {
    if (inputs.every((m) => m !== undefined)) {
      const first = inputs[0]!;
      outer: for (const [k, s] of first) {
        let v = weigh(s, weights[0]!);
        for (let i = 1; i < inputs.length; i++) {
          const o = inputs[i]!.get(k);
          if (o === undefined) continue outer;
          v = apply(v, weigh(o, weights[i]!));
        }
        acc.set(k, v);
      }
    }
  } else {
    const first = inputs[0];
    if (first) {
      outer: for (const [k, s] of first) {
        for (let i = 1; i < inputs.length; i++) if (inputs[i]?.has(k)) continue outer;
        acc.set(k, s);
      }
    }
  }
  const result = new ZSet();
  for (const [m, s] of acc) result.add(m, s);
  return { result, withScores, limit };
}

function zcombineStore(op: 'union' | 'inter' | 'diff') {
  return (c: Session, argv: string[], r: Reply): void => {
    const out = combine(c, argv, 2, op, r, false);
    if (out === null) return;
    const dst = argv[1]!;
    const existed = c.db.delete(dst);
    if (out.result.size > 0) c.db.add(dst, out.result);
    if (existed || out.result.size > 0) c.touch(dst);
    r.int(out.result.size);
  };
}

function zcombine(op: 'union' | 'inter' | 'diff') {
  return (c: Session, argv: string[], r: Reply): void => {
    const out = combine(c, argv, 1, op, r, true);
    if (out === null) return;
    writeEntries(r, out.result.arr, out.withScores);
  };
}

function zintercard(c: Session, argv: string[], r: Reply): void {
  const out = combine(c, argv, 1, 'inter', r, false, true);
  if (out === null) return;
  r.int(out.limit > 0 ? Math.min(out.limit, out.result.size) : out.result.size);
}

function zscan(c: Session, argv: string[], r: Reply): void {
  if (cursorArg(argv[2]!, r) === null) return;
  const z = read(c, argv[1]!, r);
  if (z === null) return;
  scanCollection(r, argv, z ? [...z.arr] : undefined, (e) => e.m, (e) => {
    r.bulk(e.m);
    r.bulk(formatDouble(e.s));
  }, 2);
}

function zmpopServe(c: Session, db: Session['db'], keys: string[], max: boolean, count: number, w: Reply): boolean {
  for (const k of keys) {
    const en = db.get(k);
    if (en === undefined) continue;
    if (!(en.v instanceof ZSet)) {
      w.error(E.WRONGTYPE);
      return true;
    }
    const z = en.v;
    const n = Math.min(count, z.size);
    const list = max ? z.removeRange(z.size - n, z.size).reverse() : z.removeRange(0, n);
    if (z.size === 0) db.remove(k, en);
    c.engine.modified(db, k);
    c.engine.propagate(db.id, [max ? 'ZPOPMAX' : 'ZPOPMIN', k, String(n)]);
    w.array(2);
    w.bulk(k);
    w.array(list.length);
    for (const e of list) {
      w.array(2);
      w.bulk(e.m);
      w.double(e.s);
    }
    return true;
  }
  return false;
}

function zmpop(c: Session, argv: string[], r: Reply): void {
  const a = mpopArgs(argv, 1, ['min', 'max'], r);
  if (a === null) return;
  c.engine.customProp = true;
  if (!zmpopServe(c, c.db, a.keys, !a.first, a.count, r)) r.nilArray();
}

function bzmpop(c: Session, argv: string[], r: Reply): void {
  const timeout = timeoutArg(argv[1]!, r);
  if (timeout === null) return;
  const a = mpopArgs(argv, 2, ['min', 'max'], r);
  if (a === null) return;
  c.engine.customProp = true;
  if (zmpopServe(c, c.db, a.keys, !a.first, a.count, r)) return;
  if (c.engine.inExec) {
    r.nilArray();
    return;
  }
  const db = c.db;
  c.engine.block(c, a.keys, timeout, (w) => zmpopServe(c, db, a.keys, !a.first, a.count, w), (w) => w.nilArray());
}

export const zsetCommands: CommandDef[] = [
  cmd('zadd', -4, 'write denyoom fast', [1, 1, 1], zadd),
  cmd('zincrby', 4, 'write denyoom fast', [1, 1, 1], zincrby),
  cmd('zrem', -3, 'write fast', [1, 1, 1], zrem),
  cmd('zcard', 2, 'readonly fast', [1, 1, 1], zcard),
  cmd('zscore', 3, 'readonly fast', [1, 1, 1], zscore),
  cmd('zmscore', -3, 'readonly fast', [1, 1, 1], zmscore),
  cmd('zrank', 3, 'readonly fast', [1, 1, 1], zrank(false)),
  cmd('zrevrank', 3, 'readonly fast', [1, 1, 1], zrank(true)),
  cmd('zcount', 4, 'readonly fast', [1, 1, 1], zcount),
  cmd('zlexcount', 4, 'readonly fast', [1, 1, 1], zlexcount),
  cmd('zrange', -4, 'readonly', [1, 1, 1], zrangeGeneric('rank', false, true)),
  cmd('zrevrange', -4, 'readonly', [1, 1, 1], zrangeGeneric('rank', true, false)),
  cmd('zrangebyscore', -4, 'readonly', [1, 1, 1], zrangeGeneric('score', false, false)),
  cmd('zrevrangebyscore', -4, 'readonly', [1, 1, 1], zrangeGeneric('score', true, false)),
  cmd('zrangebylex', -4, 'readonly', [1, 1, 1], zrangeGeneric('lex', false, false)),
  cmd('zrevrangebylex', -4, 'readonly', [1, 1, 1], zrangeGeneric('lex', true, false)),
  cmd('zrangestore', -5, 'write denyoom', [1, 2, 1], zrangestore),
  cmd('zremrangebyrank', 4, 'write', [1, 1, 1], zremrange('rank')),
  cmd('zremrangebyscore', 4, 'write', [1, 1, 1], zremrange('score')),
  cmd('zremrangebylex', 4, 'write', [1, 1, 1], zremrange('lex')),
  cmd('zpopmin', -2, 'write fast', [1, 1, 1], zpop(false)),
  cmd('zpopmax', -2, 'write fast', [1, 1, 1], zpop(true)),
  cmd('bzpopmin', -3, 'write noscript blocking fast', [1, -2, 1], bzpop(false)),
  cmd('bzpopmax', -3, 'write noscript blocking fast', [1, -2, 1], bzpop(true)),
  cmd('zrandmember', -2, 'readonly', [1, 1, 1], zrandmember),
  cmd('zunionstore', -4, 'write denyoom', [1, 1, 1], zcombineStore('union')),
  cmd('zinterstore', -4, 'write denyoom', [1, 1, 1], zcombineStore('inter')),
  cmd('zdiffstore', -4, 'write denyoom', [1, 1, 1], zcombineStore('diff')),
  cmd('zunion', -3, 'readonly', [0, 0, 0], zcombine('union')),
  cmd('zinter', -3, 'readonly', [0, 0, 0], zcombine('inter')),
  cmd('zdiff', -3, 'readonly', [0, 0, 0], zcombine('diff')),
  cmd('zintercard', -3, 'readonly', [0, 0, 0], zintercard),
  cmd('zscan', -3, 'readonly', [1, 1, 1], zscan),
  cmd('zmpop', -4, 'write', [0, 0, 0], zmpop),
  cmd('bzmpop', -5, 'write blocking', [0, 0, 0], bzmpop),
];
