import { constants } from 'node:buffer';
import { cmd, type CommandDef } from '../command.js';
import type { Reply } from '../reply.js';
import type { Session } from '../session.js';
import { addInt64, intToString, parseInt64 } from '../numbers.js';
import { addLongDouble, formatLongDouble, parseLongDouble } from '../long-double.js';
import { E, intArg, lookup } from './util.js';

const MAX_MS = 9223372036854775807 / 2;
const MAX_STRING_LENGTH = constants.MAX_STRING_LENGTH;

interface ExpireOpt {
  at: number;
  keep: boolean;
  persist: boolean;
  set: boolean;
}

/** Parses EX/PX/EXAT/PXAT/KEEPTTL/PERSIST starting at `i`; returns the index reached or -1 after an error. */
function parseExpire(
  argv: string[],
  i: number,
  opt: ExpireOpt,
  cmdName: string,
  r: Reply,
  allowKeep: boolean,
  allowPersist: boolean,
): number {
  const a = argv[i]!.toLowerCase();
  if (a === 'keepttl' && allowKeep) {
    if (opt.set || opt.keep) return -2;
    opt.keep = true;
    return i + 1;
  }
  if (a === 'persist' && allowPersist) {
    if (opt.set || opt.persist) return -2;
    opt.persist = true;
    return i + 1;
  }
  if ((a === 'ex' || a === 'px' || a === 'exat' || a === 'pxat') && i + 1 < argv.length) {
    if (opt.set || opt.keep || opt.persist) return -2;
    const v = parseInt64(argv[i + 1]!);
    if (v === null) {
      r.error(E.NOTINT);
      return -1;
    }
    const n = Number(v);
    const unitMs = a === 'ex' || a === 'exat' ? 1000 : 1;
    if (n <= 0 || n > MAX_MS / unitMs) {
      r.error(`ERR invalid expire time in '${cmdName}' command`);
      return -1;
    }
    opt.at = a === 'ex' || a === 'px' ? Date.now() + n * unitMs : n * unitMs;
    opt.set = true;
    return i + 2;
  }
  return -2;
}

function set(c: Session, argv: string[], r: Reply): void {
  const key = argv[1]!;
  const val = argv[2]!;
  let nx = false;
  let xx = false;
  let get = false;
  const opt: ExpireOpt = { at: 0, keep: false, persist: false, set: false };
  for (let i = 3; i < argv.length; ) {
    const a = argv[i]!.toLowerCase();
    if (a === 'nx' && !xx) {
      nx = true;
      i++;
    } else if (a === 'xx' && !nx) {
      xx = true;
      i++;
    } else if (a === 'get') {
      get = true;
      i++;
    } else {
      const next = parseExpire(argv, i, opt, 'set', r, true, false);
      if (next === -1) return;
      if (next === -2) {
        r.error(E.SYNTAX);
        return;
      }
      i = next;
    }
  }
  const e = c.db.get(key);
  const old = e === undefined ? undefined : e.v;
  if (get && old !== undefined && typeof old !== 'string') {
    r.error(E.WRONGTYPE);
    return;
  }
  if ((nx && e !== undefined) || (xx && e === undefined)) {
    if (get) {
      if (e === undefined) r.nil();
      else r.bulk(e.v as string);
    } else r.nil();
    return;
  }
  let ne = e;
  if (ne === undefined) ne = c.db.add(key, val);
  else {
    ne.v = val;
    if (!opt.keep && ne.exp !== 0) c.db.setExpire(key, ne, 0);
  }
  if (opt.set) c.db.setExpire(key, ne, opt.at);
  c.touch(key);
  if (opt.set) {
    c.engine.customProp = true;
    c.engine.propagate(c.db.id, ['SET', key, val, 'PXAT', String(opt.at)]);
  }
  if (get) {
    if (old === undefined) r.nil();
    else r.bulk(old as string);
  } else r.ok();
}

function get(c: Session, argv: string[], r: Reply): void {
  const e = c.db.get(argv[1]!);
  if (e === undefined) {
    c.engine.stats.keyspaceMisses++;
    r.nil();
  } else if (typeof e.v !== 'string') r.error(E.WRONGTYPE);
  else {
    c.engine.stats.keyspaceHits++;
    r.bulk(e.v);
  }
}

function setWithTtl(c: Session, key: string, val: string, at: number): void {
  const e = c.db.set(key, val);
  c.db.setExpire(key, e, at);
  c.touch(key);
  c.engine.customProp = true;
  c.engine.propagate(c.db.id, ['SET', key, val, 'PXAT', String(at)]);
}

function setexGeneric(unit: number, name: string) {
  return (c: Session, argv: string[], r: Reply): void => {
    const v = parseInt64(argv[2]!);
    if (v === null) {
      r.error(E.NOTINT);
      return;
    }
    const n = Number(v);
    if (n <= 0 || n > MAX_MS / unit) {
      r.error(`ERR invalid expire time in '${name}' command`);
      return;
    }
    setWithTtl(c, argv[1]!, argv[3]!, Date.now() + n * unit);
    r.ok();
  };
}

