import fs from 'node:fs';
import path from 'node:path';
import type { RunContext } from '@hero/core';
type Logger = NonNullable<RunContext['logger']>;
import { ConflictError, HeroError, NotFoundError } from '@hero/core';
import type { DbInfo, DbSummary, IndexSchema } from './client.js';
import { checkSchema, invalid, sameSchema } from './schema.js';
import { MANIFEST, SearchIndex, type IndexOptions } from './search-index.js';
import type { indexSchemaSchema } from './schema.js';
import type { z } from 'zod';

export const DB_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** The indexes under one data dir: each is a sub-directory holding a MANIFEST. */
export class IndexManager {
  private readonly open = new Map<string, SearchIndex>();
  private readonly broken = new Map<string, string>();

  constructor(
    readonly dataDir: string,
    private readonly opts: IndexOptions & { defaultLanguage: string },
    private readonly logger?: Logger,
  ) {}

  private dirOf(name: string): string {
    if (!DB_NAME.test(name)) throw invalid(`invalid index name "${name}" (letters, digits, _ and -, at most 64, starting with a letter or digit)`);
    return path.join(this.dataDir, name);
  }

  /** Removes half-created or half-deleted index dirs, then opens every index. */
  start(): void {
    for (const entry of fs.readdirSync(this.dataDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      if (entry.name.includes('.creating-') || entry.name.startsWith('.deleting-')) {
        fs.rmSync(path.join(this.dataDir, entry.name), { recursive: true, force: true });
        continue;
      }
      if (!DB_NAME.test(entry.name) || !fs.existsSync(path.join(this.dataDir, entry.name, MANIFEST))) continue;
      try {
        this.open.set(entry.name, SearchIndex.open(entry.name, path.join(this.dataDir, entry.name), this.opts));
      } catch (err) {
        this.broken.set(entry.name, (err as Error).message);
        this.logger?.error({ err, index: entry.name }, 'cannot open index');
      }
    }
  }

  private names(): string[] {
    return fs
      .readdirSync(this.dataDir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && DB_NAME.test(e.name) && fs.existsSync(path.join(this.dataDir, e.name, MANIFEST)))
      .map((e) => e.name)
      .sort();
  }

  /** The open index `name`, opening it if it was closed. */
  get(name: string): SearchIndex {
    const dir = this.dirOf(name);
    const idx = this.open.get(name);
    if (idx) return idx;
    if (!fs.existsSync(path.join(dir, MANIFEST))) throw new NotFoundError(`no index "${name}"`);
    try {
      const opened = SearchIndex.open(name, dir, this.opts);
      this.broken.delete(name);
      this.open.set(name, opened);
      return opened;
    } catch (err) {
      this.broken.set(name, (err as Error).message);
      throw err;
    }
  }

  list(): DbSummary[] {
    return this.names().map((name) => {
      const idx = this.open.get(name);
      if (idx) {
        const i = idx.info();
        return { name, docs: i.docs, segments: i.segments, language: idx.schema.language, open: true };
      }
      let language = '?';
      let docs = 0;
      let segments = 0;
      try {
        const m = JSON.parse(fs.readFileSync(path.join(this.dataDir, name, MANIFEST), 'utf8')) as {
          schema: IndexSchema;
          segments: { docs: number; deleted: number }[];
        };
        language = m.schema.language;
        segments = m.segments.length;
        docs = m.segments.reduce((n, s) => n + s.docs - s.deleted, 0);
      } catch {
        /* reported by db.info */
      }
      return { name, docs, segments, language, open: false };
    });
  }

  /** Creates an index; the same name with the same schema is accepted, a different one refused. */
  create(name: string, input: z.input<typeof indexSchemaSchema>): DbInfo {
    const dir = this.dirOf(name);
    const schema = checkSchema(input, this.opts.defaultLanguage);
    if (fs.existsSync(path.join(dir, MANIFEST))) {
      const existing = this.get(name);
      if (!sameSchema(existing.schema, schema)) {
        throw new ConflictError(`index "${name}" already exists with a different schema; delete it first (changing a schema in place would make existing segments unreadable)`);
      }
      return this.info(name);
    }
    if (fs.existsSync(dir)) throw new ConflictError(`${dir} exists and is not an index`);
    const idx = SearchIndex.create(name, dir, schema, this.opts);
    this.open.set(name, idx);
    this.logger?.info({ index: name }, 'index created');
    return this.info(name);
  }

  delete(name: string): { deleted: boolean } {
    const dir = this.dirOf(name);
    const idx = this.open.get(name);
    if (!idx && !fs.existsSync(path.join(dir, MANIFEST))) throw new NotFoundError(`no index "${name}"`);
    idx?.close(false);
    this.open.delete(name);
    this.broken.delete(name);
    const trash = path.join(this.dataDir, `.deleting-${name}-${Date.now()}`);
    fs.renameSync(dir, trash);
    fs.rmSync(trash, { recursive: true, force: true });
    this.logger?.info({ index: name }, 'index deleted');
    return { deleted: true };
  }

  info(name: string): DbInfo {
    const idx = this.get(name);
    return { name, schema: idx.schema, ...idx.info(), open: true };
  }

  /** Commits pending changes and releases the index's files and cache entries. */
  close(name: string): { closed: boolean } {
    this.dirOf(name);
    const idx = this.open.get(name);
    if (!idx) {
      if (!fs.existsSync(path.join(this.dataDir, name, MANIFEST))) throw new NotFoundError(`no index "${name}"`);
      return { closed: false };
    }
    this.open.delete(name);
    idx.close(true);
    return { closed: true };
  }

  get openCount(): number {
    return this.open.size;
  }

  get count(): number {
    return this.names().length;
  }

  /** Commits and closes every index; errors are collected and thrown together. */
  closeAll(): void {
    const errors: unknown[] = [];
    for (const [name, idx] of this.open) {
      try {
        idx.close(true);
      } catch (err) {
        errors.push(err);
        this.logger?.error({ err, index: name }, 'cannot commit index on close');
      }
    }
    this.open.clear();
    if (errors.length) throw new HeroError('HERO_INTERNAL', `closing indexes failed: ${errors.map((e) => (e as Error).message).join('; ')}`);
  }
}
