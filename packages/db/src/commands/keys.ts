import { cmd, type CommandDef } from '../command.js';
import { Deque } from '../deque.js';
import { globMatch } from '../glob.js';
import { typeOf, type Value } from '../keyspace.js';
import { parseInt64 } from '../numbers.js';
import type { Reply } from '../reply.js';
import type { Session } from '../session.js';
import { ZSet } from '../zset.js';
import { Stream } from '../stream/stream.js';
import { E, cursorArg, intArg } from './util.js';

export function cloneValue(v: Value): Value {
  if (typeof v === 'string') return v;
  if (v instanceof Deque) return Deque.from(v.toArray());
  if (v instanceof Map) return new Map(v);
  if (v instanceof Set) return new Set(v);
  if (v instanceof Stream) return v.clone();
  const z = new ZSet();
  for (const e of v.arr) {
    z.dict.set(e.m, e.s);
    z.arr.push({ m: e.m, s: e.s });
  }
  return z;
}

function del(c: Session, argv: string[], r: Reply): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) {
    if (c.db.delete(argv[i]!)) {
      c.touch(argv[i]!);
      n++;
    }
  }
  r.int(n);
}

function exists(c: Session, argv: string[], r: Reply): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (c.db.has(argv[i]!)) n++;
  r.int(n);
}

function type(c: Session, argv: string[], r: Reply): void {
  const e = c.db.get(argv[1]!);
  r.simple(e === undefined ? 'none' : typeOf(e.v));
}

const MAX_MS = 2 ** 62;

function expireGeneric(unitMs: number, absolute: boolean) {
  return (c: Session, argv: string[], r: Reply): void => {
    const name = argv[0]!.toLowerCase();
    let nx = false;
    let xx = false;
    let gt = false;
    let lt = false;
    for (let i = 3; i < argv.length; i++) {
      const o = argv[i]!.toLowerCase();
      if (o === 'nx') nx = true;
      else if (o === 'xx') xx = true;
      else if (o === 'gt') gt = true;
      else if (o === 'lt') lt = true;
      else {
        r.error(`ERR Unsupported option ${argv[i]}`);
        return;
      }
    }
    if (nx && (xx || gt || lt)) {
      r.error('ERR NX and XX, GT or LT options at the same time are not compatible');
      return;
    }
    if (gt && lt) {
      r.error('ERR GT and LT options at the same time are not compatible');
      return;
    }
    const v = parseInt64(argv[2]!);
    if (v === null) {
      r.error(E.NOTINT);
      return;
    }
    let when = Number(v) * unitMs;
    if (Math.abs(when) > MAX_MS) {
      r.error(`ERR invalid expire time in '${name}' command`);
      return;
    }
    if (!absolute) when += Date.now();
    const key = argv[1]!;
    const e = c.db.get(key);
    if (e === undefined) {
      r.int(0);
      return;
    }
    const cur = e.exp === 0 ? -1 : e.exp;
    if ((nx && cur !== -1) || (xx && cur === -1) || (gt && (cur === -1 || when <= cur)) || (lt && cur !== -1 && when >= cur)) {
      r.int(0);
      return;
    }
    c.engine.customProp = true;
    if (when <= Date.now()) {
      c.db.remove(key, e);
      c.touch(key);
      c.engine.propagate(c.db.id, ['DEL', key]);
    } else {
      c.db.setExpire(key, e, when);
      c.touch(key);
      c.engine.propagate(c.db.id, ['PEXPIREAT', key, String(when)]);
    }
    r.int(1);
  };
}

function ttlGeneric(mode: 'ttl' | 'pttl' | 'expiretime' | 'pexpiretime') {
  return (c: Session, argv: string[], r: Reply): void => {
    const e = c.db.get(argv[1]!);
    if (e === undefined) r.int(-2);
    else if (e.exp === 0) r.int(-1);
    else if (mode === 'pexpiretime') r.int(e.exp);
    else if (mode === 'expiretime') r.int(Math.floor((e.exp + 500) / 1000));
    else {
      const left = Math.max(0, e.exp - Date.now());
      r.int(mode === 'pttl' ? left : Math.floor((left + 500) / 1000));
    }
  };
}

function persist(c: Session, argv: string[], r: Reply): void {
  const e = c.db.get(argv[1]!);
  if (e === undefined || e.exp === 0) {
    r.int(0);
    return;
  }
  c.db.setExpire(argv[1]!, e, 0);
  c.touch(argv[1]!);
  r.int(1);
}