function incrBy(c: Session, key: string, by: number | bigint, r: Reply): void {
  const e = lookup(c, key, 'string', r);
  if (e === null) return;
  let cur: number | bigint = 0;
  if (e !== undefined) {
    const v = parseInt64(e.v as string);
    if (v === null) {
      r.error(E.NOTINT);
      return;
    }
    cur = v;
  }
  const next = addInt64(cur, by);
  if (next === null) {
    r.error(E.OVERFLOW);
    return;
  }
  const s = intToString(next);
  if (e !== undefined) e.v = s;
  else c.db.add(key, s);
  c.touch(key);
  r.int(next);
}

function incrByArg(sign: 1 | -1) {
  return (c: Session, argv: string[], r: Reply): void => {
    const v = parseInt64(argv[2]!);
    if (v === null) {
      r.error(E.NOTINT);
      return;
    }
    if (sign === -1 && v === -9223372036854775808n) {
      r.error('ERR decrement would overflow');
      return;
    }
    incrBy(c, argv[1]!, typeof v === 'bigint' ? -v * -BigInt(sign) : v * sign, r);
  };
}

function incrbyfloat(c: Session, argv: string[], r: Reply): void {
  const key = argv[1]!;
  const e = lookup(c, key, 'string', r);
  if (e === null) return;
  let cur = parseLongDouble('0')!;
  if (e !== undefined) {
    const v = parseLongDouble(e.v as string);
    if (v === null) {
      r.error(E.NOTFLOAT);
      return;
    }
    cur = v;
  }
  const by = parseLongDouble(argv[2]!);
  if (by === null) {
    r.error(E.NOTFLOAT);
    return;
  }
  const next = addLongDouble(cur, by);
  if (next.inf) {
    r.error('ERR increment would produce NaN or Infinity');
    return;
  }
  const s = formatLongDouble(next);
  if (e !== undefined) e.v = s;
  else c.db.add(key, s);
  c.touch(key);
  c.engine.customProp = true;
  c.engine.propagate(c.db.id, ['SET', key, s, 'KEEPTTL']);
  r.bulk(s);
}

function checkSize(c: Session, len: number, r: Reply): boolean {
  // Values are JS strings: past V8's limit (just under 512 MiB) the same error beats a crash.
  if (len > c.engine.config.protoMaxBulkLen || len > MAX_STRING_LENGTH) {
    r.error('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
    return false;
  }
  return true;
}

function append(c: Session, argv: string[], r: Reply): void {
  const key = argv[1]!;
  const e = lookup(c, key, 'string', r);
  if (e === null) return;
  if (e === undefined) {
    c.db.add(key, argv[2]!);
    c.touch(key);
    r.int(argv[2]!.length);
    return;
  }
  const cur = e.v as string;
  if (!checkSize(c, cur.length + argv[2]!.length, r)) return;
  e.v = cur + argv[2]!;
  c.touch(key);
  r.int((e.v as string).length);
}

function strlen(c: Session, argv: string[], r: Reply): void {
  const e = lookup(c, argv[1]!, 'string', r);
  if (e === null) return;
  r.int(e === undefined ? 0 : (e.v as string).length);
}

function getrange(c: Session, argv: string[], r: Reply): void {
  const start0 = intArg(argv[2]!, r);
  if (start0 === null) return;
  const end0 = intArg(argv[3]!, r);
  if (end0 === null) return;
  const e = lookup(c, argv[1]!, 'string', r);
  if (e === null) return;
  if (e === undefined) {
    r.bulk('');
    return;
  }
  const s = e.v as string;
  let start = start0;
  let end = end0;
  // Redis: both negative and start > end → empty.
  if (start < 0 && end < 0 && start > end) {
    r.bulk('');
    return;
  }
  const len = s.length;
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) {
    r.bulk('');
    return;
  }
  r.bulk(s.slice(start, end + 1));
}

function setrange(c: Session, argv: string[], r: Reply): void {
  const key = argv[1]!;
  const off = intArg(argv[2]!, r);
  if (off === null) return;
  if (off < 0) {
    r.error('ERR offset is out of range');
    return;
  }
  const val = argv[3]!;
  const e = lookup(c, key, 'string', r);
  if (e === null) return;
  const cur = e === undefined ? '' : (e.v as string);
  if (val.length === 0) {
    r.int(cur.length);
    return;
  }
  if (!checkSize(c, off + val.length, r)) return;
  const padded = cur.length < off ? cur + '\0'.repeat(off - cur.length) : cur;
  const next = padded.slice(0, off) + val + padded.slice(off + val.length);
  if (e === undefined) c.db.add(key, next);
  else e.v = next;
  c.touch(key);
  r.int(next.length);
}

function mget(c: Session, argv: string[], r: Reply): void {
  r.array(argv.length - 1);
  for (let i = 1; i < argv.length; i++) {
    const e = c.db.get(argv[i]!);
    if (e === undefined || typeof e.v !== 'string') r.nil();
    else r.bulk(e.v);
  }
}

