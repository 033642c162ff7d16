import fs from 'node:fs';
import zlib from 'node:zlib';
import { HeroError } from '@hero/core';
import type { LruCache } from './lru-cache.js';
import { ID_BLOCK, SEG_HEAD, SEG_TAIL, type Column, type Footer, type FooterField } from './segment-writer.js';

/** A term's entry in a segment dictionary. */
export interface TermInfo {
  term: string;
  df: number;
  postOff: number;
  posOff: number;
  posLen: number;
}

export interface Postings {
  docs: Uint32Array;
  freqs: Uint32Array;
}

type DictEntry = [string, number, number, number?, number?];

function toInfo(e: DictEntry): TermInfo {
  return { term: e[0], df: e[1], postOff: e[2], posOff: e[3] ?? 0, posLen: e[4] ?? 0 };
}

let nextUid = 1;

/**
 * Reads one immutable segment file lazily: only the footer (field metadata and every 64th
 * dictionary term) stays in memory; dictionary blocks, postings, norms, columns and ids go
 * through the shared byte-bounded LRU cache; stored documents are read from disk on demand.
 */
export class SegmentReader {
  readonly footer: Footer;
  readonly docCount: number;
  readonly size: number;
  private fd: number;
  private readonly uid: string;

  constructor(readonly file: string, private readonly cache: LruCache<unknown>) {
    this.uid = `s${nextUid++}:`;
    this.fd = fs.openSync(file, 'r');
    try {
      this.size = fs.fstatSync(this.fd).size;
      this.footer = this.readFooter();
    } catch (err) {
      fs.closeSync(this.fd);
      throw err;
    }
    this.docCount = this.footer.docCount;
  }

  private readFooter(): Footer {
    const corrupt = (why: string) => new HeroError('HERO_CORRUPT', `segment ${this.file} is damaged: ${why}`);
    if (this.size < SEG_HEAD.length + SEG_TAIL.length + 8) throw corrupt('too short');
    const head = this.read(0, SEG_HEAD.length);
    const tail = this.read(this.size - 16, 16);
    if (!head.equals(SEG_HEAD) || !tail.subarray(8).equals(SEG_TAIL)) throw corrupt('bad magic');
    const flen = tail.readUInt32LE(0);
    const crc = tail.readUInt32LE(4);
    if (flen > this.size - 16) throw corrupt('bad footer length');
    const fbuf = this.read(this.size - 16 - flen, flen);
    if (zlib.crc32(fbuf) !== crc) throw corrupt('footer checksum mismatch');
    return JSON.parse(fbuf.toString('utf8')) as Footer;
  }

