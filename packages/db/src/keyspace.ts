import { Deque } from './deque.js';
import { ZSet } from './zset.js';
import { Stream } from './stream/stream.js';

/** A stored value: strings are latin1 strings (one char per byte, binary safe). */
export type Value = string | Deque | Map<string, string> | Set<string> | ZSet | Stream;

export type TypeName = 'string' | 'list' | 'hash' | 'set' | 'zset' | 'stream';

export function typeOf(v: Value): TypeName {
  if (typeof v === 'string') return 'string';
  if (v instanceof Deque) return 'list';
  if (v instanceof Map) return 'hash';
  if (v instanceof Set) return 'set';
  if (v instanceof Stream) return 'stream';
  return 'zset';
}

/** A key's slot in the keyspace. `exp` is an absolute unix time in ms, 0 when persistent. */
export interface Entry {
  v: Value;
  exp: number;
  slot: number;
}

/** Called when a key disappears on its own (expiry), so it can be propagated and watchers told. */
export interface KeyspaceHooks {
  expired(db: Db, key: string): void;
}

/**
 * One numbered database. Keys also live in a slot array that never moves a live key, which gives
 * SCAN Redis's guarantee: a key present for the whole scan is returned.
 */
export class Db {
  data = new Map<string, Entry>();
  /** Keys with a TTL, iterated round-robin by the active expiry cycle. */
  volatile = new Set<string>();
  private slots: (string | undefined)[] = [];
  private free: number[] = [];
  expireCursor: Iterator<string> | undefined;
  avgTtlSum = 0;

  constructor(
    readonly id: number,
    private readonly hooks: KeyspaceHooks,
  ) {}

  get size(): number {
    return this.data.size;
  }

  /** The live entry for `key` (an expired one is deleted on the way). */
  get(key: string): Entry | undefined {
    const e = this.data.get(key);
    if (e === undefined) return undefined;
    if (e.exp !== 0 && e.exp <= Date.now()) {
      this.remove(key, e);
      this.hooks.expired(this, key);
      return undefined;
    }
    return e;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Adds a new key (it must not exist). */
  add(key: string, v: Value, exp = 0): Entry {
    let slot: number;
    if (this.free.length > 0) {
      slot = this.free.pop()!;
      this.slots[slot] = key;
    } else {
      slot = this.slots.length;
      this.slots.push(key);
    }
    const e: Entry = { v, exp, slot };
    this.data.set(key, e);
    if (exp !== 0) this.volatile.add(key);
    return e;
  }

  /** Sets a value, dropping any TTL (SET semantics) unless `keepTtl`. */
  set(key: string, v: Value, keepTtl = false): Entry {
    const e = this.get(key);
    if (e === undefined) return this.add(key, v);
    e.v = v;
    if (!keepTtl && e.exp !== 0) {
      e.exp = 0;
      this.volatile.delete(key);
    }
    return e;
  }

  setExpire(key: string, e: Entry, at: number): void {
    e.exp = at;
    if (at === 0) this.volatile.delete(key);
    else this.volatile.add(key);
  }

  delete(key: string): boolean {
    const e = this.get(key);
    if (e === undefined) return false;
    this.remove(key, e);
    return true;
  }

  /** Removes an entry without the expiry check. */
  remove(key: string, e: Entry): void {
    this.data.delete(key);
    if (e.exp !== 0) this.volatile.delete(key);
    this.slots[e.slot] = undefined;
    this.free.push(e.slot);
  }

  clear(): void {
    this.data.clear();
    this.volatile.clear();
    this.slots = [];
    this.free = [];
    this.expireCursor = undefined;
  }

  /** Up to `count` slots starting at `cursor`: the keys found and the next cursor (0 = done). */
  scan(cursor: number, count: number): { keys: string[]; next: number } {
    const keys: string[] = [];
    let i = cursor;
    const n = this.slots.length;
    let visited = 0;
    while (i < n && visited < count) {
      const k = this.slots[i++];
      visited++;
      if (k !== undefined) keys.push(k);
    }
    return { keys, next: i >= n ? 0 : i };
  }

  /** Exchanges contents with another db (SWAPDB). */
  swapWith(o: Db): void {
    [this.data, o.data] = [o.data, this.data];
    [this.volatile, o.volatile] = [o.volatile, this.volatile];
    [this.slots, o.slots] = [o.slots, this.slots];
    [this.free, o.free] = [o.free, this.free];
    this.expireCursor = undefined;
    o.expireCursor = undefined;
  }

  randomKey(): string | undefined {
    if (this.data.size === 0) return undefined;
    for (let tries = 0; tries < 100; tries++) {
      const k = this.slots[Math.floor(Math.random() * this.slots.length)];
      if (k !== undefined) return k;
    }
    return this.data.keys().next().value;
  }
}
