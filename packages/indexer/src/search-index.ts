import fs from 'node:fs';
import path from 'node:path';
import type { RunContext } from '@hero/core';
type Logger = NonNullable<RunContext['logger']>;
import { HeroError, NotFoundError } from '@hero/core';
import { Analyzer } from './analyzer.js';
import type { IndexSchema, SearchResult } from './client.js';
import { getLanguage } from './language.js';
import type { LruCache } from './lru-cache.js';
import { validateDoc, type ValidDoc } from './schema.js';
import { Searcher, type SearchLimits, type SearchOptions } from './searcher.js';
import { buildSegment, ID_FIELD, isDeleted, mergeSource, type LiveSegment } from './segment-build.js';
import { SegmentReader } from './segment-reader.js';
import { writeSegment, type SegmentSource } from './segment-writer.js';

export const MANIFEST = 'MANIFEST';

interface ManifestSegment {
  name: string;
  docs: number;
  del: string | null;
  deleted: number;
}

interface Manifest {
  format: 1;
  generation: number;
  next_segment: number;
  schema: IndexSchema;
  segments: ManifestSegment[];
}

export interface IndexOptions {
  cache: LruCache<unknown>;
  /** Largest accepted document (JSON bytes). */
  maxDocBytes: number;
  /** Pending documents are written to a (not yet committed) segment past this many bytes. */
  writerBufferBytes: number;
  /** A commit merges segments while there are more than this. */
  maxSegments: number;
  limits: SearchLimits;
  logger?: Logger | undefined;
}

interface Seg extends LiveSegment {
  name: string;
  del: string | null;
  delCount: number;
  dirty: boolean;
}

