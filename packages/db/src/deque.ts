/** A packed array of `n` empty slots (`new Array(n)` turns into slow dictionary storage when large). */
function slots(n: number): (string | undefined)[] {
  const a: (string | undefined)[] = [];
  for (let i = 0; i < n; i++) a.push(undefined);
  return a;
}

/** A growable ring buffer: O(1) push/pop at both ends and O(1) indexing (Redis lists). */
export class Deque {
  private items: (string | undefined)[];
  private head = 0;
  private len = 0;
  private mask: number;

  constructor(capacity = 8) {
    let cap = 8;
    while (cap < capacity) cap *= 2;
    this.items = slots(cap);
    this.mask = cap - 1;
  }

  get length(): number {
    return this.len;
  }

  private grow(): void {
    const cap = this.items.length;
    const next = slots(cap * 2);
    for (let i = 0; i < this.len; i++) next[i] = this.items[(this.head + i) & this.mask];
    this.items = next;
    this.head = 0;
    this.mask = cap * 2 - 1;
  }

  pushBack(v: string): void {
    if (this.len === this.items.length) this.grow();
    this.items[(this.head + this.len) & this.mask] = v;
    this.len++;
  }

  pushFront(v: string): void {
    if (this.len === this.items.length) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.items[this.head] = v;
    this.len++;
  }

  popFront(): string | undefined {
    if (this.len === 0) return undefined;
    const v = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.len--;
    return v;
  }

  popBack(): string | undefined {
    if (this.len === 0) return undefined;
    const i = (this.head + this.len - 1) & this.mask;
    const v = this.items[i];
    this.items[i] = undefined;
    this.len--;
    return v;
  }

  get(i: number): string {
    return this.items[(this.head + i) & this.mask]!;
  }

  set(i: number, v: string): void {
    this.items[(this.head + i) & this.mask] = v;
  }

  toArray(start = 0, end = this.len): string[] {
    const out: string[] = [];
    for (let i = start; i < end; i++) out.push(this.items[(this.head + i) & this.mask]!);
    return out;
  }

  /** Replaces the content wholesale (for rare O(n) edits: LREM, LINSERT, LTRIM). */
  replace(values: string[]): void {
    let cap = 8;
    while (cap < values.length) cap *= 2;
    this.items = slots(cap);
    for (let i = 0; i < values.length; i++) this.items[i] = values[i];
    this.head = 0;
    this.len = values.length;
    this.mask = cap - 1;
  }

  static from(values: string[]): Deque {
    const d = new Deque(values.length);
    d.replace(values);
    return d;
  }
}
