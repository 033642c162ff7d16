import { cmd, type CommandDef } from '../command.js';
import { parseInt64 } from '../numbers.js';
import type { Reply } from '../reply.js';
import type { Session } from '../session.js';
import { randomPick, scanCollection } from './hashes.js';
import { E, cursorArg, intArg, lookup, removeMembers } from './util.js';

type SetV = Set<string>;

function read(c: Session, key: string, r: Reply): SetV | null | undefined {
  const e = lookup(c, key, 'set', r);
  if (e === null) return null;
  return e === undefined ? undefined : (e.v as SetV);
}

function sadd(c: Session, argv: string[], r: Reply): void {
  const key = argv[1]!;
  const e = lookup(c, key, 'set', r);
  if (e === null) return;
  const s = e === undefined ? (c.db.add(key, new Set()).v as SetV) : (e.v as SetV);
  let n = 0;
  for (let i = 2; i < argv.length; i++) {
    const before = s.size;
    s.add(argv[i]!);
    if (s.size !== before) n++;
  }
  if (n > 0) c.touch(key);
  r.int(n);
}

function srem(c: Session, argv: string[], r: Reply): void {
  removeMembers<SetV>(c, argv, r, 'set', (v, m) => v.delete(m));
}

function smembers(c: Session, argv: string[], r: Reply): void {
  const s = read(c, argv[1]!, r);
  if (s === null) return;
  r.set(s?.size ?? 0);
  if (s) for (const m of s) r.bulk(m);
}

function sismember(c: Session, argv: string[], r: Reply): void {
  const s = read(c, argv[1]!, r);
  if (s === null) return;
  r.int(s?.has(argv[2]!) ? 1 : 0);
}

function smismember(c: Session, argv: string[], r: Reply): void {
  const s = read(c, argv[1]!, r);
  if (s === null) return;
  r.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) r.int(s?.has(argv[i]!) ? 1 : 0);
}

function scard(c: Session, argv: string[], r: Reply): void {
  const s = read(c, argv[1]!, r);
  if (s === null) return;
  r.int(s?.size ?? 0);
}

function spop(c: Session, argv: string[], r: Reply): void {
  const key = argv[1]!;
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
  const e = lookup(c, key, 'set', r);
  if (e === null) return;
  if (e === undefined) {
    if (count >= 0) r.set(0);
    else r.nil();
    return;
  }
  const s = e.v as SetV;
  const picked = randomPick([...s], count === -1 ? 1 : count, false);
  if (count === 0) {
    r.set(0);
    return;
  }
  for (const m of picked) s.delete(m);
  if (s.size === 0) c.db.remove(key, e);
  c.touch(key);
  c.engine.customProp = true;
  c.engine.propagate(c.db.id, ['SREM', key, ...picked]);
  if (count === -1) r.bulk(picked[0]!);
  else {
    r.set(picked.length);
    for (const m of picked) r.bulk(m);
  }
}

function srandmember(c: Session, argv: string[], r: Reply): void {
  let count: number | null = null;
  if (argv.length === 3) {
    count = intArg(argv[2]!, r);
    if (count === null) return;
  } else if (argv.length > 3) {
    r.error(E.SYNTAX);
    return;
  }
  const s = read(c, argv[1]!, r);
  if (s === null) return;
  if (count === null) {
    if (s === undefined) r.nil();
    else r.bulk(randomPick([...s], 1, false)[0]!);
    return;
  }
  const picked = s === undefined ? [] : randomPick([...s], Math.abs(count), count < 0);
  if (count < 0) r.array(picked.length);
  else r.set(picked.length);
  for (const m of picked) r.bulk(m);
}

function smove(c: Session, argv: string[], r: Reply): void {
  const [, src, dst, member] = argv as [string, string, string, string];
  const se = lookup(c, src, 'set', r);
  if (se === null) return;
  const de = lookup(c, dst, 'set', r);
  if (de === null) return;
  if (se === undefined || !(se.v as SetV).has(member)) {
    r.int(0);
    return;
  }
  if (src === dst) {
    r.int(1);
    return;
  }
  const s = se.v as SetV;
  s.delete(member);
  if (s.size === 0) c.db.remove(src, se);
  const d = c.db.get(dst);
  const target = d === undefined ? (c.db.add(dst, new Set()).v as SetV) : (d.v as SetV);
  target.add(member);
  c.touch(src);
  c.touch(dst);
  r.int(1);
}

type Op = 'inter' | 'union' | 'diff';

