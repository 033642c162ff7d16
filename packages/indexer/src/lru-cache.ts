/** A least-recently-used cache bounded by the summed byte weight of its values. */
export class LruCache<V> {
  private readonly map = new Map<string, { value: V; weight: number }>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.map.size;
  }

  get usedBytes(): number {
    return this.bytes;
  }

  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // re-insert to mark as most recently used
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  /** Stores `value`; values heavier than the whole cache are not kept. */
  set(key: string, value: V, weight: number): void {
    const old = this.map.get(key);
    if (old) {
      this.map.delete(key);
      this.bytes -= old.weight;
    }
    if (weight > this.maxBytes) return;
    this.map.set(key, { value, weight });
    this.bytes += weight;
    while (this.bytes > this.maxBytes) {
      const first = this.map.keys().next();
      if (first.done) break;
      const e = this.map.get(first.value)!;
      this.map.delete(first.value);
      this.bytes -= e.weight;
    }
  }

  /** Returns the cached value for `key`, loading and storing it on a miss. */
  getOrLoad(key: string, load: () => { value: V; weight: number }): V {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const { value, weight } = load();
    this.set(key, value, weight);
    return value;
  }

  /** Drops every key starting with `prefix` (a closed segment or index). */
  deletePrefix(prefix: string): void {
    for (const [k, e] of this.map) {
      if (k.startsWith(prefix)) {
        this.map.delete(k);
        this.bytes -= e.weight;
      }
    }
  }
}