function keys(c: Session, argv: string[], r: Reply): void {
  const pat = argv[1]!;
  const all = pat === '*';
  const now = Date.now();
  const out: string[] = [];
  for (const [k, e] of c.db.data) {
    if (e.exp !== 0 && e.exp <= now) continue;
    if (all || globMatch(pat, k)) out.push(k);
  }
  r.array(out.length);
  for (const k of out) r.bulk(k);
}

/** Parses `MATCH p COUNT n [TYPE t]` starting at `i`; null after an error reply. */
export function scanOptions(argv: string[], i: number, r: Reply, allowType: boolean): { match?: string; count: number; type?: string } | null {
  const o: { match?: string; count: number; type?: string } = { count: 10 };
  for (; i < argv.length; i += 2) {
    const a = argv[i]!.toLowerCase();
    if (i + 1 >= argv.length) {
      r.error(E.SYNTAX);
      return null;
    }
    if (a === 'count') {
      const n = intArg(argv[i + 1]!, r);
      if (n === null) return null;
      if (n < 1) {
        r.error(E.SYNTAX);
        return null;
      }
      o.count = n;
    } else if (a === 'match') o.match = argv[i + 1]!;
    else if (a === 'type' && allowType) o.type = argv[i + 1]!.toLowerCase();
    else {
      r.error(E.SYNTAX);
      return null;
    }
  }
  return o;
}

function scan(c: Session, argv: string[], r: Reply): void {
  const cur = cursorArg(argv[1]!, r);
  if (cur === null) return;
  const o = scanOptions(argv, 2, r, true);
  if (o === null) return;
  const { keys: found, next } = c.db.scan(cur, o.count);
  const out: string[] = [];
  for (const k of found) {
    const e = c.db.get(k);
    if (e === undefined) continue;
    if (o.match !== undefined && o.match !== '*' && !globMatch(o.match, k)) continue;
    if (o.type !== undefined && typeOf(e.v) !== o.type) continue;
    out.push(k);
  }
  r.array(2);
  r.bulk(String(next));
  r.array(out.length);
  for (const k of out) r.bulk(k);
}

function rename(nx: boolean) {
  return (c: Session, argv: string[], r: Reply): void => {
    const src = argv[1]!;
    const dst = argv[2]!;
    const e = c.db.get(src);
    if (e === undefined) {
      r.error(E.NOKEY);
      return;
    }
    if (src === dst) {
      if (nx) r.int(0);
      else r.ok();
      return;
    }
    if (nx && c.db.has(dst)) {
      r.int(0);
      return;
    }
    c.db.remove(src, e);
    c.db.delete(dst);
    c.db.add(dst, e.v, e.exp);
    c.touch(src);
    c.touch(dst);
    if (nx) r.int(1);
    else r.ok();
  };
}

function dbArg(c: Session, s: string, r: Reply): number | null {
  const n = intArg(s, r);
  if (n === null) return null;
  if (n < 0 || n >= c.engine.dbs.length) {
    r.error(E.DBRANGE);
    return null;
  }
  return n;
}

function copy(c: Session, argv: string[], r: Reply): void {
  const src = argv[1]!;
  const dst = argv[2]!;
  let target = c.db;
  let replace = false;
  for (let i = 3; i < argv.length; i++) {
    const a = argv[i]!.toLowerCase();
    if (a === 'replace') replace = true;
    else if (a === 'db' && i + 1 < argv.length) {
      const n = dbArg(c, argv[++i]!, r);
      if (n === null) return;
      target = c.engine.dbs[n]!;
    } else {
      r.error(E.SYNTAX);
      return;
    }
  }
  if (src === dst && target === c.db) {
    r.error('ERR source and destination objects are the same');
    return;
  }
  const e = c.db.get(src);
  if (e === undefined) {
    r.int(0);
    return;
  }
  if (target.has(dst)) {
    if (!replace) {
      r.int(0);
      return;
    }
    target.delete(dst);
  }
  target.add(dst, cloneValue(e.v), e.exp);
  c.engine.modified(target, dst);
  r.int(1);
}

function move(c: Session, argv: string[], r: Reply): void {
  const key = argv[1]!;
  const n = dbArg(c, argv[2]!, r);
  if (n === null) return;
  const target = c.engine.dbs[n]!;
  if (target === c.db) {
    r.error('ERR source and destination objects are the same');
    return;
  }
  const e = c.db.get(key);
  if (e === undefined || target.has(key)) {
    r.int(0);
    return;
  }
  c.db.remove(key, e);
  target.add(key, e.v, e.exp);
  c.touch(key);
  c.engine.modified(target, key);
  r.int(1);
}

function randomkey(c: Session, _argv: string[], r: Reply): void {
  for (let i = 0; i < 100; i++) {
    const k = c.db.randomKey();
    if (k === undefined) break;
    if (c.db.has(k)) {
      r.bulk(k);
      return;
    }
  }
  r.nil();
}

