/** A stream entry id: milliseconds and sequence number. */
export interface StreamId {
  ms: number;
  seq: number;
}

export interface StreamEntry {
  id: StreamId;
  /** field, value, field, value… */
  fields: string[];
}

export interface PendingEntry {
  id: StreamId;
  consumer: Consumer;
  deliveryTime: number;
  deliveryCount: number;
}

export interface Consumer {
  name: string;
  seenTime: number;
  activeTime: number;
  pending: Map<string, PendingEntry>;
}

export interface Group {
  name: string;
  lastId: StreamId;
  /** Entries the group has read (Redis 7 lag tracking); -1 when unknown. */
  entriesRead: number;
  /** The group's pending entries list, ordered by id. */
  pel: PendingEntry[];
  pelIndex: Map<string, PendingEntry>;
  consumers: Map<string, Consumer>;
}

export const MIN_ID: StreamId = { ms: 0, seq: 0 };
export const MAX_ID: StreamId = { ms: Number.MAX_SAFE_INTEGER, seq: Number.MAX_SAFE_INTEGER };

export function cmpId(a: StreamId, b: StreamId): number {
  return a.ms !== b.ms ? (a.ms < b.ms ? -1 : 1) : a.seq !== b.seq ? (a.seq < b.seq ? -1 : 1) : 0;
}

