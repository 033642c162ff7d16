/// <reference path="../buffer-ext.d.ts" />
import { constants } from 'node:buffer';
/**
 * Incremental RESP request parser. Pipelined input is parsed in place: arguments are sliced
 * straight out of the received chunk as latin1 strings (byte-exact), and a chunk that holds only
 * complete commands is never copied. Parsing can stop between commands (a blocked client) and
 * resume later.
 */

/** A protocol violation; the message is the exact Redis error (without the `ERR ` prefix). */
export class ProtocolError extends Error {}

const INLINE_MAX = 64 * 1024;
const EMPTY = Buffer.alloc(0);
/** Arguments become JS strings, which V8 caps just below 512 MiB: longer bulks are refused up front. */
const MAX_STRING = constants.MAX_STRING_LENGTH;

export interface ParserLimits {
  /** Largest accepted bulk string (proto-max-bulk-len). */
  maxBulk: number;
  /** Refuse inline commands (files hold multibulk only). */
  multibulkOnly?: boolean;
}

export class RespParser {
  private buf: Buffer = EMPTY;
  private pos = 0;
  private parts: Buffer[] = [];
  private partsLen = 0;
  /** Bytes needed past `pos` before parsing can progress (0 = unknown). */
  private need = 0;
  private argv: string[] | null = null;
  private left = 0;
  private bulkLen = -1;
  /** Set while the client is not authenticated: Redis caps request sizes then. */
  authRequired = false;

  constructor(private readonly limits: ParserLimits) {}

  /** Offset just past the last complete command in the current buffer (for AOF loading). */
  get offset(): number {
    return this.argv === null ? this.pos : -1;
  }

  /** Bytes received but not yet parsed into a command. */
  get pending(): number {
    return this.buf.length - this.pos + this.partsLen;
  }

  feed(chunk: Buffer): void {
    if (this.pos >= this.buf.length && this.parts.length === 0) {
      this.buf = chunk;
      this.pos = 0;
      return;
    }
    this.parts.push(chunk);
    this.partsLen += chunk.length;
  }

  private merge(): boolean {
    if (this.parts.length === 0) return false;
    const rest = this.buf.length - this.pos;
    if (this.need > 0 && rest + this.partsLen < this.need) return false;
    const list = rest > 0 ? [this.buf.subarray(this.pos), ...this.parts] : this.parts;
    this.buf = list.length === 1 ? list[0]! : Buffer.concat(list, rest + this.partsLen);
    this.pos = 0;
    this.parts = [];
    this.partsLen = 0;
    this.need = 0;
    return true;
  }

  private lastName = '';

  /** The command name; a repeat of the previous one reuses its string (pipelines repeat names). */
  private name(buf: Buffer, start: number, end: number): string {
    const last = this.lastName;
    const n = end - start;
    if (n === last.length) {
      let i = 0;
      while (i < n && buf[start + i] === last.charCodeAt(i)) i++;
      if (i === n) return last;
    }
    const s = buf.latin1Slice(start, end);
    if (n <= 32) this.lastName = s;
    return s;
  }

  /** The next complete command, or null when more input is needed. Throws ProtocolError. */
  next(): string[] | null {
    for (;;) {
      const r = this.step();
      if (r === null) continue;
      if (r !== undefined) return r;
      if (!this.merge()) return null;
    }
  }

