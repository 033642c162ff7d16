import { cmd, type CommandDef } from '../command.js';
import { Deque } from '../deque.js';
import type { Entry } from '../keyspace.js';
import { parseInt64 } from '../numbers.js';
import type { Reply } from '../reply.js';
import type { Session } from '../session.js';
import { E, intArg, lookup, normRange, timeoutArg } from './util.js';

type End = 'left' | 'right';

function push(c: Session, key: string, vals: string[], start: number, end: End, onlyExisting: boolean, r: Reply): void {
  const e = lookup(c, key, 'list', r);
  if (e === null) return;
  if (e === undefined && onlyExisting) {
    r.int(0);
    return;
  }
  const list = e === undefined ? (c.db.add(key, new Deque()).v as Deque) : (e.v as Deque);
  for (let i = start; i < vals.length; i++) {
    if (end === 'left') list.pushFront(vals[i]!);
    else list.pushBack(vals[i]!);
  }
  c.touch(key);
  r.int(list.length);
}

function popOne(c: Session, key: string, e: Entry, end: End): string {
  const list = e.v as Deque;
  const v = end === 'left' ? list.popFront()! : list.popBack()!;
  if (list.length === 0) c.db.remove(key, e);
  c.touch(key);
  return v;
}

function pop(end: End) {
  return (c: Session, argv: string[], r: Reply): void => {
    const key = argv[1]!;
    let count = -1;
    if (argv.length > 3) {
      r.error(`ERR wrong number of arguments for '${end === 'left' ? 'lpop' : 'rpop'}' command`);
      return;
    }
    if (argv.length === 3) {
      const n = parseInt64(argv[2]!);
      if (n === null || n < 0) {
        r.error(E.POSITIVE);
        return;
      }
      count = Number(n);
    }
    const e = lookup(c, key, 'list', r);
    if (e === null) return;
    if (e === undefined) {
      if (count >= 0) r.nilArray();
      else r.nil();
      return;
    }
    if (count === -1) {
      r.bulk(popOne(c, key, e, end));
      return;
    }
    if (count === 0) {
      r.array(0);
      return;
    }
    const list = e.v as Deque;
    const n = Math.min(count, list.length);
    r.array(n);
    for (let i = 0; i < n; i++) r.bulk(end === 'left' ? list.popFront()! : list.popBack()!);
    if (list.length === 0) c.db.remove(key, e);
    c.touch(key);
  };
}

function llen(c: Session, argv: string[], r: Reply): void {
  const e = lookup(c, argv[1]!, 'list', r);
  if (e === null) return;
  r.int(e === undefined ? 0 : (e.v as Deque).length);
}

function lrange(c: Session, argv: string[], r: Reply): void {
  const start = intArg(argv[2]!, r);
  if (start === null) return;
  const stop = intArg(argv[3]!, r);
  if (stop === null) return;
  const e = lookup(c, argv[1]!, 'list', r);
  if (e === null) return;
  if (e === undefined) {
    r.array(0);
    return;
  }
  const list = e.v as Deque;
  const rg = normRange(start, stop, list.length);
  if (rg === null) {
    r.array(0);
    return;
  }
  r.array(rg[1] - rg[0] + 1);
  for (let i = rg[0]; i <= rg[1]; i++) r.bulk(list.get(i));
}

function lindex(c: Session, argv: string[], r: Reply): void {
  const idx = intArg(argv[2]!, r);
  if (idx === null) return;
  const e = lookup(c, argv[1]!, 'list', r);
  if (e === null) return;
  if (e === undefined) {
    r.nil();
    return;
  }
  const list = e.v as Deque;
  const i = idx < 0 ? list.length + idx : idx;
  if (i < 0 || i >= list.length) r.nil();
  else r.bulk(list.get(i));
}

function lset(c: Session, argv: string[], r: Reply): void {
  const idx = intArg(argv[2]!, r);
  if (idx === null) return;
  const e = lookup(c, argv[1]!, 'list', r);
  if (e === null) return;
  if (e === undefined) {
    r.error(E.NOKEY);
    return;
  }
  const list = e.v as Deque;
  const i = idx < 0 ? list.length + idx : idx;
  if (i < 0 || i >= list.length) {
    r.error(E.RANGE);
    return;
  }
  list.set(i, argv[3]!);
  c.touch(argv[1]!);
  r.ok();
}

