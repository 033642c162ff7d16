/** A sorted set: member → score plus an array ordered by (score, member) for ranks and ranges. */
export interface ZEntry {
  m: string;
  s: number;
}

function cmp(as: number, am: string, bs: number, bm: string): number {
  if (as !== bs) return as < bs ? -1 : 1;
  return am < bm ? -1 : am > bm ? 1 : 0;
}

export class ZSet {
  readonly dict = new Map<string, number>();
  readonly arr: ZEntry[] = [];

  get size(): number {
    return this.arr.length;
  }

  /** Index of the first entry not less than (s, m). */
  lowerBound(s: number, m: string): number {
    let lo = 0;
    let hi = this.arr.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.arr[mid]!;
      if (cmp(e.s, e.m, s, m) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Sets a member's score; true when the member is new. */
  add(m: string, s: number): boolean {
    const old = this.dict.get(m);
    if (old !== undefined) {
      if (old === s) return false;
      this.arr.splice(this.lowerBound(old, m), 1);
    }
    this.dict.set(m, s);
    const i = this.lowerBound(s, m);
    if (i === this.arr.length) this.arr.push({ m, s });
    else this.arr.splice(i, 0, { m, s });
    return old === undefined;
  }

  remove(m: string): boolean {
    const old = this.dict.get(m);
    if (old === undefined) return false;
    this.dict.delete(m);
    this.arr.splice(this.lowerBound(old, m), 1);
    return true;
  }

  rank(m: string): number {
    const s = this.dict.get(m);
    return s === undefined ? -1 : this.lowerBound(s, m);
  }

  /** First index whose score is > min (exclusive) or >= min. */
  firstByScore(min: number, exclusive: boolean): number {
    let lo = 0;
    let hi = this.arr.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = this.arr[mid]!.s;
      if (exclusive ? s <= min : s < min) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** One past the last index whose score is < max (exclusive) or <= max. */
  endByScore(max: number, exclusive: boolean): number {
    let lo = 0;
    let hi = this.arr.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = this.arr[mid]!.s;
      if (exclusive ? s < max : s <= max) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  firstByLex(min: LexBound): number {
    let lo = 0;
    let hi = this.arr.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (!lexGte(this.arr[mid]!.m, min)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  endByLex(max: LexBound): number {
    let lo = 0;
    let hi = this.arr.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (lexLte(this.arr[mid]!.m, max)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  removeRange(start: number, end: number): ZEntry[] {
    const out = this.arr.splice(start, end - start);
    for (const e of out) this.dict.delete(e.m);
    return out;
  }
}

/** A ZRANGEBYLEX bound: `-`, `+`, `[x` or `(x`. */
export type LexBound = { kind: 'min' } | { kind: 'max' } | { kind: 'incl' | 'excl'; v: string };

export function parseLexBound(s: string): LexBound | null {
  if (s === '-') return { kind: 'min' };
  if (s === '+') return { kind: 'max' };
  if (s.startsWith('[')) return { kind: 'incl', v: s.slice(1) };
  if (s.startsWith('(')) return { kind: 'excl', v: s.slice(1) };
  return null;
}

function lexGte(m: string, b: LexBound): boolean {
  switch (b.kind) {
    case 'min':
      return true;
    case 'max':
      return false;
    case 'incl':
      return m >= b.v;
    case 'excl':
      return m > b.v;
  }
}

function lexLte(m: string, b: LexBound): boolean {
  switch (b.kind) {
    case 'min':
      return false;
    case 'max':
      return true;
    case 'incl':
      return m <= b.v;
    case 'excl':
      return m < b.v;
  }
}