  /** One attempt on the current buffer: a command, null (skip and retry), or undefined (need more). */
  private step(): string[] | null | undefined {
    const buf = this.buf;
    const len = buf.length;
    for (;;) {
      let pos = this.pos;
      if (this.argv === null) {
        if (pos >= len) return undefined;
        if (buf[pos] === 42) {
          const nl = findCR(buf, pos, len);
          if (nl === -1 || nl + 1 >= len) {
            if (len - pos > INLINE_MAX) throw new ProtocolError('Protocol error: too big mbulk count string');
            this.need = 0;
            return undefined;
          }
          const n = readInt(buf, pos + 1, nl);
          if (n === null || n > 2147483647) throw new ProtocolError('Protocol error: invalid multibulk length');
          if (n > 10 && this.authRequired) throw new ProtocolError('Protocol error: unauthenticated multibulk length');
          this.pos = pos = nl + 2;
          if (n <= 0) continue;
          this.argv = [];
          this.left = n;
          this.bulkLen = -1;
        } else if (this.limits.multibulkOnly) {
          throw new ProtocolError(`Protocol error: expected '*', got '${String.fromCharCode(buf[pos]!)}'`);
        } else {
          return this.inline();
        }
      }
      const argv = this.argv;
      while (this.left > 0) {
        if (this.bulkLen < 0) {
          if (pos >= len) {
            this.need = 0;
            return undefined;
          }
          const nl = findCR(buf, pos, len);
          if (nl === -1 || nl + 1 >= len) {
            if (len - pos > INLINE_MAX) throw new ProtocolError('Protocol error: too big bulk count string');
            this.need = 0;
            return undefined;
          }
          if (buf[pos] !== 36) {
            throw new ProtocolError(`Protocol error: expected '$', got '${String.fromCharCode(buf[pos]!)}'`);
          }
          const n = readInt(buf, pos + 1, nl);
          if (n === null || n < 0 || n > this.limits.maxBulk || n > MAX_STRING) throw new ProtocolError('Protocol error: invalid bulk length');
          if (n > 16384 && this.authRequired) throw new ProtocolError('Protocol error: unauthenticated bulk length');
          this.bulkLen = n;
          this.pos = pos = nl + 2;
        }
        const end = pos + this.bulkLen;
        if (end + 2 > len) {
          this.need = this.bulkLen + 2;
          return undefined;
        }
        argv.push(argv.length === 0 ? this.name(buf, pos, end) : buf.latin1Slice(pos, end));
        this.pos = pos = end + 2;
        this.bulkLen = -1;
        this.left--;
      }
      this.argv = null;
      return argv;
    }
  }

  private inline(): string[] | null | undefined {
    const buf = this.buf;
    const pos = this.pos;
    const nl = buf.indexOf(10, pos);
    if (nl === -1) {
      if (buf.length - pos > INLINE_MAX) throw new ProtocolError('Protocol error: too big inline request');
      this.need = 0;
      return undefined;
    }
    let end = nl;
    if (end > pos && buf[end - 1] === 13) end--;
    const line = buf.latin1Slice(pos, end);
    this.pos = nl + 1;
    const args = splitArgs(line);
    if (args === null) throw new ProtocolError('Protocol error: unbalanced quotes in request');
    return args.length === 0 ? null : args;
  }
}

/** Index of the next CR at or after `from`, or -1; a JS loop beats indexOf for the short header lines. */
function findCR(buf: Buffer, from: number, len: number): number {
  for (let i = from; i < len; i++) if (buf[i] === 13) return i;
  return -1;
}

/** Reads a signed decimal between `start` and `end`; null when it is not one. */
function readInt(buf: Buffer, start: number, end: number): number | null {
  if (start >= end) return null;
  let neg = false;
  let i = start;
  if (buf[i] === 45) {
    neg = true;
    i++;
    if (i >= end) return null;
  }
  if (end - i > 18) return null;
  let n = 0;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c < 48 || c > 57) return null;
    n = n * 10 + (c - 48);
  }
  return neg ? -n : n;
}

function isHex(c: string): boolean {
  return /^[0-9a-fA-F]$/.test(c);
}

/** Splits an inline command the way redis-cli/sdssplitargs do: spaces, "quotes" with escapes, 'quotes'. */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && /\s/.test(line[i]!)) i++;
    if (i >= n) return out;
    let cur = '';
    let inq = false;
    let insq = false;
    for (;;) {
      const c = line[i];
      if (inq) {
        if (c === undefined) return null;
        if (c === '\\' && line[i + 1] === 'x' && isHex(line[i + 2] ?? '') && isHex(line[i + 3] ?? '')) {
          cur += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i]!;
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === '"') {
          if (i + 1 < n && !/\s/.test(line[i + 1]!)) return null;
          i++;
          break;
        } else {
          cur += c;
        }
      } else if (insq) {
        if (c === undefined) return null;
        if (c === '\\' && line[i + 1] === "'") {
          i++;
          cur += "'";
        } else if (c === "'") {
          if (i + 1 < n && !/\s/.test(line[i + 1]!)) return null;
          i++;
          break;
        } else {
          cur += c;
        }
      } else {
        if (c === undefined || /\s/.test(c)) break;
        if (c === '"') inq = true;
        else if (c === "'") insq = true;
        else cur += c;
      }
      i++;
    }
    out.push(cur);
  }
}
