import type { LogLine } from './client.js';

/** A fixed-capacity ring of log lines with increasing sequence numbers. */
export class LogRing {
  private readonly buf: (LogLine | undefined)[];
  private next = 0;
  /** Sequence number the next pushed line gets. */
  private seq = 1;

  constructor(readonly capacity: number) {
    this.buf = new Array<LogLine | undefined>(Math.max(1, capacity));
  }

  push(line: Omit<LogLine, 'seq'>): LogLine {
    const l: LogLine = { ...line, seq: this.seq++ };
    this.buf[this.next] = l;
    this.next = (this.next + 1) % this.buf.length;
    return l;
  }

  /** Number of lines held. */
  get size(): number {
    return Math.min(this.seq - 1, this.buf.length);
  }

  /** Lines oldest first. */
  all(): LogLine[] {
    const n = this.size;
    const out: LogLine[] = [];
    const start = (this.next - n + this.buf.length) % this.buf.length;
    for (let i = 0; i < n; i++) out.push(this.buf[(start + i) % this.buf.length]!);
    return out;
  }

  /** The last `n` lines (after `afterSeq` when given), oldest first. */
  tail(n: number, afterSeq = 0): LogLine[] {
    const all = this.all();
    const fresh = afterSeq > 0 ? all.filter((l) => (l.seq ?? 0) > afterSeq) : all;
    return n >= fresh.length ? fresh : fresh.slice(fresh.length - n);
  }
}
