/**
 * Calls in flight by their numeric id, for a caller that numbers its calls 1, 2, 3, … Most calls
 * end soon after they start, so they live in a fixed ring indexed by id; a call still running
 * when its ring slot is wanted again moves to a Map.
 *
 * A Map alone churns: as entries come and go it allocates a new hash table every few dozen
 * calls, and V8 links each old table to its successor (for live iterators). Once one old table
 * has reached the old generation, it keeps every later table, and the calls they hold, alive
 * through young collections, so at tens of thousands of calls a second most garbage gets
 * promoted. The ring allocates nothing per call. No I/O.
 */
export class CallTable<T extends { readonly id: number }> {
  private readonly ring: (T | undefined)[];
  private readonly mask: number;
  /** Calls that outlived their ring slot (long polls, mostly). */
  private readonly overflow = new Map<number, T>();
  private count = 0;

  /** @param bits the ring holds 2^bits calls */
  constructor(bits = 10) {
    this.ring = new Array<T | undefined>(1 << bits).fill(undefined);
    this.mask = (1 << bits) - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Adds a call; its id must not be in the table. */
  add(call: T): void {
    const i = call.id & this.mask;
    const old = this.ring[i];
    if (old !== undefined) this.overflow.set(old.id, old);
    this.ring[i] = call;
    this.count++;
  }

  get(id: number): T | undefined {
    const c = this.ring[id & this.mask];
    if (c !== undefined && c.id === id) return c;
    return this.overflow.size === 0 ? undefined : this.overflow.get(id);
  }

  /** Removes call `id` and returns it, if it is in the table. */
  take(id: number): T | undefined {
    const i = id & this.mask;
    const c = this.ring[i];
    if (c !== undefined && c.id === id) {
      this.ring[i] = undefined;
      this.count--;
      return c;
    }
    if (this.overflow.size === 0) return undefined;
    const o = this.overflow.get(id);
    if (o !== undefined) {
      this.overflow.delete(id);
      this.count--;
    }
    return o;
  }

  /** Every call, oldest ring slots not necessarily first. */
  values(): T[] {
    const all: T[] = [...this.overflow.values()];
    if (this.count > all.length) for (const c of this.ring) if (c !== undefined) all.push(c);
    return all;
  }

  /** Removes every call and returns them. */
  clear(): T[] {
    const all = this.values();
    this.ring.fill(undefined);
    this.overflow.clear();
    this.count = 0;
    return all;
  }
}