export function idStr(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

/** The id just after `id`, or null at the maximum. */
export function nextId(id: StreamId): StreamId | null {
  if (id.seq < Number.MAX_SAFE_INTEGER) return { ms: id.ms, seq: id.seq + 1 };
  if (id.ms < Number.MAX_SAFE_INTEGER) return { ms: id.ms + 1, seq: 0 };
  return null;
}

/** The id just before `id`, or null at 0-0. */
export function prevId(id: StreamId): StreamId | null {
  if (id.seq > 0) return { ms: id.ms, seq: id.seq - 1 };
  if (id.ms > 0) return { ms: id.ms - 1, seq: Number.MAX_SAFE_INTEGER };
  return null;
}

const U64 = /^\d{1,20}$/;

/**
 * Parses `ms[-seq]`; a missing seq becomes `missingSeq`. Parts beyond 2^53 are clamped (JS
 * numbers): right for range bounds, while ids that get stored are checked with `idFits` first.
 */
export function parseId(s: string, missingSeq: number): StreamId | null {
  const dash = s.indexOf('-');
  const a = dash === -1 ? s : s.slice(0, dash);
  const b = dash === -1 ? null : s.slice(dash + 1);
  if (!U64.test(a) || (b !== null && !U64.test(b))) return null;
  const ms = Number(a);
  const seq = b === null ? missingSeq : Number(b);
  if (ms > 18446744073709551615 || seq > 18446744073709551615) return null;
  return { ms: Math.min(ms, Number.MAX_SAFE_INTEGER), seq: Math.min(seq, Number.MAX_SAFE_INTEGER) };
}

/** False when a part of the id text is beyond 2^53 - 1, the largest id part hero_db stores exactly. */
export function idFits(s: string): boolean {
  const dash = s.indexOf('-');
  const a = Number(dash === -1 ? s : s.slice(0, dash));
  const b = dash === -1 ? 0 : Number(s.slice(dash + 1));
  return !(a > Number.MAX_SAFE_INTEGER) && !(b > Number.MAX_SAFE_INTEGER);
}

/** An append-mostly ordered log of entries with consumer groups. */
export class Stream {
  entries: StreamEntry[] = [];
  lastId: StreamId = MIN_ID;
  maxDeletedId: StreamId = MIN_ID;
  entriesAdded = 0;
  readonly groups = new Map<string, Group>();

  get length(): number {
    return this.entries.length;
  }

  /** A deep copy (COPY), consumer groups and pending lists included. */
  clone(): Stream {
    const s = new Stream();
    s.entries = this.entries.slice();
    s.lastId = this.lastId;
    s.maxDeletedId = this.maxDeletedId;
    s.entriesAdded = this.entriesAdded;
    for (const g of this.groups.values()) {
      const ng = s.createGroup(g.name, g.lastId, g.entriesRead);
      for (const c of g.consumers.values()) {
        ng.consumers.set(c.name, { name: c.name, seenTime: c.seenTime, activeTime: c.activeTime, pending: new Map() });
      }
      for (const p of g.pel) pelAdd(ng, p.id, ng.consumers.get(p.consumer.name)!, p.deliveryTime, p.deliveryCount);
    }
    return s;
  }

  get firstId(): StreamId {
    return this.entries[0]?.id ?? MIN_ID;
  }

  /** Index of the first entry with id >= `id`. */
  lowerBound(id: StreamId): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmpId(this.entries[mid]!.id, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  find(id: StreamId): StreamEntry | undefined {
    const i = this.lowerBound(id);
    const e = this.entries[i];
    return e !== undefined && cmpId(e.id, id) === 0 ? e : undefined;
  }

  append(id: StreamId, fields: string[]): void {
    this.entries.push({ id, fields });
    this.lastId = id;
    this.entriesAdded++;
  }

  /** Entries with start <= id <= end, up to `count` (0 = all), optionally from the end. */
  range(start: StreamId, end: StreamId, count: number, rev: boolean): StreamEntry[] {
    const out: StreamEntry[] = [];
    if (cmpId(start, end) > 0) return out;
    if (!rev) {
      for (let i = this.lowerBound(start); i < this.entries.length; i++) {
        const e = this.entries[i]!;
        if (cmpId(e.id, end) > 0) break;
        out.push(e);
        if (count > 0 && out.length >= count) break;
      }
    } else {
      const next = nextId(end);
      for (let i = (next === null ? this.entries.length : this.lowerBound(next)) - 1; i >= 0; i--) {
        const e = this.entries[i]!;
        if (cmpId(e.id, start) < 0) break;
        out.push(e);
        if (count > 0 && out.length >= count) break;
      }
    }
    return out;
  }

  delete(id: StreamId): boolean {
    const i = this.lowerBound(id);
    const e = this.entries[i];
    if (e === undefined || cmpId(e.id, id) !== 0) return false;
    this.entries.splice(i, 1);
    if (cmpId(id, this.maxDeletedId) > 0) this.maxDeletedId = id;
    return true;
  }

  /** Drops the `n` oldest entries (like Redis's trimming, this leaves max-deleted-entry-id alone). */
  dropHead(n: number): number {
    if (n <= 0) return 0;
    return this.entries.splice(0, n).length;
  }

  /**
   * XADD/XTRIM trimming. Exact trims remove precisely; approximate (`~`) ones remove whole
   * blocks of 100 entries only, as Redis removes whole radix-tree nodes, capped by `limit`.
   */
  trim(strategy: 'maxlen' | 'minid', threshold: number | StreamId, approx: boolean, limit: number): number {
    let n: number;
    if (strategy === 'maxlen') n = Math.max(0, this.entries.length - (threshold as number));
    else n = this.lowerBound(threshold as StreamId);
    if (approx) {
      n -= n % 100;
      if (limit > 0) n = Math.min(n, limit - (limit % 100));
    } else if (limit > 0) n = Math.min(n, limit);
    return this.dropHead(n);
  }

  createGroup(name: string, lastId: StreamId, entriesRead: number): Group {
    const g: Group = { name, lastId, entriesRead, pel: [], pelIndex: new Map(), consumers: new Map() };
    this.groups.set(name, g);
    return g;
  }

  /** Redis 7's estimate of how many entries precede `id` (for lag and entries-read); -1 unknown. */
  entriesReadAt(id: StreamId): number {
    if (this.entriesAdded === 0) return 0;
    const cmpLast = cmpId(id, this.lastId);
    if (this.entries.length === 0 && cmpLast <= 0) return this.entriesAdded;
    if (cmpLast === 0) return this.entriesAdded;
    if (cmpLast > 0) return -1;
    const cmpFirst = cmpId(id, this.firstId);
    if (cmpId(this.maxDeletedId, MIN_ID) === 0 || cmpId(this.maxDeletedId, this.firstId) < 0) {
      if (cmpFirst < 0) return this.entriesAdded - this.entries.length;
      if (cmpFirst === 0) return this.entriesAdded - this.entries.length + 1;
    }
    return -1;
  }
}

export function getConsumer(g: Group, name: string, now: number): { c: Consumer; created: boolean } {
  let c = g.consumers.get(name);
  if (c !== undefined) return { c, created: false };
  c = { name, seenTime: now, activeTime: -1, pending: new Map() };
  g.consumers.set(name, c);
  return { c, created: true };
}

function pelLowerBound(pel: PendingEntry[], id: StreamId): number {
  let lo = 0;
  let hi = pel.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmpId(pel[mid]!.id, id) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Adds or re-owns a pending entry. */
export function pelAdd(g: Group, id: StreamId, c: Consumer, now: number, count: number): PendingEntry {
  const key = idStr(id);
  let p = g.pelIndex.get(key);
  if (p === undefined) {
    p = { id, consumer: c, deliveryTime: now, deliveryCount: count };
    g.pelIndex.set(key, p);
    const last = g.pel[g.pel.length - 1];
    if (last === undefined || cmpId(last.id, id) < 0) g.pel.push(p);
    else g.pel.splice(pelLowerBound(g.pel, id), 0, p);
  } else {
    p.consumer.pending.delete(key);
    p.consumer = c;
    p.deliveryTime = now;
    p.deliveryCount = count;
  }
  c.pending.set(key, p);
  return p;
}

export function pelRemove(g: Group, id: StreamId): boolean {
  const key = idStr(id);
  const p = g.pelIndex.get(key);
  if (p === undefined) return false;
  g.pelIndex.delete(key);
  p.consumer.pending.delete(key);
  const i = pelLowerBound(g.pel, id);
  if (g.pel[i] === p) g.pel.splice(i, 1);
  return true;
}

/** Pending entries with start <= id <= end, optionally of one consumer. */
export function pelRange(g: Group, start: StreamId, end: StreamId, count: number, consumer?: Consumer): PendingEntry[] {
  const out: PendingEntry[] = [];
  for (let i = pelLowerBound(g.pel, start); i < g.pel.length && out.length < count; i++) {
    const p = g.pel[i]!;
    if (cmpId(p.id, end) > 0) break;
    if (consumer !== undefined && p.consumer !== consumer) continue;
    out.push(p);
  }
  return out;
}
