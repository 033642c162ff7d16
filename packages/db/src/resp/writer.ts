/// <reference path="../buffer-ext.d.ts" />
import type { Reply } from '../reply.js';
import { formatDouble } from '../numbers.js';

const INITIAL = 4 * 1024;
const KEEP_MAX = 1024 * 1024;
const HANDOVER = 64 * 1024;
const SMALL = 32;

/**
 * Encodes replies into one growing buffer; `take()` hands out everything written since the last
 * call as a single chunk, so a whole read batch goes to the socket in one write.
 */
export class RespWriter implements Reply {
  private buf = Buffer.allocUnsafe(INITIAL);
  private off = 0;
  proto: 2 | 3 = 2;

  get length(): number {
    return this.off;
  }

  private grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.off + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.off);
    this.buf = next;
  }

  /** Everything written so far, detached from the internal buffer; null when empty. */
  take(): Buffer | null {
    if (this.off === 0) return null;
    if (this.off > HANDOVER) {
      // Big replies: give the buffer away rather than copy it.
      const whole = this.buf.subarray(0, this.off);
      this.buf = Buffer.allocUnsafe(INITIAL);
      this.off = 0;
      return whole;
    }
    const out = Buffer.allocUnsafe(this.off);
    this.buf.copy(out, 0, 0, this.off);
    this.off = 0;
    if (this.buf.length > KEEP_MAX) this.buf = Buffer.allocUnsafe(INITIAL);
    return out;
  }

  /** Drops what was written after `mark` (used to roll back a partial reply). */
  truncate(mark: number): void {
    this.off = mark;
  }

  raw(s: string): void {
    const n = s.length;
    if (this.off + n > this.buf.length) this.grow(n);
    if (n <= SMALL) {
      // Short strings: plain stores beat a call into C++.
      const buf = this.buf;
      let o = this.off;
      for (let i = 0; i < n; i++) buf[o++] = s.charCodeAt(i);
      this.off = o;
    } else {
      this.off += this.buf.latin1Write(s, this.off, n);
    }
  }

  private header(prefix: number, n: number): void {
    if (this.off + 24 > this.buf.length) this.grow(24);
    const buf = this.buf;
    buf[this.off++] = prefix;
    this.digits(n);
    buf[this.off++] = 13;
    buf[this.off++] = 10;
  }

  private digits(n: number): void {
    const buf = this.buf;
    if (n < 0) {
      buf[this.off++] = 45;
      n = -n;
    }
    if (n < 10) {
      buf[this.off++] = 48 + n;
      return;
    }
    if (n > 0xffffffff) {
      this.off += buf.latin1Write(String(n), this.off);
      return;
    }
    let len = 1;
    for (let t = n; t >= 10; t = (t / 10) >>> 0) len++;
    let p = this.off + len - 1;
    while (n >= 10) {
      const q = (n / 10) >>> 0;
      buf[p--] = 48 + (n - q * 10);
      n = q;
    }
    buf[p] = 48 + n;
    this.off += len;
  }

  ok(): void {
    this.raw('+OK\r\n');
  }

  simple(s: string): void {
    this.raw('+' + s + '\r\n');
  }

  error(msg: string): void {
    // Newlines would break framing; Redis replaces them with spaces.
    this.raw('-' + (msg.includes('\n') || msg.includes('\r') ? msg.replace(/[\r\n]/g, ' ') : msg) + '\r\n');
  }

  int(n: number | bigint): void {
    if (typeof n === 'bigint') {
      this.raw(':' + n.toString() + '\r\n');
      return;
    }
    this.header(58, n);
  }

  bulk(s: string): void {
    const n = s.length;
    this.header(36, n);
    if (this.off + n + 2 > this.buf.length) this.grow(n + 2);
    const buf = this.buf;
    if (n <= SMALL) {
      let o = this.off;
      for (let i = 0; i < n; i++) buf[o++] = s.charCodeAt(i);
      this.off = o;
    } else {
      this.off += buf.latin1Write(s, this.off, n);
    }
    buf[this.off++] = 13;
    buf[this.off++] = 10;
  }

  nil(): void {
    this.raw(this.proto === 3 ? '_\r\n' : '$-1\r\n');
  }

  nilArray(): void {
    this.raw(this.proto === 3 ? '_\r\n' : '*-1\r\n');
  }

  array(n: number): void {
    this.header(42, n);
  }

  map(n: number): void {
    if (this.proto === 3) this.header(37, n);
    else this.header(42, n * 2);
  }

  set(n: number): void {
    this.header(this.proto === 3 ? 126 : 42, n);
  }

  push(n: number): void {
    this.header(this.proto === 3 ? 62 : 42, n);
  }

  double(d: number): void {
    if (this.proto === 3) this.raw(',' + formatDouble(d) + '\r\n');
    else this.bulk(formatDouble(d));
  }

  bool(b: boolean): void {
    if (this.proto === 3) this.raw(b ? '#t\r\n' : '#f\r\n');
    else this.raw(b ? ':1\r\n' : ':0\r\n');
  }

  verbatim(s: string): void {
    if (this.proto === 3) {
      const body = 'txt:' + s;
      this.header(61, Buffer.byteLength(body, 'latin1'));
      this.raw(body + '\r\n');
    } else {
      this.bulk(s);
    }
  }
}