  private read(off: number, len: number): Buffer {
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const n = fs.readSync(this.fd, buf, got, len - got, off + got);
      if (n === 0) throw new HeroError('HERO_CORRUPT', `segment ${this.file} ends early`);
      got += n;
    }
    return buf;
  }

  private readInto<T extends Uint32Array | Float64Array | Uint8Array>(arr: T, off: number): T {
    const view = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
    let got = 0;
    while (got < view.length) {
      const n = fs.readSync(this.fd, view, got, view.length - got, off + got);
      if (n === 0) throw new HeroError('HERO_CORRUPT', `segment ${this.file} ends early`);
      got += n;
    }
    return arr;
  }

  field(name: string): FooterField | undefined {
    return Object.hasOwn(this.footer.fields, name) ? this.footer.fields[name] : undefined;
  }

  private block(field: string, b: number): DictEntry[] {
    const f = this.field(field)!;
    return this.cache.getOrLoad(`${this.uid}d:${field}:${b}`, () => {
      const buf = this.read(f.dict!.off[b]!, f.dict!.len[b]!);
      return { value: JSON.parse(buf.toString('utf8')) as DictEntry[], weight: buf.length * 3 + 64 };
    }) as DictEntry[];
  }

  /** The dictionary entry of `term` in `field`, if present. */
  lookup(field: string, term: string): TermInfo | undefined {
    const dict = this.field(field)?.dict;
    if (!dict || dict.first.length === 0) return undefined;
    // last block whose first term <= term
    let lo = 0;
    let hi = dict.first.length - 1;
    if (term < dict.first[0]!) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (dict.first[mid]! <= term) lo = mid;
      else hi = mid - 1;
    }
    const block = this.block(field, lo);
    let a = 0;
    let b = block.length - 1;
    while (a <= b) {
      const m = (a + b) >> 1;
      const t = block[m]![0];
      if (t === term) return toInfo(block[m]!);
      if (t < term) a = m + 1;
      else b = m - 1;
    }
    return undefined;
  }

  /** Every term of `field` in [from, to) order, optionally starting at `from`, while `keep` says so. */
  *terms(field: string, from = ''): Generator<TermInfo> {
    const dict = this.field(field)?.dict;
    if (!dict) return;
    let startBlock = 0;
    if (from) {
      for (let i = 0; i < dict.first.length; i++) if (dict.first[i]! <= from) startBlock = i;
    }
    for (let b = startBlock; b < dict.first.length; b++) {
      for (const e of this.block(field, b)) if (e[0] >= from) yield toInfo(e);
    }
  }

  /** Doc numbers and term frequencies of one term. */
  postings(field: string, info: TermInfo): Postings {
    return this.cache.getOrLoad(`${this.uid}p:${field}:${info.postOff}`, () => {
      const docs = this.readInto(new Uint32Array(info.df), info.postOff);
      const freqs = this.readInto(new Uint32Array(info.df), info.postOff + info.df * 4);
      return { value: { docs, freqs }, weight: info.df * 8 + 64 };
    }) as Postings;
  }

  /** Positions of one term, grouped per doc in posting order. */
  positions(field: string, info: TermInfo): Uint32Array {
    if (info.posLen === 0) return new Uint32Array(0);
    return this.cache.getOrLoad(`${this.uid}x:${field}:${info.posOff}`, () => {
      const arr = this.readInto(new Uint32Array(info.posLen / 4), info.posOff);
      return { value: arr, weight: info.posLen + 64 };
    }) as Uint32Array;
  }

  /** Token counts per doc of a text field. */
  norms(field: string): Uint32Array | undefined {
    const f = this.field(field);
    if (!f?.norms) return undefined;
    const [off, len] = f.norms;
    return this.cache.getOrLoad(`${this.uid}n:${field}`, () => ({
      value: this.readInto(new Uint32Array(len / 4), off),
      weight: len + 64,
    })) as Uint32Array;
  }

  /** The value column of a keyword/numeric/date/bool field. */
  column(field: string): Column | undefined {
    const f = this.field(field);
    if (!f?.column) return undefined;
    const [off, len] = f.column;
    return this.cache.getOrLoad(`${this.uid}c:${field}`, () => {
      let value: Column;
      if (f.type === 'numeric' || f.type === 'date') value = this.readInto(new Float64Array(len / 8), off);
      else if (f.type === 'bool') value = this.readInto(new Uint8Array(len), off);
      else value = JSON.parse(this.read(off, len).toString('utf8')) as (string | string[] | null)[];
      return { value, weight: f.type === 'keyword' ? len * 3 + 64 : len + 64 };
    }) as Column;
  }

  /** The external id of one document (its block of ids goes through the cache). */
  idOf(doc: number): string {
    const b = Math.floor(doc / ID_BLOCK);
    const [off, len] = this.footer.ids[b]!;
    const block = this.cache.getOrLoad(`${this.uid}i:${b}`, () => ({
      value: JSON.parse(this.read(off, len).toString('utf8')) as string[],
      weight: len * 3 + 64,
    })) as string[];
    return block[doc - b * ID_BLOCK]!;
  }

  private storedOffsets(): Float64Array {
    const [off, len] = this.footer.storedOffsets;
    return this.cache.getOrLoad(`${this.uid}o`, () => ({
      value: this.readInto(new Float64Array(len / 8), off),
      weight: len + 64,
    })) as Float64Array;
  }

  /** The raw stored JSON of one document (read from disk, not cached). */
  storedRaw(doc: number): Buffer {
    const offs = this.storedOffsets();
    const start = offs[doc]!;
    const end = offs[doc + 1]!;
    return this.read(this.footer.stored[0] + start, end - start);
  }

  stored(doc: number): Record<string, unknown> {
    return JSON.parse(this.storedRaw(doc).toString('utf8')) as Record<string, unknown>;
  }

  close(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
      this.cache.deletePrefix(this.uid);
    }
  }
}
