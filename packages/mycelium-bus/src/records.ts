/**
 * Sender-side records of local messages (what `getMessageInfo` reports), kept in typed arrays.
 * A record's slot is part of its message id: 8 random hex digits, then the slot as 8 hex
 * digits. A lookup is an array index, and adding a record makes no object and no table entry,
 * so keeping millions of them costs neither rehashing nor garbage-collector work. Once `cap`
 * records are kept, each new one takes the slot of the oldest. No I/O.
 */
import crypto from 'node:crypto';
import type { OutState } from './bus.js';
import type { MessageStatusResponse } from './client.js';

/** Record states by their stored code; `GONE` marks a slot whose record was dropped. */
const STATES: readonly OutState[] = ['pending', 'received', 'read', 'aborted'];
const CODE: Record<OutState, number> = { pending: 0, received: 1, read: 2, aborted: 3 };
const GONE = 255;

/** Random 32-bit tags, drawn from the system in blocks. */
const TAGS = new Uint32Array(1024);
let tagAt = TAGS.length;
function randomTag(): number {
  if (tagAt === TAGS.length) {
    crypto.getRandomValues(TAGS);
    tagAt = 0;
  }
  return TAGS[tagAt++]!;
}

/** Two lowercase hex digits per byte value. */
const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** 8 lowercase hex digits of a 32-bit unsigned integer (`toString(16)` is slow in V8). */
const hex8 = (n: number) => HEX2[n >>> 24]! + HEX2[(n >>> 16) & 255]! + HEX2[(n >>> 8) & 255]! + HEX2[n & 255]!;

/** Where a message's record lives: its slot and the tag that proves the slot still holds it. */
export interface RecordRef {
  slot: number;
  tag: number;
}

export class RecordRing {
  private tag = new Uint32Array(0);
  private state = new Uint8Array(0);
  private created = new Uint32Array(0);
  private len = new Uint32Array(0);
  /** Destination IPs: most are the same few strings, so a slot costs one reference. */
  private dst: string[] = [];
  /** Slot of the next record. */
  private head = 0;
  /** Records kept, the newest `count` slots before `head`. */
  private count = 0;

  /**
   * @param cap records kept at most (below 2^32)
   * @param ttlSecs a record's deadline is its creation plus this
   */
  constructor(
    readonly cap: number,
    private readonly ttlSecs: number,
  ) {
    if (!(Number.isInteger(cap) && cap > 0 && cap < 2 ** 32)) throw new RangeError(`record cap must be an integer in 1..2^32-1 (got ${cap})`);
  }

  get size(): number {
    return this.count;
  }

  /** Stores a new `pending` record; returns its message id and reference. */
  add(dst: string, createdSecs: number, msgLen: number): { id: string; ref: RecordRef } {
    const slot = this.head;
    if (slot === this.tag.length) this.grow();
    const tag = randomTag();
    this.tag[slot] = tag;
    this.state[slot] = CODE.pending;
    this.created[slot] = createdSecs;
    this.len[slot] = msgLen;
    this.dst[slot] = dst;
    this.head = slot + 1 === this.cap ? 0 : slot + 1;
    if (this.count < this.cap) this.count++;
    return { id: hex8(tag) + hex8(slot), ref: { slot, tag } };
  }

  /** Doubles the arrays (from 1024) up to `cap`: memory follows the records actually kept. */
  private grow(): void {
    const size = Math.min(this.cap, Math.max(1024, this.tag.length * 2));
    const widen = <T extends Uint8Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.tag = widen(this.tag, (n) => new Uint32Array(n));
    this.state = widen(this.state, (n) => new Uint8Array(n));
    this.created = widen(this.created, (n) => new Uint32Array(n));
    this.len = widen(this.len, (n) => new Uint32Array(n));
  }

  /** Sets the state of a record still kept (a dropped or replaced one is left alone). */
  mark(ref: RecordRef, state: OutState): void {
    const { slot } = ref;
    if (this.tag[slot] === ref.tag && this.state[slot] !== GONE) this.state[slot] = CODE[state];
  }

  /** Forgets a record at once (its message was refused). */
  drop(ref: RecordRef): void {
    if (this.tag[ref.slot] === ref.tag) this.state[ref.slot] = GONE;
  }

  /** The record of message `id` (16 lowercase hex digits), if still kept. */
  get(id: string): MessageStatusResponse | undefined {
    const slot = Number.parseInt(id.slice(8), 16);
    if (!(slot < this.tag.length) || this.tag[slot] !== Number.parseInt(id.slice(0, 8), 16)) return undefined;
    const code = this.state[slot]!;
    if (code === GONE) return undefined;
    const created = this.created[slot]!;
    return { dst: this.dst[slot]!, state: STATES[code]!, created, deadline: created + this.ttlSecs, msgLen: this.len[slot]! };
  }

  /** Drops the records whose deadline plus `keepSecs` has passed (they are in creation order). */
  prune(nowSecs: number, keepSecs: number): void {
    while (this.count > 0) {
      let oldest = this.head - this.count;
      if (oldest < 0) oldest += this.cap;
      if (this.created[oldest]! + this.ttlSecs + keepSecs > nowSecs) break;
      this.state[oldest] = GONE;
      this.dst[oldest] = '';
      this.count--;
    }
  }
}