interface Flushed {
  seg: Seg;
  /** Ids replaced or deleted after this segment was written. */
  later: Set<string>;
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function writeFileDurable(file: string, data: string | Uint8Array): void {
  const fd = fs.openSync(file, 'w', 0o600);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

const segName = (n: number) => `seg-${String(n).padStart(6, '0')}.seg`;

/**
 * One full-text index on disk: immutable segment files, deletion bitsets and a MANIFEST that
 * names the committed ones. A commit writes and fsyncs new files, then atomically renames a new
 * MANIFEST into place; anything the MANIFEST does not name (a torn write, an uncommitted
 * segment) is removed on open. Searches see the last commit.
 */
export class SearchIndex {
  private manifest: Manifest;
  private segments: Seg[] = [];
  private readonly analyzer: Analyzer;
  private buffer = new Map<string, ValidDoc | null>();
  private bufferBytes = 0;
  private flushed: Flushed[] = [];
  private touched = new Set<string>();
  private pendingOps = 0;
  private closed = false;

  private constructor(readonly name: string, readonly dir: string, manifest: Manifest, private readonly opts: IndexOptions) {
    this.manifest = manifest;
    const lang = getLanguage(manifest.schema.language);
    if (!lang) throw new HeroError('HERO_CORRUPT', `index ${name} uses unknown language "${manifest.schema.language}"`);
    this.analyzer = new Analyzer(lang);
  }

  /** Creates a new empty index in `dir` (which must not exist) and opens it. */
  static create(name: string, dir: string, schema: IndexSchema, opts: IndexOptions): SearchIndex {
    const tmp = `${dir}.creating-${process.pid}-${Date.now()}`;
    fs.mkdirSync(tmp, { mode: 0o700 });
    const manifest: Manifest = { format: 1, generation: 0, next_segment: 1, schema, segments: [] };
    writeFileDurable(path.join(tmp, MANIFEST), JSON.stringify(manifest));
    fsyncDir(tmp);
    fs.renameSync(tmp, dir);
    fsyncDir(path.dirname(dir));
    return SearchIndex.open(name, dir, opts);
  }

  /** Opens the last commit of the index in `dir`, removing files no commit refers to. */
  static open(name: string, dir: string, opts: IndexOptions): SearchIndex {
    let manifest: Manifest;
    try {
      manifest = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), 'utf8')) as Manifest;
    } catch (err) {
      throw new HeroError('HERO_CORRUPT', `index ${name}: cannot read ${MANIFEST}: ${(err as Error).message}`, { cause: err });
    }
    if (manifest.format !== 1) throw new HeroError('HERO_CORRUPT', `index ${name}: unknown format ${String(manifest.format)}`);
    const idx = new SearchIndex(name, dir, manifest, opts);
    try {
      idx.segments = manifest.segments.map((m) => idx.openSeg(m));
    } catch (err) {
      for (const s of idx.segments) s.reader.close();
      throw err;
    }
    idx.removeUnreferenced();
    return idx;
  }

  private openSeg(m: ManifestSegment): Seg {
    const reader = new SegmentReader(path.join(this.dir, m.name), this.opts.cache);
    let deleted = new Uint8Array(Math.ceil(reader.docCount / 8));
    if (m.del) {
      try {
        const buf = fs.readFileSync(path.join(this.dir, m.del));
        if (buf.length !== deleted.length) throw new Error('wrong size');
        deleted = new Uint8Array(buf);
      } catch (err) {
        reader.close();
        throw new HeroError('HERO_CORRUPT', `index ${this.name}: deletions ${m.del}: ${(err as Error).message}`, { cause: err });
      }
    }
    return { reader, deleted, name: m.name, del: m.del, delCount: m.deleted, dirty: false };
  }

  private removeUnreferenced(): void {
    const keep = new Set([MANIFEST]);
    for (const s of this.manifest.segments) {
      keep.add(s.name);
      if (s.del) keep.add(s.del);
    }
    for (const f of fs.readdirSync(this.dir)) {
      if (!keep.has(f)) {
        fs.rmSync(path.join(this.dir, f), { force: true, recursive: true });
        this.opts.logger?.debug({ index: this.name, file: f }, 'removed unreferenced file');
      }
    }
  }

  get schema(): IndexSchema {
    return this.manifest.schema;
  }

  get generation(): number {
    return this.manifest.generation;
  }

  private assertOpen(): void {
    if (this.closed) throw new HeroError('HERO_UNAVAILABLE', `index ${this.name} is closed`);
  }

  /**
   * Validates every document first (a bad one rejects the whole batch), then buffers them. If
   * the buffer is full and writing it to a segment fails, the error is thrown but the documents
   * stay buffered: the next flush or commit retries the write.
   */
  add(docs: unknown[]): { added: number; pending: number } {
    this.assertOpen();
    const valid = docs.map((d, i) => validateDoc(d, this.schema, this.opts.maxDocBytes, i));
    for (const d of valid) {
      this.touch(d.id);
      const prev = this.buffer.get(d.id);
      if (prev) this.bufferBytes -= prev.stored.length;
      this.buffer.set(d.id, d);
      this.bufferBytes += d.stored.length + 64;
      this.pendingOps++;
    }
    if (this.bufferBytes >= this.opts.writerBufferBytes) this.flush();
    return { added: valid.length, pending: this.pendingOps };
  }

  /** Deletes documents by id (applied at the next commit); returns how many existed. */
  delete(ids: string[]): { deleted: number; pending: number } {
    this.assertOpen();
    let n = 0;
    for (const id of ids) {
      if (this.exists(id)) n++;
      this.touch(id);
      const prev = this.buffer.get(id);
      if (prev) this.bufferBytes -= prev.stored.length;
      this.buffer.set(id, null);
      this.pendingOps++;
    }
    return { deleted: n, pending: this.pendingOps };
  }

  private touch(id: string): void {
    this.touched.add(id);
    for (const f of this.flushed) f.later.add(id);
  }

  private exists(id: string): boolean {
    const b = this.buffer.get(id);
    if (b !== undefined) return b !== null;
    for (const f of this.flushed) if (!f.later.has(id) && this.find(f.seg, id) >= 0) return true;
    if (this.touched.has(id)) return false;
    return this.locate(id) !== undefined;
  }

  private find(s: Seg, id: string): number {
    const info = s.reader.lookup(ID_FIELD, id);
    if (!info) return -1;
    const docs = s.reader.postings(ID_FIELD, info).docs;
    for (const d of docs) if (!isDeleted(s.deleted, d)) return d;
    return -1;
  }

  private locate(id: string): { seg: Seg; doc: number } | undefined {
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const seg = this.segments[i]!;
      const doc = this.find(seg, id);
      if (doc >= 0) return { seg, doc };
    }
    return undefined;
  }

  /** The stored fields of a committed document. */
  get(id: string): Record<string, unknown> {
    this.assertOpen();
    const hit = this.locate(id);
    if (!hit) throw new NotFoundError(`no document "${id}" in index ${this.name}`);
    return hit.seg.reader.stored(hit.doc);
  }

  /**
   * Writes the buffered documents to a new segment file (not committed yet). The buffer is
   * cleared only once the segment is written and open: if the write fails (ENOSPC, EIO) the
   * buffer and `touched` stay as they were, so the next flush or commit writes them all again.
   */
  private flush(): void {
    const docs = [...this.buffer.values()].filter((d): d is ValidDoc => d !== null);
    if (docs.length > 0) this.flushed.push({ seg: this.writeNewSegment(buildSegment(docs, this.schema, this.analyzer)), later: new Set() });
    this.buffer.clear();
    this.bufferBytes = 0;
  }

  /** Writes and opens a new segment file; on failure removes what was written and rethrows. */
  private writeNewSegment(src: SegmentSource): Seg {
    // a failed attempt still uses up its name: the next one never meets a file left behind
    const name = segName(this.manifest.next_segment++);
    const file = path.join(this.dir, name);
    try {
      writeSegment(file, src);
      const reader = new SegmentReader(file, this.opts.cache);
      return { reader, deleted: new Uint8Array(Math.ceil(reader.docCount / 8)), name, del: null, delCount: 0, dirty: false };
    } catch (err) {
      // EEXIST: the file is not ours to remove
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        try {
          fs.rmSync(file, { force: true });
        } catch (rmErr) {
          // open() removes it anyway, as a file no MANIFEST names
          this.opts.logger?.warn({ err: rmErr, index: this.name, file: name }, 'cannot remove partial segment');
        }
      }
      throw err;
    }
  }

  private markDeleted(s: Seg, ids: Iterable<string>): void {
    for (const id of ids) {
      const info = s.reader.lookup(ID_FIELD, id);
      if (!info) continue;
      for (const d of s.reader.postings(ID_FIELD, info).docs) {
        if (isDeleted(s.deleted, d)) continue;
        if (!s.dirty) {
          s.deleted = Uint8Array.from(s.deleted);
          s.dirty = true;
        }
        s.deleted[d >> 3]! |= 1 << (d & 7);
        s.delCount++;
      }
    }
  }

  /** Makes every change since the last commit durable and visible; returns the new generation. */
  commit(): { generation: number; docs: number } {
    this.assertOpen();
    if (this.pendingOps === 0 && this.flushed.length === 0) return { generation: this.generation, docs: this.liveDocs() };
    this.flush();
    const gen = this.manifest.generation + 1;
    // copies so that a failed commit leaves the current state untouched
    const segs: Seg[] = this.segments.map((s) => ({ ...s, dirty: false }));
    for (const s of segs) this.markDeleted(s, this.touched);
    for (const f of this.flushed) this.markDeleted(f.seg, f.later);
    const all = [...segs, ...this.flushed.map((f) => f.seg)];
    for (const s of all) {
      if (s.dirty && s.delCount < s.reader.docCount) {
        s.del = `${s.name}.del-${gen}`;
        writeFileDurable(path.join(this.dir, s.del), s.deleted);
      }
    }
    const live = all.filter((s) => s.delCount < s.reader.docCount);
    this.publish(gen, live);
    for (const s of all) if (!live.includes(s)) s.reader.close();
    this.segments = live;
    this.buffer.clear();
    this.flushed = [];
    this.touched = new Set();
    this.pendingOps = 0;
    this.maybeMerge();
    return { generation: this.generation, docs: this.liveDocs() };
  }

  /** Atomically replaces the MANIFEST and removes files the new one no longer names. */
  private publish(gen: number, segs: Seg[]): void {
    const manifest: Manifest = {
      format: 1,
      generation: gen,
      next_segment: this.manifest.next_segment,
      schema: this.schema,
      segments: segs.map((s) => ({ name: s.name, docs: s.reader.docCount, del: s.dirty || s.del ? s.del : null, deleted: s.delCount })),
    };
    const tmp = path.join(this.dir, `${MANIFEST}.tmp`);
    writeFileDurable(tmp, JSON.stringify(manifest));
    fs.renameSync(tmp, path.join(this.dir, MANIFEST));
    fsyncDir(this.dir);
    this.manifest = manifest;
    for (const s of segs) s.dirty = false;
    try {
      this.removeUnreferenced();
    } catch (err) {
      this.opts.logger?.warn({ err, index: this.name }, 'cannot remove old files');
    }
  }

  /** Merges the smallest segments while there are more than maxSegments. */
  private maybeMerge(): void {
    while (this.segments.length > this.opts.maxSegments) {
      const bySize = [...this.segments].sort((a, b) => a.reader.docCount - a.delCount - (b.reader.docCount - b.delCount));
      const take = bySize.slice(0, Math.max(2, this.segments.length - this.opts.maxSegments + 1));
      this.mergeSegments(take);
    }
  }

  /** Rewrites `parts` as one segment without their deleted documents (a new commit). */
  mergeSegments(parts: Seg[]): void {
    const t0 = performance.now();
    const merged = this.writeNewSegment(mergeSource(parts, this.schema));
    // the merged segment takes the place of the first part, keeping newest-last order
    const first = this.segments.indexOf(parts[0]!);
    const rest = this.segments.filter((s) => !parts.includes(s));
    rest.splice(Math.min(first, rest.length), 0, merged);
    this.publish(this.manifest.generation + 1, rest);
    for (const p of parts) p.reader.close();
    this.segments = rest;
    this.opts.logger?.debug({ index: this.name, parts: parts.length, docs: merged.reader.docCount, ms: Math.round(performance.now() - t0) }, 'merged segments');
  }

  /** Merges every segment into one (drops deleted documents for good). */
  optimize(): void {
    this.assertOpen();
    if (this.segments.length > 1 || this.segments.some((s) => s.delCount > 0)) this.mergeSegments([...this.segments]);
  }

  private liveDocs(): number {
    return this.segments.reduce((n, s) => n + s.reader.docCount - s.delCount, 0);
  }

  /** Searches the last commit. */
  search(opts: SearchOptions): SearchResult {
    this.assertOpen();
    return new Searcher(this.schema, this.analyzer, this.segments, this.opts.limits).search(opts);
  }

  info(): { docs: number; deleted: number; segments: number; generation: number; size_bytes: number; pending: number } {
    let size = 0;
    for (const s of this.segments) size += s.reader.size + s.deleted.length;
    return {
      docs: this.liveDocs(),
      deleted: this.segments.reduce((n, s) => n + s.delCount, 0),
      segments: this.segments.length,
      generation: this.generation,
      size_bytes: size,
      pending: this.pendingOps,
    };
  }

  /** Closes files; with `commitPending` (the default) commits buffered changes first. */
  close(commitPending = true): void {
    if (this.closed) return;
    try {
      if (commitPending && (this.pendingOps > 0 || this.flushed.length > 0)) this.commit();
    } finally {
      this.closed = true;
      for (const s of this.segments) s.reader.close();
      for (const f of this.flushed) f.seg.reader.close();
      this.segments = [];
      this.flushed = [];
    }
  }
}
