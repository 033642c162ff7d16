import { cmd, type CommandDef } from '../command.js';
import type { Entry } from '../keyspace.js';
import { parseInt64 } from '../numbers.js';
import type { Reply } from '../reply.js';
import type { Session } from '../session.js';
import { E } from '../commands/util.js';
import {
  MAX_ID,
  MIN_ID,
  Stream,
  cmpId,
  getConsumer,
  idStr,
  nextId,
  idFits,
  parseId,
  pelAdd,
  pelRange,
  pelRemove,
  prevId,
  type Group,
  type StreamEntry,
  type StreamId,
} from './stream.js';

const BAD_ID = 'ERR Invalid stream ID specified as stream command argument';
const ID_TOO_BIG = `ERR stream ID parts above ${Number.MAX_SAFE_INTEGER} are not supported by hero_db`;

/** Parses an id that will be stored (XADD, XSETID, group last ids): refused rather than rounded. */
function storedId(a: string, r: Reply): StreamId | null {
  const id = parseId(a, 0);
  if (id === null) r.error(BAD_ID);
  else if (!idFits(a)) r.error(ID_TOO_BIG);
  else return id;
  return null;
}
const NOKEY_GROUP = 'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.';

/** The stream at `key`; undefined when missing; null after writing WRONGTYPE. */
function lookupStream(c: Session, key: string, r: Reply): (Entry & { v: Stream }) | undefined | null {
  const e = c.db.get(key);
  if (e === undefined) return undefined;
  if (!(e.v instanceof Stream)) {
    r.error(E.WRONGTYPE);
    return null;
  }
  return e as Entry & { v: Stream };
}

function writeEntry(r: Reply, e: StreamEntry): void {
  r.array(2);
  r.bulk(idStr(e.id));
  r.array(e.fields.length);
  for (const f of e.fields) r.bulk(f);
}

function writeEntries(r: Reply, list: StreamEntry[]): void {
  r.array(list.length);
  for (const e of list) writeEntry(r, e);
}

/** The fields XINFO STREAM reports in both its forms, from `length` to the first entry's id. */
function writeStreamSummary(r: Reply, s: Stream, first: StreamEntry | undefined): void {
  r.bulk('length');
  r.int(s.length);
  // An estimate of Redis's rax (one listpack node per 100 entries); an empty stream has none.
  const nodes = Math.ceil(s.length / 100);
  r.bulk('radix-tree-keys');
  r.int(nodes);
  r.bulk('radix-tree-nodes');
  r.int(nodes + 1);
  r.bulk('last-generated-id');
  r.bulk(idStr(s.lastId));
  r.bulk('max-deleted-entry-id');
  r.bulk(idStr(s.maxDeletedId));
  r.bulk('entries-added');
  r.int(s.entriesAdded);
  r.bulk('recorded-first-entry-id');
  r.bulk(idStr(first?.id ?? MIN_ID));
}

/** Every argument from `from` on as an entry id, or null after replying the error. */
function parseIds(argv: string[], from: number, r: Reply): StreamId[] | null {
  const ids: StreamId[] = [];
  for (let i = from; i < argv.length; i++) {
    const id = parseId(argv[i]!, 0);
    if (id === null) {
      r.error(BAD_ID);
      return null;
    }
    ids.push(id);
  }
  return ids;
}

function countArg(s: string, r: Reply, msg: string = E.NOTINT): number | null {
  const v = parseInt64(s);
  if (v === null) {
    r.error(msg);
    return null;
  }
  return Number(v);
}

interface TrimSpec {
  strategy: 'maxlen' | 'minid';
  threshold: number | StreamId;
  approx: boolean;
  limit: number;
}

/** Parses MAXLEN|MINID [=|~] threshold [LIMIT n] at argv[i]; returns the next index or null. */
function parseTrim(argv: string[], i: number, r: Reply, out: { spec?: TrimSpec }): number | null {
  const strategy = argv[i]!.toLowerCase() as 'maxlen' | 'minid';
  i++;
  let approx = false;
  if (argv[i] === '~' || argv[i] === '=') {
    approx = argv[i] === '~';
    i++;
  }
  const t = argv[i];
  if (t === undefined) {
    r.error(E.SYNTAX);
    return null;
  }
  i++;
  let threshold: number | StreamId;
  if (strategy === 'maxlen') {
    const n = parseInt64(t);
    if (n === null) {
      r.error(E.NOTINT);
      return null;
    }
    if (n < 0) {
      r.error('ERR The MAXLEN argument must be >= 0.');
      return null;
    }
    threshold = Number(n);
  } else {
    const id = parseId(t, 0);
    if (id === null) {
      r.error(BAD_ID);
      return null;
    }
    threshold = id;
  }
  let limit = approx ? 100 * 100 : 0;
  if (argv[i]?.toLowerCase() === 'limit' && i + 1 < argv.length) {
    const n = parseInt64(argv[i + 1]!);
    if (n === null) {
      r.error(E.NOTINT);
      return null;
    }
    if (n < 0) {
      r.error('ERR The LIMIT argument must be >= 0.');
      return null;
    }
    if (!approx) {
      r.error('ERR syntax error, LIMIT cannot be used without the special ~ option');
      return null;
    }
    limit = Number(n);
    i += 2;
  }
  out.spec = { strategy, threshold, approx, limit };
  return i;
}

