import { cmd, type CommandDef } from '../command.js';
import { globMatch } from '../glob.js';
import { addInt64, intToString, parseInt64 } from '../numbers.js';
import { addLongDouble, formatLongDouble, parseLongDouble } from '../long-double.js';
import type { Reply } from '../reply.js';
import type { Session } from '../session.js';
import { scanOptions } from './keys.js';
import { E, cursorArg, intArg, lookup, removeMembers } from './util.js';

type Hash = Map<string, string>;

function hashFor(c: Session, key: string, r: Reply): Hash | null {
  const e = lookup(c, key, 'hash', r);
  if (e === null) return null;
  return e === undefined ? (c.db.add(key, new Map()).v as Hash) : (e.v as Hash);
}

function hset(c: Session, argv: string[], r: Reply): void {
  if (argv.length % 2 !== 0) {
    r.error(`ERR wrong number of arguments for '${argv[0]!.toLowerCase()}' command`);
    return;
  }
  const h = hashFor(c, argv[1]!, r);
  if (h === null) return;
  let added = 0;
  for (let i = 2; i < argv.length; i += 2) {
    const before = h.size;
    h.set(argv[i]!, argv[i + 1]!);
    if (h.size !== before) added++;
  }
  c.touch(argv[1]!);
  if (argv[0]!.toLowerCase() === 'hmset') r.ok();
  else r.int(added);
}

function hsetnx(c: Session, argv: string[], r: Reply): void {
  const h = hashFor(c, argv[1]!, r);
  if (h === null) return;
  if (h.has(argv[2]!)) {
    r.int(0);
    return;
  }
  h.set(argv[2]!, argv[3]!);
  c.touch(argv[1]!);
  r.int(1);
}

function read(c: Session, key: string, r: Reply): Hash | null | undefined {
  const e = lookup(c, key, 'hash', r);
  if (e === null) return null;
  return e === undefined ? undefined : (e.v as Hash);
}

function hget(c: Session, argv: string[], r: Reply): void {
  const h = read(c, argv[1]!, r);
  if (h === null) return;
  const v = h?.get(argv[2]!);
  if (v === undefined) r.nil();
  else r.bulk(v);
}

function hmget(c: Session, argv: string[], r: Reply): void {
  const h = read(c, argv[1]!, r);
  if (h === null) return;
  r.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const v = h?.get(argv[i]!);
    if (v === undefined) r.nil();
    else r.bulk(v);
  }
}

function hdel(c: Session, argv: string[], r: Reply): void {
  removeMembers<Hash>(c, argv, r, 'hash', (v, m) => v.delete(m));
}

function hlen(c: Session, argv: string[], r: Reply): void {
  const h = read(c, argv[1]!, r);
  if (h === null) return;
  r.int(h?.size ?? 0);
}

function hstrlen(c: Session, argv: string[], r: Reply): void {
  const h = read(c, argv[1]!, r);
  if (h === null) return;
  r.int(h?.get(argv[2]!)?.length ?? 0);
}

function hexists(c: Session, argv: string[], r: Reply): void {
  const h = read(c, argv[1]!, r);
  if (h === null) return;
  r.int(h?.has(argv[2]!) ? 1 : 0);
}

function hgetall(c: Session, argv: string[], r: Reply): void {
  const h = read(c, argv[1]!, r);
  if (h === null) return;
  if (h === undefined) {
    r.map(0);
    return;
  }
  r.map(h.size);
  for (const [f, v] of h) {
    r.bulk(f);
    r.bulk(v);
  }
}

function hkeys(vals: boolean) {
  return (c: Session, argv: string[], r: Reply): void => {
    const h = read(c, argv[1]!, r);
    if (h === null) return;
    if (h === undefined) {
      r.array(0);
      return;
    }
    r.array(h.size);
    for (const [f, v] of h) r.bulk(vals ? v : f);
  };
}

function hincrby(c: Session, argv: string[], r: Reply): void {
  const by = parseInt64(argv[3]!);
  if (by === null) {
    r.error(E.NOTINT);
    return;
  }
  const h = hashFor(c, argv[1]!, r);
  if (h === null) return;
  const cur = h.get(argv[2]!);
  let n: number | bigint = 0;
  if (cur !== undefined) {
    const v = parseInt64(cur);
    if (v === null) {
      r.error('ERR hash value is not an integer');
      return;
    }
    n = v;
  }
  const next = addInt64(n, by);
  if (next === null) {
    r.error(E.OVERFLOW);
    return;
  }
  h.set(argv[2]!, intToString(next));
  c.touch(argv[1]!);
  r.int(next);
}

function hincrbyfloat(c: Session, argv: string[], r: Reply): void {
  const by = parseLongDouble(argv[3]!);
  if (by === null) {
    r.error(E.NOTFLOAT);
    return;
  }
  if (by.inf) {
    r.error('ERR value is NaN or Infinity');
    return;
  }
  const key = argv[1]!;
  const e = lookup(c, key, 'hash', r);
  if (e === null) return;
  const cur = (e?.v as Hash | undefined)?.get(argv[2]!);
  let n = parseLongDouble('0')!;
  if (cur !== undefined) {
    const v = parseLongDouble(cur);
    if (v === null) {
      r.error('ERR hash value is not a float');
      return;
    }
    n = v;
  }
  const next = addLongDouble(n, by);
  if (next.inf) {
    r.error('ERR increment would produce NaN or Infinity');
    return;
  }
  const h = e === undefined ? (c.db.add(key, new Map()).v as Hash) : (e.v as Hash);
  const s = formatLongDouble(next);
  h.set(argv[2]!, s);
  c.touch(key);
  c.engine.customProp = true;
  c.engine.propagate(c.db.id, ['HSET', key, argv[2]!, s]);
  r.bulk(s);
}

