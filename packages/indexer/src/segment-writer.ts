import fs from 'node:fs';
import zlib from 'node:zlib';
import type { FieldType } from './client.js';

/** Magic at the start and end of every segment file; a file without both is torn. */
export const SEG_HEAD = Buffer.from('HEROSEG1');
export const SEG_TAIL = Buffer.from('HEROEND1');
/** Dictionary entries per block: only each block's first term is kept in memory. */
export const DICT_BLOCK = 64;
/** Ids per block of the id column (a hit reads one block, not the whole column). */
export const ID_BLOCK = 1024;

/** One term's postings: ascending doc numbers, term frequencies, and positions per doc (may be views the producer reuses). */
export interface TermPostings {
  term: string;
  docs: Uint32Array;
  freqs: Uint32Array;
  /** Positions of every occurrence, grouped by doc in doc order (text fields only). */
  positions?: Uint32Array;
}

/** A column of per-document values used by filters, sorting and facets. */
export type Column = Float64Array | Uint8Array | (string | string[] | null)[];

export interface SourceField {
  name: string;
  type: FieldType | 'id';
  /** Token count per doc (text fields). */
  norms?: Uint32Array;
  sumLength?: number;
  column?: Column;
  /** Terms in ascending order (indexed text/keyword fields and the id field). */
  terms?: () => Iterable<TermPostings>;
}

/** What a segment is written from: a fresh batch or the live docs of merged segments. */
export interface SegmentSource {
  docCount: number;
  ids: string[];
  /** The stored JSON of a document: a string is UTF-8 encoded straight into the file buffer. */
  stored: (doc: number) => string | Uint8Array;
  fields: SourceField[];
}

export interface DictIndex {
  first: string[];
  off: number[];
  len: number[];
}

export interface FooterField {
  type: FieldType | 'id';
  sumLength?: number;
  termCount?: number;
  dict?: DictIndex;
  norms?: [number, number];
  column?: [number, number];
}

export interface Footer {
  version: 1;
  docCount: number;
  stored: [number, number];
  storedOffsets: [number, number];
  /** [offset, length] of each block of ID_BLOCK ids (JSON arrays). */
  ids: [number, number][];
  fields: Record<string, FooterField>;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Writes a segment file: stored docs, ids, per-field norms/columns/dictionary/postings, and a
 * checksummed footer; fsyncs before returning. The file is new (`wx`): segments are immutable.
 */
export function writeSegment(file: string, src: SegmentSource): number {
  const fd = fs.openSync(file, 'wx', 0o600);
  let pos = 0;
  // bytes are copied into a staging buffer as they come, so callers may reuse their arrays
  const stage = Buffer.allocUnsafe(1 << 20);
  let staged = 0;
  const writeAll = (buf: Uint8Array) => {
    let off = 0;
    while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
  };
  const flush = () => {
    if (staged) writeAll(stage.subarray(0, staged));
    staged = 0;
  };
  const write = (buf: Uint8Array): [number, number] => {
    const at = pos;
    pos += buf.length;
    if (buf.length > stage.length - staged) {
      flush();
      if (buf.length > stage.length) {
        writeAll(buf);
        return [at, buf.length];
      }
    }
    stage.set(buf, staged);
    staged += buf.length;
    return [at, buf.length];
  };
  const writeText = (text: string) => {
    // a UTF-8 string is at most 3 bytes per UTF-16 unit: encode in place when that surely fits
    if (text.length * 3 <= stage.length - staged) {
      const n = stage.write(text, staged, 'utf8');
      staged += n;
      pos += n;
    } else write(Buffer.from(text, 'utf8'));
  };
  try {
    write(SEG_HEAD);
    const offsets = new Float64Array(src.docCount + 1);
    const storedStart = pos;
    for (let d = 0; d < src.docCount; d++) {
      offsets[d] = pos - storedStart;
      const doc = src.stored(d);
      if (typeof doc === 'string') writeText(doc);
      else write(doc);
    }
    offsets[src.docCount] = pos - storedStart;
    const footer: Footer = {
      version: 1,
      docCount: src.docCount,
      stored: [storedStart, pos - storedStart],
      storedOffsets: write(bytesOf(offsets)),
      ids: [],
      fields: {},
    };
    for (let i = 0; i < src.docCount; i += ID_BLOCK) footer.ids.push(write(Buffer.from(JSON.stringify(src.ids.slice(i, i + ID_BLOCK)))));
    for (const f of src.fields) {
      const ff: FooterField = { type: f.type };
      if (f.norms) {
        ff.norms = write(bytesOf(f.norms));
        ff.sumLength = f.sumLength ?? 0;
      }
      if (f.column) ff.column = write(Array.isArray(f.column) ? Buffer.from(JSON.stringify(f.column)) : bytesOf(f.column));
      if (f.terms) {
        const dict: DictIndex = { first: [], off: [], len: [] };
        let block: unknown[] = [];
        let count = 0;
        const endBlock = () => {
          const [o, l] = write(Buffer.from(JSON.stringify(block)));
          dict.off.push(o);
          dict.len.push(l);
          block = [];
        };
        for (const t of f.terms()) {
          const df = t.docs.length;
          const [postOff] = write(bytesOf(t.docs));
          write(bytesOf(t.freqs));
          let posOff = 0;
          let posLen = 0;
          if (t.positions && t.positions.length > 0) [posOff, posLen] = write(bytesOf(t.positions));
          if (block.length === 0) dict.first.push(t.term);
          block.push(posLen ? [t.term, df, postOff, posOff, posLen] : [t.term, df, postOff]);
          count++;
          if (block.length === DICT_BLOCK) endBlock();
        }
        if (block.length) endBlock();
        ff.dict = dict;
        ff.termCount = count;
      }
      footer.fields[f.name] = ff;
    }
    const fbuf = Buffer.from(JSON.stringify(footer));
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(fbuf.length, 0);
    trailer.writeUInt32LE(zlib.crc32(fbuf), 4);
    write(fbuf);
    write(trailer);
    write(SEG_TAIL);
    flush();
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return pos;
}
