import { setImmediate as yieldNow } from 'node:timers/promises';

/**
 * Lets long synchronous loops (directory walks, file scans) give the event loop a turn every
 * few milliseconds. Synchronous fs calls are several times faster than the promise API for
 * many small files, and slicing keeps the server answering other requests meanwhile.
 */
export class TimeSlice {
  private start = performance.now();

  constructor(private readonly sliceMs = 8) {}

  /** Yields when the current slice is used up. */
  async tick(): Promise<void> {
    if (performance.now() - this.start >= this.sliceMs) {
      await yieldNow();
      this.start = performance.now();
    }
  }
}
