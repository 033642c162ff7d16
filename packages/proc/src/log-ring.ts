import type { LogLine } from './client.js';

/**
 * A fixed-capacity ring of log lines with increasing sequence numbers. The array grows with
 * the lines pushed up to the capacity, so a quiet service holds no preallocated slots.
 */
export class LogRing {
  private readonly buf: LogLine[] = [];
  /** Slot the next line overwrites once the ring is full. */
  private next = 0;
  /** Sequence number the next pushed line gets. */
  private seq = 1;
  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = Math.max(1, capacity);
  }

  push(line: Omit<LogLine, 'seq'>): LogLine {
    const l: LogLine = { ...line, seq: this.seq++ };
    if (this.buf.length < this.capacity) this.buf.push(l);
    else {
      this.buf[this.next] = l;
      this.next = (this.next + 1) % this.capacity;
    }
    return l;
  }

  /** Number of lines held. */
  get size(): number {
    return this.buf.length;
  }

  /** Lines oldest first. */
  all(): LogLine[] {
    return this.next === 0 ? this.buf.slice() : [...this.buf.slice(this.next), ...this.buf.slice(0, this.next)];
  }

  /** The last `n` lines (after `afterSeq` when given), oldest first. */
  tail(n: number, afterSeq = 0): LogLine[] {
    const all = this.all();
    const fresh = afterSeq > 0 ? all.filter((l) => (l.seq ?? 0) > afterSeq) : all;
    return n >= fresh.length ? fresh : fresh.slice(fresh.length - n);
  }
}