function lrem(c: Session, argv: string[], r: Reply): void {
  const count = intArg(argv[2]!, r);
  if (count === null) return;
  const key = argv[1]!;
  const e = lookup(c, key, 'list', r);
  if (e === null) return;
  if (e === undefined) {
    r.int(0);
    return;
  }
  const list = e.v as Deque;
  const items = list.toArray();
  const val = argv[3]!;
  let removed = 0;
  const limit = count === 0 ? Infinity : Math.abs(count);
  const keep: boolean[] = new Array(items.length).fill(true);
  if (count >= 0) {
    for (let i = 0; i < items.length && removed < limit; i++) if (items[i] === val) (keep[i] = false), removed++;
  } else {
    for (let i = items.length - 1; i >= 0 && removed < limit; i--) if (items[i] === val) (keep[i] = false), removed++;
  }
  if (removed > 0) {
    list.replace(items.filter((_, i) => keep[i]));
    if (list.length === 0) c.db.remove(key, e);
    c.touch(key);
  }
  r.int(removed);
}

function ltrim(c: Session, argv: string[], r: Reply): void {
  const start = intArg(argv[2]!, r);
  if (start === null) return;
  const stop = intArg(argv[3]!, r);
  if (stop === null) return;
  const key = argv[1]!;
  const e = lookup(c, key, 'list', r);
  if (e === null) return;
  if (e === undefined) {
    r.ok();
    return;
  }
  const list = e.v as Deque;
  const rg = normRange(start, stop, list.length);
  if (rg === null) c.db.remove(key, e);
  else if (rg[0] !== 0 || rg[1] !== list.length - 1) list.replace(list.toArray(rg[0], rg[1] + 1));
  c.touch(key);
  r.ok();
}

function linsert(c: Session, argv: string[], r: Reply): void {
  const where = argv[2]!.toLowerCase();
  if (where !== 'before' && where !== 'after') {
    r.error(E.SYNTAX);
    return;
  }
  const key = argv[1]!;
  const e = lookup(c, key, 'list', r);
  if (e === null) return;
  if (e === undefined) {
    r.int(0);
    return;
  }
  const list = e.v as Deque;
  const items = list.toArray();
  const i = items.indexOf(argv[3]!);
  if (i === -1) {
    r.int(-1);
    return;
  }
  items.splice(where === 'before' ? i : i + 1, 0, argv[4]!);
  list.replace(items);
  c.touch(key);
  r.int(list.length);
}

function lpos(c: Session, argv: string[], r: Reply): void {
  let rank = 1;
  let count = -1;
  let maxlen = 0;
  for (let i = 3; i < argv.length; i += 2) {
    const o = argv[i]!.toLowerCase();
    if (i + 1 >= argv.length) {
      r.error(E.SYNTAX);
      return;
    }
    const n = intArg(argv[i + 1]!, r);
    if (n === null) return;
    if (o === 'rank') {
      if (n === 0) {
        r.error("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list");
        return;
      }
      rank = n;
    } else if (o === 'count') {
      if (n < 0) {
        r.error("ERR COUNT can't be negative");
        return;
      }
      count = n;
    } else if (o === 'maxlen') {
      if (n < 0) {
        r.error("ERR MAXLEN can't be negative");
        return;
      }
      maxlen = n;
    } else {
      r.error(E.SYNTAX);
      return;
    }
  }
  const e = lookup(c, argv[1]!, 'list', r);
  if (e === null) return;
  if (e === undefined) {
    if (count >= 0) r.array(0);
    else r.nil();
    return;
  }
  const list = e.v as Deque;
  const val = argv[2]!;
  const found: number[] = [];
  const want = count === 0 ? Infinity : count === -1 ? 1 : count;
  let skip = Math.abs(rank) - 1;
  const len = list.length;
  const limit = maxlen === 0 ? len : Math.min(len, maxlen);
  for (let n = 0; n < limit && found.length < want; n++) {
    const i = rank > 0 ? n : len - 1 - n;
    if (list.get(i) === val) {
      if (skip > 0) skip--;
      else found.push(i);
    }
  }
  if (count === -1) {
    if (found.length === 0) r.nil();
    else r.int(found[0]!);
    return;
  }
  r.array(found.length);
  for (const i of found) r.int(i);
}

function endArg(s: string, r: Reply): End | null {
  const v = s.toLowerCase();
  if (v === 'left' || v === 'right') return v;
  r.error(E.SYNTAX);
  return null;
}

/** LMOVE core: null after an error reply, undefined when the source is empty. */
function moveOne(c: Session, src: string, dst: string, from: End, to: End, r: Reply): string | null | undefined {
  const se = lookup(c, src, 'list', r);
  if (se === null) return null;
  if (se === undefined) return undefined;
  const de = lookup(c, dst, 'list', r);
  if (de === null) return null;
  const v = popOne(c, src, se, from);
  const target = c.db.get(dst);
  const list = target === undefined ? (c.db.add(dst, new Deque()).v as Deque) : (target.v as Deque);
  if (to === 'left') list.pushFront(v);
  else list.pushBack(v);
  c.touch(dst);
  return v;
}

