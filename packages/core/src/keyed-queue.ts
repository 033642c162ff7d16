/**
 * Work run one key at a time: each call starts once every earlier call for the same key has
 * settled, whatever its outcome (a check-then-write on one file must not interleave with
 * another). Keys with nothing queued hold no memory. No I/O.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` after the calls queued for `key` so far; resolves or rejects as `fn` does. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.tails.get(key) ?? Promise.resolve()).then(fn);
    const tail = run.then(
      () => {},
      () => {},
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }

  /** Settles once the calls queued for `key` so far have settled. */
  async after(key: string): Promise<void> {
    await this.tails.get(key);
  }

  /** Settles once nothing is queued for any key. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.allSettled([...this.tails.values()]);
  }
}