function encodingOf(v: Value): string {
  if (typeof v === 'string') {
    if (v.length <= 20 && parseInt64(v) !== null) return 'int';
    return v.length <= 44 ? 'embstr' : 'raw';
  }
  if (v instanceof Deque) return 'quicklist';
  if (v instanceof Map) {
    if (v.size > 128) return 'hashtable';
    for (const [f, x] of v) if (f.length > 64 || x.length > 64) return 'hashtable';
    return 'listpack';
  }
  if (v instanceof Set) {
    if (v.size <= 512 && [...v].every((m) => parseInt64(m) !== null)) return 'intset';
    return 'hashtable';
  }
  if (v instanceof Stream) return 'stream';
  if (v.size > 128 || v.arr.some((e) => e.m.length > 64)) return 'skiplist';
  return 'listpack';
}

function objectSub(kind: 'encoding' | 'refcount' | 'idletime' | 'freq') {
  return (c: Session, argv: string[], r: Reply): void => {
    const e = c.db.get(argv[2]!);
    if (e === undefined) {
      r.nil();
      return;
    }
    if (kind === 'encoding') r.bulk(encodingOf(e.v));
    else if (kind === 'freq') r.error('ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.');
    else r.int(kind === 'refcount' ? 1 : 0);
  };
}

function touch(c: Session, argv: string[], r: Reply): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (c.db.has(argv[i]!)) n++;
  r.int(n);
}

export const keyCommands: CommandDef[] = [
  cmd('del', -2, 'write', [1, -1, 1], del),
  cmd('unlink', -2, 'write fast', [1, -1, 1], del),
  cmd('exists', -2, 'readonly fast', [1, -1, 1], exists),
  cmd('touch', -2, 'readonly fast', [1, -1, 1], touch),
  cmd('type', 2, 'readonly fast', [1, 1, 1], type),
  cmd('expire', -3, 'write fast', [1, 1, 1], expireGeneric(1000, false)),
  cmd('pexpire', -3, 'write fast', [1, 1, 1], expireGeneric(1, false)),
  cmd('expireat', -3, 'write fast', [1, 1, 1], expireGeneric(1000, true)),
  cmd('pexpireat', -3, 'write fast', [1, 1, 1], expireGeneric(1, true)),
  cmd('ttl', 2, 'readonly fast', [1, 1, 1], ttlGeneric('ttl')),
  cmd('pttl', 2, 'readonly fast', [1, 1, 1], ttlGeneric('pttl')),
  cmd('expiretime', 2, 'readonly fast', [1, 1, 1], ttlGeneric('expiretime')),
  cmd('pexpiretime', 2, 'readonly fast', [1, 1, 1], ttlGeneric('pexpiretime')),
  cmd('persist', 2, 'write fast', [1, 1, 1], persist),
  cmd('keys', 2, 'readonly', [0, 0, 0], keys),
  cmd('scan', -2, 'readonly', [0, 0, 0], scan),
  cmd('rename', 3, 'write', [1, 2, 1], rename(false)),
  cmd('renamenx', 3, 'write fast', [1, 2, 1], rename(true)),
  cmd('randomkey', 1, 'readonly', [0, 0, 0], randomkey),
  cmd('copy', -3, 'write denyoom', [1, 2, 1], copy),
  cmd('move', 3, 'write fast', [1, 1, 1], move),
  cmd('object', -2, '', [0, 0, 0], undefined, [
    cmd('encoding', 3, 'readonly', [2, 2, 1], objectSub('encoding')),
    cmd('refcount', 3, 'readonly', [2, 2, 1], objectSub('refcount')),
    cmd('idletime', 3, 'readonly', [2, 2, 1], objectSub('idletime')),
    cmd('freq', 3, 'readonly', [2, 2, 1], objectSub('freq')),
    cmd('help', 2, 'loading stale', [0, 0, 0], (_c, _a, r) => {
      const lines = [
        'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
        'ENCODING <key>',
        '    Return the kind of internal representation used in order to store the value',
        '    associated with a <key>.',
        'FREQ <key>',
        '    Return the access frequency index of the <key>. The returned integer is',
        '    proportional to the logarithm of the recent access frequency of the key.',
        'IDLETIME <key>',
        '    Return the idle time of the <key>, that is the approximated number of',
        '    seconds elapsed since the last access to the key.',
        'REFCOUNT <key>',
        '    Return the number of references of the value associated with the specified',
        '    <key>.',
        'HELP',
        '    Print this help.',
      ];
      r.array(lines.length);
      for (const l of lines) r.simple(l);
    }),
  ]),
];
