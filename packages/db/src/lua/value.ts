import type { Reply } from '../reply.js';
import { formatDouble } from '../numbers.js';

/** A reply captured as data, so a script can read what a command answered. */
export type Value =
  | { t: 'simple'; v: string }
  | { t: 'error'; v: string }
  | { t: 'int'; v: number | bigint }
  | { t: 'bulk'; v: string }
  | { t: 'nil' }
  | { t: 'array'; v: Value[] }
  | { t: 'map'; v: Value[] }
  | { t: 'set'; v: Value[] }
  | { t: 'double'; v: number }
  | { t: 'bool'; v: boolean };

export const NIL: Value = { t: 'nil' };

interface Frame {
  items: Value[];
  left: number;
}

/**
 * A Reply that records values instead of encoding them. With proto 2 the RESP3-only shapes are
 * recorded the way a RESP2 client would see them (maps flattened, doubles as bulk strings).
 */
export class ValueCollector implements Reply {
  private stack: Frame[] = [];
  private done: Value[] = [];

  constructor(readonly proto: 2 | 3) {}

  /** The first complete top-level value (a command writes exactly one). */
  result(): Value {
    return this.done[0] ?? NIL;
  }

  private add(v: Value): void {
    let top = this.stack[this.stack.length - 1];
    if (top === undefined) {
      this.done.push(v);
      return;
    }
    top.items.push(v);
    top.left--;
    while (top !== undefined && top.left === 0) {
      this.stack.pop();
      const agg = (top as Frame & { value: Value }).value;
      const parent = this.stack[this.stack.length - 1];
      if (parent === undefined) this.done.push(agg);
      else {
        parent.items.push(agg);
        parent.left--;
      }
      top = parent;
    }
  }

  private open(kind: 'array' | 'map' | 'set', n: number): void {
    const items: Value[] = [];
    const value = { t: kind, v: items } as Value;
    if (n === 0) {
      this.add(value);
      return;
    }
    this.stack.push(Object.assign({ items, left: kind === 'map' ? n * 2 : n }, { value }));
  }

  ok(): void {
    this.add({ t: 'simple', v: 'OK' });
  }
  simple(s: string): void {
    this.add({ t: 'simple', v: s });
  }
  error(msg: string): void {
    this.add({ t: 'error', v: msg });
  }
  int(n: number | bigint): void {
    this.add({ t: 'int', v: n });
  }
  bulk(s: string): void {
    this.add({ t: 'bulk', v: s });
  }
  nil(): void {
    this.add(NIL);
  }
  nilArray(): void {
    this.add(NIL);
  }
  array(n: number): void {
    this.open('array', n);
  }
  map(n: number): void {
    if (this.proto === 3) this.open('map', n);
    else this.open('array', n * 2);
  }
  set(n: number): void {
    this.open(this.proto === 3 ? 'set' : 'array', n);
  }
  push(n: number): void {
    this.open('array', n);
  }
  double(d: number): void {
    if (this.proto === 3) this.add({ t: 'double', v: d });
    else this.add({ t: 'bulk', v: formatDouble(d) });
  }
  bool(b: boolean): void {
    if (this.proto === 3) this.add({ t: 'bool', v: b });
    else this.add({ t: 'int', v: b ? 1 : 0 });
  }
  verbatim(s: string): void {
    this.add({ t: 'bulk', v: s });
  }
}

/** Writes a captured value to a real reply. */
export function writeValue(out: Reply, v: Value): void {
  switch (v.t) {
    case 'simple':
      out.simple(v.v);
      return;
    case 'error':
      out.error(v.v);
      return;
    case 'int':
      out.int(v.v);
      return;
    case 'bulk':
      out.bulk(v.v);
      return;
    case 'nil':
      out.nil();
      return;
    case 'array':
      out.array(v.v.length);
      for (const x of v.v) writeValue(out, x);
      return;
    case 'map':
      out.map(v.v.length / 2);
      for (const x of v.v) writeValue(out, x);
      return;
    case 'set':
      out.set(v.v.length);
      for (const x of v.v) writeValue(out, x);
      return;
    case 'double':
      out.double(v.v);
      return;
    case 'bool':
      out.bool(v.v);
      return;
  }
}
