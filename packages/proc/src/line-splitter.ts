/**
 * Turns a byte stream into lines: partial lines wait for their newline, over-long lines are
 * cut at `maxLine` bytes, a trailing partial line is emitted by `flush()`.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingLen = 0;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLine = 64 * 1024,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) break;
      this.append(chunk.subarray(start, nl));
      this.emit();
      start = nl + 1;
    }
    if (start < chunk.length) this.append(chunk.subarray(start));
  }

  flush(): void {
    if (this.pendingLen > 0) this.emit();
  }

  private append(part: Buffer) {
    while (this.pendingLen + part.length > this.maxLine) {
      const room = this.maxLine - this.pendingLen;
      this.pending.push(part.subarray(0, room));
      this.pendingLen += room;
      this.emit();
      part = part.subarray(room);
    }
    if (part.length) {
      this.pending.push(part);
      this.pendingLen += part.length;
    }
  }

  private emit() {
    const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingLen = 0;
    let s = buf.toString('utf8');
    if (s.endsWith('\r')) s = s.slice(0, -1);
    this.onLine(s);
  }
}