function hrandfield(c: Session, argv: string[], r: Reply): void {
  let count: number | null = null;
  let withValues = false;
  if (argv.length >= 3) {
    count = intArg(argv[2]!, r);
    if (count === null) return;
    if (argv.length === 4) {
      if (argv[3]!.toLowerCase() !== 'withvalues') {
        r.error(E.SYNTAX);
        return;
      }
      withValues = true;
    } else if (argv.length > 4) {
      r.error(E.SYNTAX);
      return;
    }
  }
  const h = read(c, argv[1]!, r);
  if (h === null) return;
  if (count === null) {
    if (h === undefined) r.nil();
    else r.bulk(randomPick([...h.keys()], 1, false)[0]!);
    return;
  }
  if (h === undefined) {
    r.array(0);
    return;
  }
  const fields = randomPick([...h.keys()], Math.abs(count), count < 0);
  writePairs(r, fields.map((f) => [f, h.get(f)!]), withValues);
}

function writePairs(r: Reply, pairs: [string, string][], withValues: boolean): void {
  if (!withValues) {
    r.array(pairs.length);
    for (const [f] of pairs) r.bulk(f);
  } else if (r.proto === 3) {
    r.array(pairs.length);
    for (const [f, v] of pairs) {
      r.array(2);
      r.bulk(f);
      r.bulk(v);
    }
  } else {
    r.array(pairs.length * 2);
    for (const [f, v] of pairs) {
      r.bulk(f);
      r.bulk(v);
    }
  }
}

/** `n` random elements: distinct (shuffled prefix) or with repeats. */
export function randomPick<T>(items: T[], n: number, repeats: boolean): T[] {
  if (items.length === 0) return [];
  if (repeats) return Array.from({ length: n }, () => items[Math.floor(Math.random() * items.length)]!);
  const a = [...items];
  const k = Math.min(n, a.length);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(Math.random() * (a.length - i));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, k);
}

/** Shared by HSCAN/SSCAN/ZSCAN: cursor is a position in insertion order. */
export function scanCollection<T>(r: Reply, argv: string[], items: T[] | undefined, name: (t: T) => string, emit: (t: T) => void, per: number): void {
  const cur = cursorArg(argv[2]!, r);
  if (cur === null) return;
  const o = scanOptions(argv, 3, r, false);
  if (o === null) return;
  const list = items ?? [];
  // Small collections come back whole, like Redis's compact encodings.
  const end = list.length <= 128 ? list.length : Math.min(list.length, cur + o.count);
  const start = list.length <= 128 ? 0 : cur;
  const out: T[] = [];
  for (let i = start; i < end; i++) {
    const t = list[i]!;
    if (o.match !== undefined && o.match !== '*' && !globMatch(o.match, name(t))) continue;
    out.push(t);
  }
  r.array(2);
  r.bulk(end >= list.length ? '0' : String(end));
  r.array(out.length * per);
  for (const t of out) emit(t);
}

function hscan(c: Session, argv: string[], r: Reply): void {
  if (cursorArg(argv[2]!, r) === null) return;
  const h = read(c, argv[1]!, r);
  if (h === null) return;
  scanCollection(r, argv, h ? [...h] : undefined, (p) => p[0], (p) => {
    r.bulk(p[0]);
    r.bulk(p[1]);
  }, 2);
}

export const hashCommands: CommandDef[] = [
  cmd('hset', -4, 'write denyoom fast', [1, 1, 1], hset),
  cmd('hmset', -4, 'write denyoom fast', [1, 1, 1], hset),
  cmd('hsetnx', 4, 'write denyoom fast', [1, 1, 1], hsetnx),
  cmd('hget', 3, 'readonly fast', [1, 1, 1], hget),
  cmd('hmget', -3, 'readonly fast', [1, 1, 1], hmget),
  cmd('hdel', -3, 'write fast', [1, 1, 1], hdel),
  cmd('hlen', 2, 'readonly fast', [1, 1, 1], hlen),
  cmd('hstrlen', 3, 'readonly fast', [1, 1, 1], hstrlen),
  cmd('hexists', 3, 'readonly fast', [1, 1, 1], hexists),
  cmd('hgetall', 2, 'readonly', [1, 1, 1], hgetall),
  cmd('hkeys', 2, 'readonly', [1, 1, 1], hkeys(false)),
  cmd('hvals', 2, 'readonly', [1, 1, 1], hkeys(true)),
  cmd('hincrby', 4, 'write denyoom fast', [1, 1, 1], hincrby),
  cmd('hincrbyfloat', 4, 'write denyoom fast', [1, 1, 1], hincrbyfloat),
  cmd('hrandfield', -2, 'readonly', [1, 1, 1], hrandfield),
  cmd('hscan', -3, 'readonly', [1, 1, 1], hscan),
];