function lmove(c: Session, argv: string[], r: Reply): void {
  const from = endArg(argv[3]!, r);
  if (from === null) return;
  const to = endArg(argv[4]!, r);
  if (to === null) return;
  const v = moveOne(c, argv[1]!, argv[2]!, from, to, r);
  if (v === null) return;
  if (v === undefined) r.nil();
  else r.bulk(v);
}

function rpoplpush(c: Session, argv: string[], r: Reply): void {
  const v = moveOne(c, argv[1]!, argv[2]!, 'right', 'left', r);
  if (v === null) return;
  if (v === undefined) r.nil();
  else r.bulk(v);
}

function bpop(end: End) {
  return (c: Session, argv: string[], r: Reply): void => {
    const timeout = timeoutArg(argv[argv.length - 1]!, r);
    if (timeout === null) return;
    const keys = argv.slice(1, -1);
    const popCmd = end === 'left' ? 'LPOP' : 'RPOP';
    for (const k of keys) {
      const e = lookup(c, k, 'list', r);
      if (e === null) return;
      if (e === undefined) continue;
      c.engine.customProp = true;
      const v = popOne(c, k, e, end);
      c.engine.propagate(c.db.id, [popCmd, k]);
      r.array(2);
      r.bulk(k);
      r.bulk(v);
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
          const e = db.get(k);
          if (e === undefined || !(e.v instanceof Deque)) continue;
          const v = popOne(c, k, e, end);
          c.engine.propagate(db.id, [popCmd, k]);
          w.array(2);
          w.bulk(k);
          w.bulk(v);
          return true;
        }
        return false;
      },
      (w) => w.nilArray(),
    );
  };
}

function blmoveGeneric(c: Session, src: string, dst: string, from: End, to: End, timeout: number, r: Reply, propName: string[]): void {
  const v = moveOne(c, src, dst, from, to, r);
  if (v === null) return;
  if (v !== undefined) {
    c.engine.customProp = true;
    c.engine.propagate(c.db.id, propName);
    r.bulk(v);
    return;
  }
  if (c.engine.inExec) {
    r.nil();
    return;
  }
  const db = c.db;
  c.engine.block(
    c,
    [src],
    timeout,
    (w) => {
      const se = db.get(src);
      if (se === undefined || !(se.v instanceof Deque)) return false;
      const de = db.get(dst);
      if (de !== undefined && !(de.v instanceof Deque)) {
        w.error(E.WRONGTYPE);
        return true;
      }
      const x = moveOne(c, src, dst, from, to, w);
      if (typeof x !== 'string') return false;
      c.engine.propagate(db.id, propName);
      w.bulk(x);
      return true;
    },
    // Redis 7.0 answers every timed-out list block with a null array, BLMOVE included.
    (w) => w.nilArray(),
  );
}

function blmove(c: Session, argv: string[], r: Reply): void {
  const from = endArg(argv[3]!, r);
  if (from === null) return;
  const to = endArg(argv[4]!, r);
  if (to === null) return;
  const timeout = timeoutArg(argv[5]!, r);
  if (timeout === null) return;
  blmoveGeneric(c, argv[1]!, argv[2]!, from, to, timeout, r, ['LMOVE', argv[1]!, argv[2]!, from.toUpperCase(), to.toUpperCase()]);
}

function brpoplpush(c: Session, argv: string[], r: Reply): void {
  const timeout = timeoutArg(argv[3]!, r);
  if (timeout === null) return;
  blmoveGeneric(c, argv[1]!, argv[2]!, 'right', 'left', timeout, r, ['RPOPLPUSH', argv[1]!, argv[2]!]);
}

/** Parses `numkeys key… LEFT|RIGHT [COUNT n]` from argv[at]; null after an error reply. */
export function mpopArgs(argv: string[], at: number, ends: [string, string], r: Reply): { keys: string[]; first: boolean; count: number } | null {
  const nk = parseInt64(argv[at]!);
  if (nk === null || nk < 1) {
    r.error('ERR numkeys should be greater than 0');
    return null;
  }
  const numkeys = Number(nk);
  const whereIdx = at + numkeys + 1;
  if (whereIdx >= argv.length) {
    r.error(E.SYNTAX);
    return null;
  }
  const where = argv[whereIdx]!.toLowerCase();
  if (where !== ends[0] && where !== ends[1]) {
    r.error(E.SYNTAX);
    return null;
  }
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    if (count === -1 && argv[j]!.toLowerCase() === 'count' && j + 1 < argv.length) {
      const n = parseInt64(argv[++j]!);
      if (n === null || n < 1) {
        r.error('ERR count should be greater than 0');
        return null;
      }
      count = Number(n);
    } else {
      r.error(E.SYNTAX);
      return null;
    }
  }
  return { keys: argv.slice(at + 1, at + 1 + numkeys), first: where === ends[0], count: count === -1 ? 1 : count };
}

