import type { Entry, Value } from '../keyspace.js';
import type { Reply } from '../reply.js';
import type { Session } from '../session.js';
import { Deque } from '../deque.js';
import { ZSet } from '../zset.js';
import { parseFloatArg, parseInt64 } from '../numbers.js';

/** Redis's exact error strings. */
export const E = {
  WRONGTYPE: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  SYNTAX: 'ERR syntax error',
  NOTINT: 'ERR value is not an integer or out of range',
  NOTFLOAT: 'ERR value is not a valid float',
  OVERFLOW: 'ERR increment or decrement would overflow',
  NOKEY: 'ERR no such key',
  RANGE: 'ERR index out of range',
  POSITIVE: 'ERR value is out of range, must be positive',
  DBRANGE: 'ERR DB index is out of range',
  TIMEOUT_FLOAT: 'ERR timeout is not a float or out of range',
  TIMEOUT_NEG: 'ERR timeout is negative',
  NAN: 'ERR resulting score is not a number (NaN)',
} as const;

export type Kind = 'string' | 'list' | 'hash' | 'set' | 'zset';

const kindOk: Record<Kind, (v: Value) => boolean> = {
  string: (v) => typeof v === 'string',
  list: (v) => v instanceof Deque,
  hash: (v) => v instanceof Map,
  set: (v) => v instanceof Set,
  zset: (v) => v instanceof ZSet,
};

/**
 * The entry at `key` when it holds `kind`; undefined when missing; null after writing WRONGTYPE.
 */
export function lookup(c: Session, key: string, kind: Kind, r: Reply): Entry | undefined | null {
  const e = c.db.get(key);
  if (e === undefined) return undefined;
  if (!kindOk[kind](e.v)) {
    r.error(E.WRONGTYPE);
    return null;
  }
  return e;
}

/**
 * HDEL, SREM, ZREM: removes the members named from argument 2 on with `remove`, drops the key
 * once it is empty, and replies the number removed.
 */
export function removeMembers<T extends { readonly size: number }>(
  c: Session,
  argv: string[],
  r: Reply,
  kind: Kind,
  remove: (v: T, member: string) => boolean,
): void {
  const key = argv[1]!;
  const e = lookup(c, key, kind, r);
  if (e === null) return;
  if (e === undefined) {
    r.int(0);
    return;
  }
  const v = e.v as unknown as T;
  let n = 0;
  for (let i = 2; i < argv.length; i++) if (remove(v, argv[i]!)) n++;
  if (n > 0) {
    if (v.size === 0) c.db.remove(key, e);
    c.touch(key);
  }
  r.int(n);
}

/** Parses an int64 argument or writes the "not an integer" error. */
export function intArg(s: string, r: Reply, msg: string = E.NOTINT): number | null {
  const v = parseInt64(s);
  if (v === null) {
    r.error(msg);
    return null;
  }
  return typeof v === 'bigint' ? Number(v) : v;
}

export function floatArg(s: string, r: Reply, msg: string = E.NOTFLOAT): number | null {
  const v = parseFloatArg(s);
  if (v === null) {
    r.error(msg);
    return null;
  }
  return v;
}

/** Parses a blocking timeout in seconds (float) into ms; 0 means forever. */
export function timeoutArg(s: string, r: Reply): number | null {
  const v = parseFloatArg(s);
  if (v === null || !Number.isFinite(v)) {
    r.error(E.TIMEOUT_FLOAT);
    return null;
  }
  if (v < 0) {
    r.error(E.TIMEOUT_NEG);
    return null;
  }
  return Math.ceil(v * 1000);
}

/** Turns Redis's start/end (negative from the end) into a clamped [start, end] or null if empty. */
export function normRange(start: number, end: number, len: number): [number, number] | null {
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return null;
  if (end >= len) end = len - 1;
  return [start, end];
}

export function lower(s: string): string {
  return s.toLowerCase();
}

const MAX_CURSOR = '18446744073709551615';

/**
 * Cursor for *SCAN: digits only, at most 2^64 - 1, leading zeros allowed (Redis: "invalid
 * cursor"). Compared as text: a cursor of millions of digits costs no more than its scan.
 */
export function cursorArg(s: string, r: Reply): number | null {
  const digits = s.replace(/^0+(?=\d)/, '');
  if (!/^\d+$/.test(s) || digits.length > MAX_CURSOR.length || (digits.length === MAX_CURSOR.length && digits > MAX_CURSOR)) {
    r.error('ERR invalid cursor');
    return null;
  }
  return Number(digits);
}