function mset(c: Session, argv: string[], r: Reply): void {
  if (argv.length % 2 === 0) {
    r.error(`ERR wrong number of arguments for '${argv[0]!.toLowerCase()}' command`);
    return;
  }
  for (let i = 1; i < argv.length; i += 2) {
    c.db.set(argv[i]!, argv[i + 1]!);
    c.touch(argv[i]!);
  }
  r.ok();
}

function msetnx(c: Session, argv: string[], r: Reply): void {
  if (argv.length % 2 === 0) {
    r.error(`ERR wrong number of arguments for 'msetnx' command`);
    return;
  }
  for (let i = 1; i < argv.length; i += 2) {
    if (c.db.has(argv[i]!)) {
      r.int(0);
      return;
    }
  }
  for (let i = 1; i < argv.length; i += 2) {
    c.db.set(argv[i]!, argv[i + 1]!);
    c.touch(argv[i]!);
  }
  r.int(1);
}

function setnx(c: Session, argv: string[], r: Reply): void {
  if (c.db.has(argv[1]!)) {
    r.int(0);
    return;
  }
  c.db.add(argv[1]!, argv[2]!);
  c.touch(argv[1]!);
  r.int(1);
}

function getset(c: Session, argv: string[], r: Reply): void {
  const e = lookup(c, argv[1]!, 'string', r);
  if (e === null) return;
  const prev = e === undefined ? undefined : (e.v as string);
  c.db.set(argv[1]!, argv[2]!);
  c.touch(argv[1]!);
  if (prev === undefined) r.nil();
  else r.bulk(prev);
}

function getdel(c: Session, argv: string[], r: Reply): void {
  const e = lookup(c, argv[1]!, 'string', r);
  if (e === null) return;
  if (e === undefined) {
    r.nil();
    return;
  }
  c.db.remove(argv[1]!, e);
  c.touch(argv[1]!);
  r.bulk(e.v as string);
}

function getex(c: Session, argv: string[], r: Reply): void {
  const key = argv[1]!;
  const opt: ExpireOpt = { at: 0, keep: false, persist: false, set: false };
  for (let i = 2; i < argv.length; ) {
    const next = parseExpire(argv, i, opt, 'getex', r, false, true);
    if (next === -1) return;
    if (next === -2) {
      r.error(E.SYNTAX);
      return;
    }
    i = next;
  }
  const e = lookup(c, key, 'string', r);
  if (e === null) return;
  if (e === undefined) {
    r.nil();
    return;
  }
  const val = e.v as string;
  if (opt.set) {
    c.engine.customProp = true;
    if (opt.at <= Date.now()) {
      c.db.remove(key, e);
      c.touch(key);
      c.engine.propagate(c.db.id, ['DEL', key]);
    } else {
      c.db.setExpire(key, e, opt.at);
      c.touch(key);
      c.engine.propagate(c.db.id, ['PEXPIREAT', key, String(opt.at)]);
    }
  } else if (opt.persist && e.exp !== 0) {
    c.db.setExpire(key, e, 0);
    c.touch(key);
  }
  r.bulk(val);
}

export const stringCommands: CommandDef[] = [
  cmd('get', 2, 'readonly fast', [1, 1, 1], get),
  cmd('set', -3, 'write denyoom', [1, 1, 1], set),
  cmd('setnx', 3, 'write denyoom fast', [1, 1, 1], setnx),
  cmd('setex', 4, 'write denyoom', [1, 1, 1], setexGeneric(1000, 'setex')),
  cmd('psetex', 4, 'write denyoom', [1, 1, 1], setexGeneric(1, 'psetex')),
  cmd('getset', 3, 'write denyoom fast', [1, 1, 1], getset),
  cmd('getdel', 2, 'write fast', [1, 1, 1], getdel),
  cmd('getex', -2, 'write fast', [1, 1, 1], getex),
  cmd('mget', -2, 'readonly fast', [1, -1, 1], mget),
  cmd('mset', -3, 'write denyoom', [1, -1, 2], mset),
  cmd('msetnx', -3, 'write denyoom', [1, -1, 2], msetnx),
  cmd('incr', 2, 'write denyoom fast', [1, 1, 1], (c, a, r) => incrBy(c, a[1]!, 1, r)),
  cmd('decr', 2, 'write denyoom fast', [1, 1, 1], (c, a, r) => incrBy(c, a[1]!, -1, r)),
  cmd('incrby', 3, 'write denyoom fast', [1, 1, 1], incrByArg(1)),
  cmd('decrby', 3, 'write denyoom fast', [1, 1, 1], incrByArg(-1)),
  cmd('incrbyfloat', 3, 'write denyoom fast', [1, 1, 1], incrbyfloat),
  cmd('append', 3, 'write denyoom fast', [1, 1, 1], append),
  cmd('strlen', 2, 'readonly fast', [1, 1, 1], strlen),
  cmd('getrange', 4, 'readonly', [1, 1, 1], getrange),
  cmd('substr', 4, 'readonly', [1, 1, 1], getrange),
  cmd('setrange', 4, 'write denyoom', [1, 1, 1], setrange),
];