/** Pops up to `count` from the first non-empty list; false when none (WRONGTYPE stops the scan). */
function mpopServe(c: Session, db: Session['db'], keys: string[], end: End, count: number, w: Reply): boolean {
  for (const k of keys) {
    const e = db.get(k);
    if (e === undefined) continue;
    if (!(e.v instanceof Deque)) {
      w.error(E.WRONGTYPE);
      return true;
    }
    const list = e.v;
    const n = Math.min(count, list.length);
    w.array(2);
    w.bulk(k);
    w.array(n);
    for (let i = 0; i < n; i++) w.bulk(end === 'left' ? list.popFront()! : list.popBack()!);
    if (list.length === 0) db.remove(k, e);
    c.engine.modified(db, k);
    c.engine.propagate(db.id, [end === 'left' ? 'LPOP' : 'RPOP', k, String(n)]);
    return true;
  }
  return false;
}

function lmpop(c: Session, argv: string[], r: Reply): void {
  const a = mpopArgs(argv, 1, ['left', 'right'], r);
  if (a === null) return;
  c.engine.customProp = true;
  if (!mpopServe(c, c.db, a.keys, a.first ? 'left' : 'right', a.count, r)) r.nilArray();
}

function blmpop(c: Session, argv: string[], r: Reply): void {
  const timeout = timeoutArg(argv[1]!, r);
  if (timeout === null) return;
  const a = mpopArgs(argv, 2, ['left', 'right'], r);
  if (a === null) return;
  const end: End = a.first ? 'left' : 'right';
  c.engine.customProp = true;
  if (mpopServe(c, c.db, a.keys, end, a.count, r)) return;
  if (c.engine.inExec) {
    r.nilArray();
    return;
  }
  const db = c.db;
  c.engine.block(c, a.keys, timeout, (w) => mpopServe(c, db, a.keys, end, a.count, w), (w) => w.nilArray());
}

export const listCommands: CommandDef[] = [
  cmd('lpush', -3, 'write denyoom fast', [1, 1, 1], (c, a, r) => push(c, a[1]!, a, 2, 'left', false, r)),
  cmd('rpush', -3, 'write denyoom fast', [1, 1, 1], (c, a, r) => push(c, a[1]!, a, 2, 'right', false, r)),
  cmd('lpushx', -3, 'write denyoom fast', [1, 1, 1], (c, a, r) => push(c, a[1]!, a, 2, 'left', true, r)),
  cmd('rpushx', -3, 'write denyoom fast', [1, 1, 1], (c, a, r) => push(c, a[1]!, a, 2, 'right', true, r)),
  cmd('lpop', -2, 'write fast', [1, 1, 1], pop('left')),
  cmd('rpop', -2, 'write fast', [1, 1, 1], pop('right')),
  cmd('llen', 2, 'readonly fast', [1, 1, 1], llen),
  cmd('lrange', 4, 'readonly', [1, 1, 1], lrange),
  cmd('lindex', 3, 'readonly', [1, 1, 1], lindex),
  cmd('lset', 4, 'write denyoom', [1, 1, 1], lset),
  cmd('lrem', 4, 'write', [1, 1, 1], lrem),
  cmd('ltrim', 4, 'write', [1, 1, 1], ltrim),
  cmd('linsert', 5, 'write denyoom', [1, 1, 1], linsert),
  cmd('lpos', -3, 'readonly', [1, 1, 1], lpos),
  cmd('lmove', 5, 'write denyoom', [1, 2, 1], lmove),
  cmd('rpoplpush', 3, 'write denyoom', [1, 2, 1], rpoplpush),
  cmd('blpop', -3, 'write noscript blocking', [1, -2, 1], bpop('left')),
  cmd('brpop', -3, 'write noscript blocking', [1, -2, 1], bpop('right')),
  cmd('blmove', 6, 'write denyoom noscript blocking', [1, 2, 1], blmove),
  cmd('brpoplpush', 4, 'write denyoom noscript blocking', [1, 2, 1], brpoplpush),
  cmd('lmpop', -4, 'write', [0, 0, 0], lmpop),
  cmd('blmpop', -5, 'write blocking', [0, 0, 0], blmpop),
];
