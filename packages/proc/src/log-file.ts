import fs from 'node:fs';

/**
 * An append-only log file capped at `maxBytes`: when the next write would pass the cap,
 * `<file>` becomes `<file>.1` (older ones shift up to `<file>.<keep>`, the oldest is dropped)
 * and a fresh file starts. Writes are batched per event-loop turn; `close()` flushes.
 */
export class RotatingLogFile {
  private fd: number | undefined;
  private size = 0;
  private queue: string[] = [];
  private scheduled = false;
  private closed = false;
  /** Set when the file cannot be written (disk full, permissions); lines are then dropped. */
  error: Error | undefined;

  constructor(
    readonly file: string,
    private maxBytes: number,
    private keep: number,
  ) {}

  /** Changes the limits (a service's `log` table may change between starts). */
  setLimits(maxBytes: number, keep: number): void {
    this.maxBytes = maxBytes;
    this.keep = keep;
  }

  write(text: string): void {
    if (this.closed) return;
    this.queue.push(text);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes everything queued now. */
  flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    try {
      this.open();
      let chunk = '';
      let chunkBytes = 0;
      for (const t of batch) {
        const n = Buffer.byteLength(t);
        if (this.size + chunkBytes + n > this.maxBytes && this.size + chunkBytes > 0) {
          if (chunk) this.append(chunk, chunkBytes);
          chunk = '';
          chunkBytes = 0;
          this.rotate();
        }
        chunk += t;
        chunkBytes += n;
      }
      if (chunk) this.append(chunk, chunkBytes);
      this.error = undefined;
    } catch (err) {
      this.error = err as Error;
      this.closeFd();
    }
  }

  private open() {
    if (this.fd !== undefined) return;
    this.fd = fs.openSync(this.file, 'a', 0o600);
    this.size = fs.fstatSync(this.fd).size;
  }

  private append(chunk: string, bytes: number) {
    fs.writeSync(this.fd!, chunk);
    this.size += bytes;
  }

  private rotate() {
    this.closeFd();
    if (this.keep <= 0) {
      fs.rmSync(this.file, { force: true });
    } else {
      fs.rmSync(`${this.file}.${this.keep}`, { force: true });
      for (let i = this.keep - 1; i >= 1; i--) {
        try {
          fs.renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
        } catch {
          /* a gap in the sequence is fine */
        }
      }
      fs.renameSync(this.file, `${this.file}.1`);
    }
    this.open();
  }

  private closeFd() {
    if (this.fd === undefined) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      /* already closed */
    }
    this.fd = undefined;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.closeFd();
  }
}