/** Computes a set operation; null after a WRONGTYPE reply. */
function compute(c: Session, keys: string[], op: Op, r: Reply): SetV | null {
  const sets: (SetV | undefined)[] = [];
  for (const k of keys) {
    const s = read(c, k, r);
    if (s === null) return null;
    sets.push(s);
  }
  if (op === 'union') {
    const out = new Set<string>();
    for (const s of sets) if (s) for (const m of s) out.add(m);
    return out;
  }
  if (op === 'diff') {
    const first = sets[0];
    const out = new Set<string>();
    if (!first) return out;
    outer: for (const m of first) {
      for (let i = 1; i < sets.length; i++) if (sets[i]?.has(m)) continue outer;
      out.add(m);
    }
    return out;
  }
  if (sets.some((s) => s === undefined)) return new Set();
  const sorted = [...(sets as SetV[])].sort((a, b) => a.size - b.size);
  const out = new Set<string>();
  outer: for (const m of sorted[0]!) {
    for (let i = 1; i < sorted.length; i++) if (!sorted[i]!.has(m)) continue outer;
    out.add(m);
  }
  return out;
}

function setop(op: Op) {
  return (c: Session, argv: string[], r: Reply): void => {
    const out = compute(c, argv.slice(1), op, r);
    if (out === null) return;
    r.set(out.size);
    for (const m of out) r.bulk(m);
  };
}

function setopStore(op: Op) {
  return (c: Session, argv: string[], r: Reply): void => {
    const dst = argv[1]!;
    const out = compute(c, argv.slice(2), op, r);
    if (out === null) return;
    const existed = c.db.delete(dst);
    if (out.size > 0) c.db.add(dst, out);
    if (existed || out.size > 0) c.touch(dst);
    r.int(out.size);
  };
}

function sintercard(c: Session, argv: string[], r: Reply): void {
  const n = parseInt64(argv[1]!);
  if (n === null || n <= 0) {
    r.error(n === null ? E.NOTINT : 'ERR numkeys should be greater than 0');
    return;
  }
  const numkeys = Number(n);
  if (numkeys > argv.length - 2) {
    r.error("ERR Number of keys can't be greater than number of args");
    return;
  }
  let limit = 0;
  for (let i = 2 + numkeys; i < argv.length; i += 2) {
    if (argv[i]!.toLowerCase() === 'limit' && i + 1 < argv.length) {
      const l = parseInt64(argv[i + 1]!);
      if (l === null) {
        r.error(E.NOTINT);
        return;
      }
      if (l < 0) {
        r.error("ERR LIMIT can't be negative");
        return;
      }
      limit = Number(l);
    } else {
      r.error(E.SYNTAX);
      return;
    }
  }
  const out = compute(c, argv.slice(2, 2 + numkeys), 'inter', r);
  if (out === null) return;
  r.int(limit > 0 ? Math.min(limit, out.size) : out.size);
}

function sscan(c: Session, argv: string[], r: Reply): void {
  if (cursorArg(argv[2]!, r) === null) return;
  const s = read(c, argv[1]!, r);
  if (s === null) return;
  scanCollection(r, argv, s ? [...s] : undefined, (m) => m, (m) => r.bulk(m), 1);
}

export const setCommands: CommandDef[] = [
  cmd('sadd', -3, 'write denyoom fast', [1, 1, 1], sadd),
  cmd('srem', -3, 'write fast', [1, 1, 1], srem),
  cmd('smembers', 2, 'readonly', [1, 1, 1], smembers),
  cmd('sismember', 3, 'readonly fast', [1, 1, 1], sismember),
  cmd('smismember', -3, 'readonly fast', [1, 1, 1], smismember),
  cmd('scard', 2, 'readonly fast', [1, 1, 1], scard),
  cmd('spop', -2, 'write fast', [1, 1, 1], spop),
  cmd('srandmember', -2, 'readonly', [1, 1, 1], srandmember),
  cmd('smove', 4, 'write fast', [1, 2, 1], smove),
  cmd('sinter', -2, 'readonly', [1, -1, 1], setop('inter')),
  cmd('sunion', -2, 'readonly', [1, -1, 1], setop('union')),
  cmd('sdiff', -2, 'readonly', [1, -1, 1], setop('diff')),
  cmd('sinterstore', -3, 'write denyoom', [1, -1, 1], setopStore('inter')),
  cmd('sunionstore', -3, 'write denyoom', [1, -1, 1], setopStore('union')),
  cmd('sdiffstore', -3, 'write denyoom', [1, -1, 1], setopStore('diff')),
  cmd('sintercard', -3, 'readonly', [0, 0, 0], sintercard),
  cmd('sscan', -3, 'readonly', [1, 1, 1], sscan),
];