function xadd(c: Session, argv: string[], r: Reply): void {
  const key = argv[1]!;
  let i = 2;
  let nomk = false;
  const trim: { spec?: TrimSpec } = {};
  for (;;) {
    const a = argv[i]?.toLowerCase();
    if (a === 'nomkstream') {
      nomk = true;
      i++;
    } else if (a === 'maxlen' || a === 'minid') {
      if (trim.spec !== undefined && trim.spec.strategy !== a) {
        r.error('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
        return;
      }
      const next = parseTrim(argv, i, r, trim);
      if (next === null) return;
      i = next;
    } else break;
  }
  const idArg = argv[i];
  if (idArg === undefined || (argv.length - i - 1) % 2 !== 0 || argv.length - i - 1 < 2) {
    r.error(`ERR wrong number of arguments for 'xadd' command`);
    return;
  }
  let explicit: StreamId | null = null;
  let autoSeqMs = -1;
  if (idArg !== '*') {
    if (idArg.endsWith('-*')) {
      const ms = storedId(idArg.slice(0, -2), r);
      if (ms === null) return;
      autoSeqMs = ms.ms;
    } else {
      explicit = storedId(idArg, r);
      if (explicit === null) return;
      if (explicit.ms === 0 && explicit.seq === 0) {
        r.error('ERR The ID specified in XADD must be greater than 0-0');
        return;
      }
    }
  }
  const e = lookupStream(c, key, r);
  if (e === null) return;
  if (e === undefined && nomk) {
    r.nil();
    return;
  }
  const s = e?.v ?? new Stream();
  let id: StreamId;
  if (explicit !== null) id = explicit;
  else if (autoSeqMs >= 0) {
    if (autoSeqMs === s.lastId.ms) {
      if (s.lastId.seq >= Number.MAX_SAFE_INTEGER) id = { ms: autoSeqMs, seq: -1 };
      else id = { ms: autoSeqMs, seq: s.lastId.seq + 1 };
    } else id = { ms: autoSeqMs, seq: autoSeqMs === 0 ? 1 : 0 };
  } else {
    const now = Date.now();
    const next = now > s.lastId.ms ? { ms: now, seq: 0 } : nextId(s.lastId);
    if (next === null) {
      r.error('ERR The stream has exhausted the last possible ID, unable to add more items');
      return;
    }
    id = next;
  }
  if (cmpId(id, s.lastId) <= 0 || id.seq < 0) {
    r.error('ERR The ID specified in XADD is equal or smaller than the target stream top item');
    return;
  }
  if (e === undefined) c.db.add(key, s);
  s.append(id, argv.slice(i + 1));
  if (trim.spec) s.trim(trim.spec.strategy, trim.spec.threshold, trim.spec.approx, trim.spec.limit);
  const ids = idStr(id);
  c.engine.customProp = true;
  const prop = argv.slice();
  prop[i] = ids;
  c.engine.propagate(c.db.id, prop);
  c.touch(key);
  r.bulk(ids);
}

function xlen(c: Session, argv: string[], r: Reply): void {
  const e = lookupStream(c, argv[1]!, r);
  if (e === null) return;
  r.int(e?.v.length ?? 0);
}

/** Range bound: -, +, ms, ms-seq, or (exclusive. */
function rangeBound(s: string, start: boolean, r: Reply): StreamId | null | undefined {
  if (s === '-') return MIN_ID;
  if (s === '+') return MAX_ID;
  const exclusive = s.startsWith('(');
  const id = parseId(exclusive ? s.slice(1) : s, start ? 0 : Number.MAX_SAFE_INTEGER);
  if (id === null) {
    r.error(BAD_ID);
    return null;
  }
  if (!exclusive) return id;
  const moved = start ? nextId(id) : prevId(id);
  if (moved === null) {
    r.error(start ? 'ERR invalid start ID for the interval' : 'ERR invalid end ID for the interval');
    return null;
  }
  return moved;
}

function xrangeGeneric(rev: boolean) {
  return (c: Session, argv: string[], r: Reply): void => {
    const start = rangeBound(rev ? argv[3]! : argv[2]!, true, r);
    if (start == null) return;
    const end = rangeBound(rev ? argv[2]! : argv[3]!, false, r);
    if (end == null) return;
    let count = -1;
    if (argv.length > 4) {
      if (argv.length !== 6 || argv[4]!.toLowerCase() !== 'count') {
        r.error(E.SYNTAX);
        return;
      }
      const n = countArg(argv[5]!, r);
      if (n === null) return;
      count = n < 0 ? 0 : n;
    }
    const e = lookupStream(c, argv[1]!, r);
    if (e === null) return;
    if (count === 0) {
      r.nilArray();
      return;
    }
    if (e === undefined) {
      r.array(0);
      return;
    }
    writeEntries(r, e.v.range(start, end, count, rev));
  };
}

function xdel(c: Session, argv: string[], r: Reply): void {
  const ids = parseIds(argv, 2, r);
  if (ids === null) return;
  const e = lookupStream(c, argv[1]!, r);
  if (e === null) return;
  let n = 0;
  if (e !== undefined) for (const id of ids) if (e.v.delete(id)) n++;
  if (n > 0) c.touch(argv[1]!);
  r.int(n);
}

function xtrim(c: Session, argv: string[], r: Reply): void {
  const a = argv[2]!.toLowerCase();
  if (a !== 'maxlen' && a !== 'minid') {
    r.error(E.SYNTAX);
    return;
  }
  const trim: { spec?: TrimSpec } = {};
  const next = parseTrim(argv, 2, r, trim);
  if (next === null) return;
  if (next !== argv.length) {
    r.error(E.SYNTAX);
    return;
  }
  const e = lookupStream(c, argv[1]!, r);
  if (e === null) return;
  if (e === undefined) {
    r.int(0);
    return;
  }
  const spec = trim.spec!;
  const n = e.v.trim(spec.strategy, spec.threshold, spec.approx, spec.limit);
  if (n > 0) c.touch(argv[1]!);
  r.int(n);
}

interface ReadSpec {
  count: number;
  block: number;
  noack: boolean;
  group?: string;
  consumer?: string;
  keys: string[];
  ids: string[];
}

function parseRead(argv: string[], group: boolean, r: Reply): ReadSpec | null {
  const name = group ? 'xreadgroup' : 'xread';
  const spec: ReadSpec = { count: 0, block: -1, noack: false, keys: [], ids: [] };
  let i = 1;
  for (; i < argv.length; i++) {
    const a = argv[i]!.toLowerCase();
    const more = i + 1 < argv.length;
    if (a === 'count' && more) {
      const n = countArg(argv[++i]!, r);
      if (n === null) return null;
      spec.count = n < 0 ? 0 : n;
    } else if (a === 'block' && more) {
      const n = parseInt64(argv[++i]!);
      if (n === null) {
        r.error('ERR timeout is not an integer or out of range');
        return null;
      }
      if (n < 0) {
        r.error('ERR timeout is negative');
        return null;
      }
      spec.block = Number(n);
    } else if (a === 'streams' && more) {
      const rest = argv.length - i - 1;
      if (rest % 2 !== 0) {
        r.error(`ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.`);
        return null;
      }
      spec.keys = argv.slice(i + 1, i + 1 + rest / 2);
      spec.ids = argv.slice(i + 1 + rest / 2);
      break;
    } else if (group && a === 'group' && i + 2 < argv.length) {
      spec.group = argv[++i]!;
      spec.consumer = argv[++i]!;
    } else if (group && a === 'noack') {
      spec.noack = true;
    } else {
      r.error(E.SYNTAX);
      return null;
    }
  }
  if (spec.keys.length === 0) {
    r.error(E.SYNTAX);
    return null;
  }
  if (group && spec.group === undefined) {
    r.error('ERR Missing GROUP option for XREADGROUP');
    return null;
  }
  if (!group && spec.group !== undefined) {
    r.error('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
    return null;
  }
  return spec;
}

function writeReadResult(r: Reply, results: [string, StreamEntry[] | (StreamEntry | StreamId)[]][]): void {
  if (r.proto === 3) r.map(results.length);
  else r.array(results.length);
  for (const [key, list] of results) {
    if (r.proto !== 3) r.array(2);
    r.bulk(key);
    r.array(list.length);
    for (const e of list) {
      if ('fields' in e) writeEntry(r, e);
      else {
        r.array(2);
        r.bulk(idStr(e));
        r.nilArray();
      }
    }
  }
}

function xread(c: Session, argv: string[], r: Reply): void {
  const spec = parseRead(argv, false, r);
  if (spec === null) return;
  const from: StreamId[] = [];
  for (let k = 0; k < spec.keys.length; k++) {
    const e = lookupStream(c, spec.keys[k]!, r);
    if (e === null) return;
    const a = spec.ids[k]!;
    if (a === '$') from.push(e?.v.lastId ?? MIN_ID);
    else if (a === '>') {
      r.error('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.');
      return;
    } else {
      const id = parseId(a, 0);
      if (id === null) {
        r.error(BAD_ID);
        return;
      }
      from.push(id);
    }
  }
  const db = c.db;
  const attempt = (w: Reply): boolean => {
    const results: [string, StreamEntry[]][] = [];
    for (let k = 0; k < spec.keys.length; k++) {
      const e = db.get(spec.keys[k]!);
      if (e === undefined || !(e.v instanceof Stream)) continue;
      const start = nextId(from[k]!);
      if (start === null) continue;
      const list = e.v.range(start, MAX_ID, spec.count, false);
      if (list.length > 0) results.push([spec.keys[k]!, list]);
    }
    if (results.length === 0) return false;
    writeReadResult(w, results);
    return true;
  };
  if (attempt(r)) return;
  if (spec.block < 0 || c.engine.inExec) {
    r.nilArray();
    return;
  }
  c.engine.block(c, spec.keys, spec.block, attempt, (w) => w.nilArray());
}

function noGroup(key: string, group: string): string {
  return `NOGROUP No such key '${key}' or consumer group '${group}' in XREADGROUP with GROUP option`;
}

/** Delivers new entries to a consumer; returns null when none. */
function deliverNew(s: Stream, g: Group, consumer: string, count: number, noack: boolean): StreamEntry[] | null {
  const start = nextId(g.lastId);
  if (start === null) return null;
  const list = s.range(start, MAX_ID, count, false);
  if (list.length === 0) return null;
  const now = Date.now();
  const { c } = getConsumer(g, consumer, now);
  c.seenTime = now;
  c.activeTime = now;
  for (const e of list) {
    // Redis 7 counts reads while it can, and re-estimates after deletions ahead of the group.
    const tombstoneAhead = cmpId(s.maxDeletedId, MIN_ID) !== 0 && cmpId(s.maxDeletedId, e.id) >= 0;
    if (g.entriesRead !== -1 && !tombstoneAhead) g.entriesRead++;
    else g.entriesRead = s.entriesReadAt(e.id);
    g.lastId = e.id;
    if (!noack) pelAdd(g, e.id, c, now, 1);
  }
  return list;
}

function xreadgroup(c: Session, argv: string[], r: Reply): void {
  const spec = parseRead(argv, true, r);
  if (spec === null) return;
  const from: (StreamId | null)[] = [];
  for (let k = 0; k < spec.keys.length; k++) {
    const key = spec.keys[k]!;
    const a = spec.ids[k]!;
    let id: StreamId | null = null;
    if (a !== '>') {
      id = parseId(a, 0);
      if (id === null) {
        r.error(BAD_ID);
        return;
      }
    }
    const e = lookupStream(c, key, r);
    if (e === null) return;
    const g = e?.v.groups.get(spec.group!);
    if (g === undefined) {
      r.error(noGroup(key, spec.group!));
      return;
    }
    from.push(id);
  }
  const db = c.db;
  const changed: string[] = [];
  const attempt = (w: Reply, blocking: boolean): boolean => {
    const results: [string, (StreamEntry | StreamId)[]][] = [];
    for (let k = 0; k < spec.keys.length; k++) {
      const key = spec.keys[k]!;
      const e = db.get(key);
      if (e === undefined || !(e.v instanceof Stream)) continue;
      const g = e.v.groups.get(spec.group!);
      if (g === undefined) continue;
      const id = from[k]!;
      if (id === null) {
        const list = deliverNew(e.v, g, spec.consumer!, spec.count, spec.noack);
        if (list !== null) {
          results.push([key, list]);
          changed.push(key);
        }
      } else if (!blocking) {
        const now = Date.now();
        const { c: cons, created } = getConsumer(g, spec.consumer!, now);
        cons.seenTime = now;
        if (created) changed.push(key);
        const out: (StreamEntry | StreamId)[] = [];
        const start = id;
        for (const p of pelRange(g, start, MAX_ID, spec.count > 0 ? spec.count : Infinity, cons)) {
          if (cmpId(p.id, start) < 0) continue;
          const entry = e.v.find(p.id);
          p.deliveryTime = now;
          p.deliveryCount++;
          out.push(entry ?? p.id);
        }
        results.push([key, out]);
      }
    }
    if (results.length === 0) return false;
    writeReadResult(w, results);
    return true;
  };
  const propArgv: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (i > 0 && argv[i]!.toLowerCase() === 'block' && i + 1 < argv.length && argv[i - 1]!.toLowerCase() !== 'streams') {
      i++;
      continue;
    }
    propArgv.push(argv[i]!);
  }
  const done = (): void => {
    if (changed.length === 0) return;
    c.engine.customProp = true;
    c.engine.propagate(db.id, propArgv);
    for (const k of new Set(changed)) c.engine.modified(db, k);
  };
  const hasHistory = from.some((x) => x !== null);
  if (attempt(r, false)) {
    done();
    return;
  }
  if (hasHistory || spec.block < 0 || c.engine.inExec) {
    if (hasHistory) writeReadResult(r, []);
    else r.nilArray();
    done();
    return;
  }
  c.engine.block(
    c,
    spec.keys,
    spec.block,
    (w) => {
      // Redis 7 wakes a blocked group reader with an error when its stream or group goes away.
      for (const key of spec.keys) {
        const e = db.get(key);
        if (e === undefined || !(e.v instanceof Stream)) {
          w.error('UNBLOCKED the stream key no longer exists');
          return true;
        }
        if (!e.v.groups.has(spec.group!)) {
          w.error('NOGROUP the consumer group this client was blocked on no longer exists');
          return true;
        }
      }
      changed.length = 0;
      const ok = attempt(w, true);
      if (ok) done();
      return ok;
    },
    (w) => w.nilArray(),
  );
}

function groupOf(c: Session, key: string, group: string, r: Reply): { s: Stream; g: Group } | null {
  const e = lookupStream(c, key, r);
  if (e === null) return null;
  if (e === undefined) {
    r.error(`NOGROUP No such key '${key}' or consumer group '${group}'`);
    return null;
  }
  const g = e.v.groups.get(group);
  if (g === undefined) {
    r.error(`NOGROUP No such key '${key}' or consumer group '${group}'`);
    return null;
  }
  return { s: e.v, g };
}

function xack(c: Session, argv: string[], r: Reply): void {
  const ids = parseIds(argv, 3, r);
  if (ids === null) return;
  const e = lookupStream(c, argv[1]!, r);
  if (e === null) return;
  const g = e?.v.groups.get(argv[2]!);
  if (g === undefined) {
    r.int(0);
    return;
  }
  let n = 0;
  for (const id of ids) if (pelRemove(g, id)) n++;
  if (n > 0) c.touch(argv[1]!);
  r.int(n);
}

function xpending(c: Session, argv: string[], r: Reply): void {
  const key = argv[1]!;
  const group = argv[2]!;
  if (argv.length === 3) {
    const sg = groupOf(c, key, group, r);
    if (sg === null) return;
    const { g } = sg;
    if (g.pel.length === 0) {
      r.array(4);
      r.int(0);
      r.nil();
      r.nil();
      r.nilArray();
      return;
    }
    r.array(4);
    r.int(g.pel.length);
    r.bulk(idStr(g.pel[0]!.id));
    r.bulk(idStr(g.pel[g.pel.length - 1]!.id));
    const counts = new Map<string, number>();
    for (const p of g.pel) counts.set(p.consumer.name, (counts.get(p.consumer.name) ?? 0) + 1);
    const names = [...counts.keys()].sort();
    r.array(names.length);
    for (const n of names) {
      r.array(2);
      r.bulk(n);
      r.bulk(String(counts.get(n)));
    }
    return;
  }
  let i = 3;
  let minIdle = 0;
  if (argv[i]!.toLowerCase() === 'idle') {
    if (i + 1 >= argv.length) {
      r.error(E.SYNTAX);
      return;
    }
    const n = countArg(argv[i + 1]!, r);
    if (n === null) return;
    minIdle = n;
    i += 2;
  }
  if (argv.length - i < 3 || argv.length - i > 4) {
    r.error(E.SYNTAX);
    return;
  }
  const start = rangeBound(argv[i]!, true, r);
  if (start == null) return;
  const end = rangeBound(argv[i + 1]!, false, r);
  if (end == null) return;
  const count = countArg(argv[i + 2]!, r);
  if (count === null) return;
  const sg = groupOf(c, key, group, r);
  if (sg === null) return;
  const consumerName = argv[i + 3];
  const cons = consumerName === undefined ? undefined : sg.g.consumers.get(consumerName);
  if (consumerName !== undefined && cons === undefined) {
    r.array(0);
    return;
  }
  const now = Date.now();
  const list = count <= 0 ? [] : pelRange(sg.g, start, end, Infinity, cons).filter((p) => now - p.deliveryTime >= minIdle).slice(0, count);
  r.array(list.length);
  for (const p of list) {
    r.array(4);
    r.bulk(idStr(p.id));
    r.bulk(p.consumer.name);
    r.int(now - p.deliveryTime);
    r.int(p.deliveryCount);
  }
}

function propagateClaim(c: Session, key: string, group: string, consumer: string, p: { id: StreamId; deliveryTime: number; deliveryCount: number }, lastId: StreamId): void {
  c.engine.propagate(c.db.id, [
    'XCLAIM', key, group, consumer, '0', idStr(p.id),
    'TIME', String(p.deliveryTime), 'RETRYCOUNT', String(p.deliveryCount), 'FORCE', 'JUSTID', 'LASTID', idStr(lastId),
  ]);
}

function xclaim(c: Session, argv: string[], r: Reply): void {
  const [, key, group, consumer] = argv as [string, string, string, string];
  const minIdle = countArg(argv[4]!, r, 'ERR Invalid min-idle-time argument for XCLAIM');
  if (minIdle === null) return;
  const ids: StreamId[] = [];
  let i = 5;
  for (; i < argv.length; i++) {
    const id = parseId(argv[i]!, 0);
    if (id === null) break;
    ids.push(id);
  }
  let idle = -1;
  let time = -1;
  let retry = -1;
  let force = false;
  let justid = false;
  let lastId: StreamId | null = null;
  for (; i < argv.length; i++) {
    const a = argv[i]!.toLowerCase();
    const more = i + 1 < argv.length;
    if (a === 'force') force = true;
    else if (a === 'justid') justid = true;
    else if ((a === 'idle' || a === 'time' || a === 'retrycount') && more) {
      const n = countArg(argv[++i]!, r);
      if (n === null) return;
      if (a === 'idle') idle = n;
      else if (a === 'time') time = n;
      else retry = n;
    } else if (a === 'lastid' && more) {
      lastId = storedId(argv[++i]!, r);
      if (lastId === null) return;
    } else {
      r.error(`ERR Unrecognized XCLAIM option '${argv[i]}'`);
      return;
    }
  }
  const sg = groupOf(c, key, group, r);
  if (sg === null) return;
  const { s, g } = sg;
  const now = Date.now();
  const deliveryTime = time >= 0 ? time : idle >= 0 ? now - idle : now;
  if (lastId !== null && cmpId(lastId, g.lastId) > 0) g.lastId = lastId;
  const { c: cons } = getConsumer(g, consumer, now);
  cons.seenTime = now;
  const out: (StreamEntry | StreamId)[] = [];
  c.engine.customProp = true;
  for (const id of ids) {
    let p = g.pelIndex.get(idStr(id));
    const entry = s.find(id);
    if (p === undefined) {
      if (!force || entry === undefined) continue;
      p = pelAdd(g, id, cons, now, 0);
    }
    if (entry === undefined) {
      pelRemove(g, id);
      c.engine.propagate(c.db.id, ['XACK', key, group, idStr(id)]);
      continue;
    }
    if (minIdle > 0 && now - p.deliveryTime < minIdle) continue;
    const count = retry >= 0 ? retry : justid ? p.deliveryCount : p.deliveryCount + 1;
    const claimed = pelAdd(g, id, cons, deliveryTime, count);
    cons.activeTime = now;
    propagateClaim(c, key, group, consumer, claimed, g.lastId);
    out.push(justid ? id : entry);
  }
  c.touch(key);
  r.array(out.length);
  for (const x of out) {
    if ('fields' in x) writeEntry(r, x);
    else r.bulk(idStr(x));
  }
}

function xautoclaim(c: Session, argv: string[], r: Reply): void {
  const [, key, group, consumer] = argv as [string, string, string, string];
  const minIdle = countArg(argv[4]!, r, 'ERR Invalid min-idle-time argument for XAUTOCLAIM');
  if (minIdle === null) return;
  const start = rangeBound(argv[5]!, true, r);
  if (start == null) return;
  let count = 100;
  let justid = false;
  for (let i = 6; i < argv.length; i++) {
    const a = argv[i]!.toLowerCase();
    if (a === 'count' && i + 1 < argv.length) {
      const n = countArg(argv[++i]!, r);
      if (n === null) return;
      if (n < 1 || n > Number.MAX_SAFE_INTEGER / 10) {
        r.error('ERR COUNT must be > 0');
        return;
      }
      count = n;
    } else if (a === 'justid') justid = true;
    else {
      r.error(E.SYNTAX);
      return;
    }
  }
  const sg = groupOf(c, key, group, r);
  if (sg === null) return;
  const { s, g } = sg;
  const now = Date.now();
  const { c: cons } = getConsumer(g, consumer, now);
  cons.seenTime = now;
  const claimed: StreamEntry[] = [];
  const claimedIds: StreamId[] = [];
  const deleted: StreamId[] = [];
  let attempts = count * 10;
  let next: StreamId = MIN_ID;
  c.engine.customProp = true;
  const candidates = pelRange(g, start, MAX_ID, Infinity);
  let idx = 0;
  for (; idx < candidates.length && attempts > 0 && claimed.length + claimedIds.length < count; idx++) {
    attempts--;
    const p = candidates[idx]!;
    const entry = s.find(p.id);
    if (entry === undefined) {
      deleted.push(p.id);
      pelRemove(g, p.id);
      c.engine.propagate(c.db.id, ['XACK', key, group, idStr(p.id)]);
      continue;
    }
    if (minIdle > 0 && now - p.deliveryTime < minIdle) continue;
    const np = pelAdd(g, p.id, cons, now, justid ? p.deliveryCount : p.deliveryCount + 1);
    cons.activeTime = now;
    propagateClaim(c, key, group, consumer, np, g.lastId);
    if (justid) claimedIds.push(p.id);
    else claimed.push(entry);
  }
  if (idx < candidates.length) {
    next = candidates[idx]!.id;
  }
  c.touch(key);
  r.array(3);
  r.bulk(idStr(next));
  if (justid) {
    r.array(claimedIds.length);
    for (const id of claimedIds) r.bulk(idStr(id));
  } else writeEntries(r, claimed);
  r.array(deleted.length);
  for (const id of deleted) r.bulk(idStr(id));
}

function groupIdArg(s: Stream | undefined, a: string, r: Reply): StreamId | null {
  if (a === '$') return s?.lastId ?? MIN_ID;
  return storedId(a, r);
}

function entriesReadArg(argv: string[], i: number, r: Reply): number | null | undefined {
  if (i >= argv.length) return undefined;
  if (argv[i]!.toLowerCase() !== 'entriesread' || i + 2 !== argv.length) {
    r.error(E.SYNTAX);
    return null;
  }
  const n = countArg(argv[i + 1]!, r);
  if (n === null) return null;
  if (n < 0 && n !== -1) {
    r.error('ERR value for ENTRIESREAD must be positive or -1');
    return null;
  }
  return n;
}

function xgroupCreate(c: Session, argv: string[], r: Reply): void {
  const [, , key, group, idArg] = argv as [string, string, string, string, string];
  let i = 5;
  let mk = false;
  if (argv[i]?.toLowerCase() === 'mkstream') {
    mk = true;
    i++;
  }
  const er = entriesReadArg(argv, i, r);
  if (er === null) return;
  const e = lookupStream(c, key, r);
  if (e === null) return;
  if (e === undefined && !mk) {
    r.error(NOKEY_GROUP);
    return;
  }
  const id = groupIdArg(e?.v, idArg, r);
  if (id === null) return;
  if (e?.v.groups.has(group)) {
    r.error('BUSYGROUP Consumer Group name already exists');
    return;
  }
  let s = e?.v;
  if (s === undefined) {
    s = new Stream();
    c.db.add(key, s);
  }
  s.createGroup(group, id, er ?? -1);
  c.touch(key);
  r.ok();
}

function xgroupSetid(c: Session, argv: string[], r: Reply): void {
  const [, , key, group, idArg] = argv as [string, string, string, string, string];
  const er = entriesReadArg(argv, 5, r);
  if (er === null) return;
  const e = lookupStream(c, key, r);
  if (e === null) return;
  if (e === undefined) {
    r.error(NOKEY_GROUP);
    return;
  }
  const g = e.v.groups.get(group);
  if (g === undefined) {
    r.error(`NOGROUP No such consumer group '${group}' for key name '${key}'`);
    return;
  }
  const id = groupIdArg(e.v, idArg, r);
  if (id === null) return;
  g.lastId = id;
  g.entriesRead = er ?? -1;
  c.touch(key);
  r.ok();
}

function xgroupDestroy(c: Session, argv: string[], r: Reply): void {
  const e = lookupStream(c, argv[2]!, r);
  if (e === null) return;
  if (e === undefined) {
    r.error(NOKEY_GROUP);
    return;
  }
  const ok = e.v.groups.delete(argv[3]!);
  if (ok) c.touch(argv[2]!);
  r.int(ok ? 1 : 0);
}

function consumerCmd(create: boolean) {
  return (c: Session, argv: string[], r: Reply): void => {
    const [, , key, group, name] = argv as [string, string, string, string, string];
    const e = lookupStream(c, key, r);
    if (e === null) return;
    if (e === undefined) {
      r.error(NOKEY_GROUP);
      return;
    }
    const g = e.v.groups.get(group);
    if (g === undefined) {
      r.error(`NOGROUP No such consumer group '${group}' for key name '${key}'`);
      return;
    }
    if (create) {
      const { created } = getConsumer(g, name, Date.now());
      if (created) c.touch(key);
      r.int(created ? 1 : 0);
      return;
    }
    const cons = g.consumers.get(name);
    if (cons === undefined) {
      r.int(0);
      return;
    }
    const n = cons.pending.size;
    for (const p of [...cons.pending.values()]) pelRemove(g, p.id);
    g.consumers.delete(name);
    c.touch(key);
    r.int(n);
  };
}

function lag(s: Stream, g: Group): number | null {
  if (s.entriesAdded === 0) return 0;
  if (g.entriesRead !== -1 && (cmpId(s.maxDeletedId, MIN_ID) === 0 || cmpId(s.maxDeletedId, g.lastId) <= 0 || cmpId(s.maxDeletedId, s.firstId) < 0)) {
    return s.entriesAdded - g.entriesRead;
  }
  const er = s.entriesReadAt(g.lastId);
  return er === -1 ? null : s.entriesAdded - er;
}

function writeGroupInfo(r: Reply, s: Stream, g: Group): void {
  r.map(6);
  r.bulk('name');
  r.bulk(g.name);
  r.bulk('consumers');
  r.int(g.consumers.size);
  r.bulk('pending');
  r.int(g.pel.length);
  r.bulk('last-delivered-id');
  r.bulk(idStr(g.lastId));
  r.bulk('entries-read');
  if (g.entriesRead === -1) r.nil();
  else r.int(g.entriesRead);
  r.bulk('lag');
  const l = lag(s, g);
  if (l === null) r.nil();
  else r.int(l);
}

function xinfo(c: Session, argv: string[], r: Reply): void {
  const sub = argv[1]!.toLowerCase();
  const e = lookupStream(c, argv[2]!, r);
  if (e === null) return;
  if (e === undefined) {
    r.error(E.NOKEY);
    return;
  }
  const s = e.v;
  if (sub === 'groups') {
    r.array(s.groups.size);
    for (const g of s.groups.values()) writeGroupInfo(r, s, g);
    return;
  }
  if (sub === 'consumers') {
    const g = s.groups.get(argv[3]!);
    if (g === undefined) {
      r.error(`NOGROUP No such consumer group '${argv[3]}' for key name '${argv[2]}'`);
      return;
    }
    const now = Date.now();
    r.array(g.consumers.size);
    for (const cons of g.consumers.values()) {
      // Redis 7.0 reports name, pending and idle (7.2 added `inactive`).
      r.map(3);
      r.bulk('name');
      r.bulk(cons.name);
      r.bulk('pending');
      r.int(cons.pending.size);
      r.bulk('idle');
      r.int(now - cons.seenTime);
    }
    return;
  }
  // STREAM [FULL [COUNT n]]
  const full = argv[3]?.toLowerCase() === 'full';
  if (argv.length > 3 && !full) {
    r.error(E.SYNTAX);
    return;
  }
  const first = s.entries[0];
  const last = s.entries[s.entries.length - 1];
  if (!full) {
    r.map(10);
    writeStreamSummary(r, s, first);
    r.bulk('groups');
    r.int(s.groups.size);
    r.bulk('first-entry');
    if (first) writeEntry(r, first);
    else r.nil();
    r.bulk('last-entry');
    if (last) writeEntry(r, last);
    else r.nil();
    return;
  }
  let count = 10;
  if (argv.length === 6 && argv[4]!.toLowerCase() === 'count') {
    const n = countArg(argv[5]!, r);
    if (n === null) return;
    count = n;
  }
  const list = count > 0 ? s.entries.slice(0, count) : s.entries;
  r.map(9);
  writeStreamSummary(r, s, first);
  r.bulk('entries');
  writeEntries(r, list);
  r.bulk('groups');
  r.array(s.groups.size);
  for (const g of s.groups.values()) {
    const pel = count > 0 ? g.pel.slice(0, count) : g.pel;
    r.map(7);
    r.bulk('name');
    r.bulk(g.name);
    r.bulk('last-delivered-id');
    r.bulk(idStr(g.lastId));
    r.bulk('entries-read');
    if (g.entriesRead === -1) r.nil();
    else r.int(g.entriesRead);
    r.bulk('lag');
    const l = lag(s, g);
    if (l === null) r.nil();
    else r.int(l);
    r.bulk('pel-count');
    r.int(g.pel.length);
    r.bulk('pending');
    r.array(pel.length);
    for (const p of pel) {
      r.array(4);
      r.bulk(idStr(p.id));
      r.bulk(p.consumer.name);
      r.int(p.deliveryTime);
      r.int(p.deliveryCount);
    }
    r.bulk('consumers');
    r.array(g.consumers.size);
    for (const cons of g.consumers.values()) {
      const cp = [...cons.pending.values()];
      r.map(5);
      r.bulk('name');
      r.bulk(cons.name);
      r.bulk('seen-time');
      r.int(cons.seenTime);
      r.bulk('active-time');
      r.int(cons.activeTime);
      r.bulk('pel-count');
      r.int(cp.length);
      r.bulk('pending');
      const shown = count > 0 ? cp.slice(0, count) : cp;
      r.array(shown.length);
      for (const p of shown) {
        r.array(3);
        r.bulk(idStr(p.id));
        r.int(p.deliveryTime);
        r.int(p.deliveryCount);
      }
    }
  }
}

function xsetid(c: Session, argv: string[], r: Reply): void {
  const id = storedId(argv[2]!, r);
  if (id === null) return;
  let added = -1;
  let maxDel: StreamId | null = null;
  for (let i = 3; i < argv.length; i++) {
    const a = argv[i]!.toLowerCase();
    if (a === 'entriesadded' && i + 1 < argv.length) {
      const n = countArg(argv[++i]!, r);
      if (n === null) return;
      if (n < 0) {
        r.error('ERR entries_added must be positive');
        return;
      }
      added = n;
    } else if (a === 'maxdeletedid' && i + 1 < argv.length) {
      maxDel = storedId(argv[++i]!, r);
      if (maxDel === null) return;
      if (cmpId(id, maxDel) < 0) {
        r.error('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
        return;
      }
    } else {
      r.error(E.SYNTAX);
      return;
    }
  }
  const e = lookupStream(c, argv[1]!, r);
  if (e === null) return;
  if (e === undefined) {
    r.error(E.NOKEY);
    return;
  }
  const s = e.v;
  if (added >= 0 && added < s.length) {
    r.error('ERR The entries_added specified in XSETID is smaller than the target stream length');
    return;
  }
  const last = s.entries[s.entries.length - 1];
  if (last !== undefined && cmpId(id, last.id) < 0) {
    r.error('ERR The ID specified in XSETID is smaller than the target stream top item');
    return;
  }
  s.lastId = id;
  if (added >= 0) s.entriesAdded = added;
  if (maxDel !== null) s.maxDeletedId = maxDel;
  c.touch(argv[1]!);
  r.ok();
}

function xgroupHelp(_c: Session, _argv: string[], r: Reply): void {
  const lines = [
    'XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
    'CREATE <key> <groupname> <id|$> [option]',
    'CREATECONSUMER <key> <groupname> <consumer>',
    'DELCONSUMER <key> <groupname> <consumername>',
    'DESTROY <key> <groupname>',
    'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
    'HELP',
  ];
  r.array(lines.length);
  for (const l of lines) r.simple(l);
}

/** Stream commands, in the command table's format. */
export const streamCommands: CommandDef[] = [
  cmd('xadd', -5, 'write denyoom fast', [1, 1, 1], xadd),
  cmd('xlen', 2, 'readonly fast', [1, 1, 1], xlen),
  cmd('xrange', -4, 'readonly', [1, 1, 1], xrangeGeneric(false)),
  cmd('xrevrange', -4, 'readonly', [1, 1, 1], xrangeGeneric(true)),
  cmd('xdel', -3, 'write fast', [1, 1, 1], xdel),
  cmd('xtrim', -4, 'write', [1, 1, 1], xtrim),
  cmd('xread', -4, 'readonly blocking', [0, 0, 0], xread),
  cmd('xreadgroup', -7, 'write blocking', [0, 0, 0], xreadgroup),
  cmd('xack', -4, 'write fast', [1, 1, 1], xack),
  cmd('xpending', -3, 'readonly', [1, 1, 1], xpending),
  cmd('xclaim', -6, 'write fast', [1, 1, 1], xclaim),
  cmd('xautoclaim', -6, 'write fast', [1, 1, 1], xautoclaim),
  cmd('xsetid', -3, 'write denyoom fast', [1, 1, 1], xsetid),
  cmd('xgroup', -2, '', [0, 0, 0], undefined, [
    cmd('create', -5, 'write denyoom', [2, 2, 1], xgroupCreate),
    cmd('setid', -5, 'write', [2, 2, 1], xgroupSetid),
    cmd('destroy', 4, 'write', [2, 2, 1], xgroupDestroy),
    cmd('createconsumer', 5, 'write denyoom', [2, 2, 1], consumerCmd(true)),
    cmd('delconsumer', 5, 'write', [2, 2, 1], consumerCmd(false)),
    cmd('help', 2, 'loading stale', [0, 0, 0], xgroupHelp),
  ]),
  cmd('xinfo', -2, '', [0, 0, 0], undefined, [
    cmd('stream', -3, 'readonly', [2, 2, 1], xinfo),
    cmd('groups', 3, 'readonly', [2, 2, 1], xinfo),
    cmd('consumers', 4, 'readonly', [2, 2, 1], xinfo),
  ]),
];
