import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, HeroError } from '@hero/core';
import { AofFile, syncDir, type FsyncPolicy } from './aof.js';
import type { Engine, PersistenceHooks } from './engine.js';
import { loadCommands } from './loader.js';
import { serializeDataset } from './serialize.js';

export interface PersistenceOptions {
  dataDir: string;
  appendonly: boolean;
  appendfsync: FsyncPolicy;
  appendfilename: string;
  dbfilename: string;
  save: string;
  aofRewritePercentage: number;
  aofRewriteMinSize: number;
}

/** Parses redis.conf-style save rules ("3600 1 300 100"); throws on a malformed value. */
export function parseSaveRules(s: string): { secs: number; changes: number }[] {
  const parts = s.trim().split(/\s+/).filter(Boolean);
  if (parts.length % 2 !== 0) throw new Error('Invalid save parameters');
  const out: { secs: number; changes: number }[] = [];
  for (let i = 0; i < parts.length; i += 2) {
    const secs = Number(parts[i]);
    const changes = Number(parts[i + 1]);
    if (!Number.isInteger(secs) || !Number.isInteger(changes) || secs < 1 || changes < 0) throw new Error('Invalid save parameters');
    out.push({ secs, changes });
  }
  return out;
}

/** AOF + snapshots for one engine: loading on start, logging writes, saving by rules, rewrites. */
export class Persistence implements PersistenceHooks {
  private aof: AofFile | null = null;
  private rules: { secs: number; changes: number }[];
  private lastSaveAt = Date.now();
  private dirtyAtSave = 0;
  private bg: Promise<void> | null = null;
  private bgKind: 'save' | 'rewrite' = 'save';
  private lastBgOk = true;
  private lastRewriteOk = true;
  private timer: NodeJS.Timeout | undefined;
  readonly aofPath: string;
  readonly snapPath: string;

  constructor(
    private readonly engine: Engine,
    private readonly opts: PersistenceOptions,
  ) {
    try {
      this.rules = parseSaveRules(opts.save);
    } catch {
      throw new ConfigError(`invalid config`, [`save: invalid save rules "${opts.save}"`]);
    }
    this.aofPath = path.join(opts.dataDir, opts.appendfilename);
    this.snapPath = path.join(opts.dataDir, opts.dbfilename);
  }

  private get log() {
    return this.engine.logger;
  }

  /** Loads the dataset (AOF when enabled and present, else the snapshot) and opens the AOF. */
  start(): void {
    const { engine } = this;
    const aofExists = fs.existsSync(this.aofPath);
    let loadedSnapshot = false;
    try {
      if (this.opts.appendonly && aofExists) {
        const r = loadCommands(engine, this.aofPath);
        if (r.problem) {
          if (r.problem === 'corrupt') {
            const copy = `${this.aofPath}.corrupt-${Date.now()}`;
            fs.copyFileSync(this.aofPath, copy);
            this.log?.error({ file: this.aofPath, validBytes: r.validBytes, fileBytes: r.fileBytes, copy }, 'aof corrupt, truncated at the last valid record');
          } else {
            this.log?.warn({ file: this.aofPath, validBytes: r.validBytes, fileBytes: r.fileBytes }, 'aof has a torn tail, truncated');
          }
          fs.truncateSync(this.aofPath, r.validBytes);
        }
        this.log?.info({ file: this.aofPath, commands: r.commands }, 'aof loaded');
      } else if (fs.existsSync(this.snapPath)) {
        const r = loadCommands(engine, this.snapPath);
        if (r.problem) this.log?.warn({ file: this.snapPath, validBytes: r.validBytes }, 'snapshot incomplete, loaded what was valid');
        this.log?.info({ file: this.snapPath, commands: r.commands }, 'snapshot loaded');
        loadedSnapshot = true;
      }
    } catch (err) {
      throw new HeroError('HERO_UNAVAILABLE', `cannot load data from ${this.opts.dataDir}: ${(err as Error).message}`, { cause: err });
    }
    engine.resetStats();
    engine.dirty = 0;
    if (this.opts.appendonly) {
      if (!aofExists && loadedSnapshot) {
        // Seed a new AOF with what the snapshot held, or a restart would lose it.
        const tmp = `${this.aofPath}.tmp`;
        fs.writeFileSync(tmp, Buffer.concat(serializeDataset(engine)), { mode: 0o600 });
        fs.renameSync(tmp, this.aofPath);
      }
      this.aof = new AofFile(this.aofPath, this.opts.appendfsync, (err) => this.log?.error({ err }, 'aof write failed'));
      engine.sink = (db, argv) => this.aof!.append(db, argv);
    }
    engine.beforeWrite = () => this.flushAof();
    this.timer = setInterval(() => this.cron(), 1000);
  }

  private flushAof(): void {
    const aof = this.aof;
    if (aof === null || !aof.hasPending) return;
    aof.flush();
    const pct = this.opts.aofRewritePercentage;
    if (pct > 0 && this.bg === null && aof.size >= this.opts.aofRewriteMinSize && aof.size >= aof.baseSize * (1 + pct / 100)) {
      void this.bgrewriteaof().catch(() => {});
    }
  }

  private cron(): void {
    // Retry a failed AOF write even when no client is active.
    if (this.aof !== null && !this.aof.lastWriteOk) this.flushAof();
    if (this.bg !== null || this.rules.length === 0) return;
    const changes = this.engine.dirty - this.dirtyAtSave;
    const elapsed = (Date.now() - this.lastSaveAt) / 1000;
    if (this.rules.some((r) => changes >= r.changes && changes > 0 && elapsed >= r.secs)) {
      void this.bgsave().catch(() => {});
    }
  }

  save(): void {
    const data = serializeDataset(this.engine);
    const tmp = `${this.snapPath}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      for (const b of data) fs.writeSync(fd, b);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.snapPath);
    syncDir(this.opts.dataDir);
    this.lastSaveAt = Date.now();
    this.dirtyAtSave = this.engine.dirty;
    this.log?.info({ file: this.snapPath }, 'snapshot saved');
  }

  bgsave(): Promise<void> {
    if (this.bg) return this.bg;
    const data = serializeDataset(this.engine);
    const dirty = this.engine.dirty;
    const tmp = `${this.snapPath}.tmp`;
    this.bgKind = 'save';
    const p = (async () => {
      try {
        const fh = await fsp.open(tmp, 'w', 0o600);
        try {
          for (const b of data) await fh.write(b);
          await fh.sync();
        } finally {
          await fh.close();
        }
        await fsp.rename(tmp, this.snapPath);
        syncDir(this.opts.dataDir);
        this.lastSaveAt = Date.now();
        this.dirtyAtSave = dirty;
        this.lastBgOk = true;
        this.log?.info({ file: this.snapPath }, 'snapshot saved');
      } catch (err) {
        this.lastBgOk = false;
        this.log?.error({ err }, 'snapshot failed');
        await fsp.rm(tmp, { force: true });
        throw err;
      } finally {
        this.bg = null;
      }
    })();
    this.bg = p;
    return p;
  }

  bgrewriteaof(): Promise<void> {
    // A rewrite asked for during a snapshot runs right after it (Redis schedules it the same way).
    if (this.bg) return this.bgKind === 'rewrite' ? this.bg : this.bg.catch(() => {}).then(() => this.bgrewriteaof());
    const aof = this.aof;
    if (aof === null) return Promise.resolve();
    aof.flush();
    const base = serializeDataset(this.engine);
    this.bgKind = 'rewrite';
    const p = (async () => {
      try {
        await aof.rewrite(base);
        this.lastRewriteOk = true;
        this.log?.info({ file: this.aofPath, size: aof.size }, 'aof rewritten');
      } catch (err) {
        this.lastRewriteOk = false;
        this.log?.error({ err }, 'aof rewrite failed');
        throw err;
      } finally {
        this.bg = null;
      }
    })();
    this.bg = p;
    return p;
  }

  /** Why writes must be refused (the AOF cannot be written), or null. */
  writeError(): string | null {
    return this.aof !== null && !this.aof.lastWriteOk ? `MISCONF Errors writing to the AOF file: ${this.aof.lastError ?? 'unknown error'}` : null;
  }

  lastSave(): number {
    return Math.floor(this.lastSaveAt / 1000);
  }

  bgInProgress(): boolean {
    return this.bg !== null;
  }

  setParam(name: string, value: string): string | null {
    if (name === 'appendfsync') {
      if (!['always', 'everysec', 'no'].includes(value)) return 'argument(s) must be one of the following: everysec, always, no';
      if (this.aof) this.aof.policy = value as FsyncPolicy;
    } else if (name === 'save') {
      try {
        this.rules = parseSaveRules(value);
      } catch {
        return 'Invalid save parameters';
      }
    } else if (name === 'auto-aof-rewrite-percentage' || name === 'auto-aof-rewrite-min-size') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) return 'argument must be a non-negative integer';
      if (name === 'auto-aof-rewrite-percentage') this.opts.aofRewritePercentage = n;
      else this.opts.aofRewriteMinSize = n;
    }
    return null;
  }

  info(): Record<string, string | number> {
    return {
      rdb_changes_since_last_save: this.engine.dirty - this.dirtyAtSave,
      rdb_bgsave_in_progress: this.bg !== null && !this.aof?.rewriting ? 1 : 0,
      rdb_last_save_time: this.lastSave(),
      rdb_last_bgsave_status: this.lastBgOk ? 'ok' : 'err',
      aof_enabled: this.aof ? 1 : 0,
      aof_rewrite_in_progress: this.aof?.rewriting ? 1 : 0,
      aof_last_bgrewrite_status: this.lastRewriteOk ? 'ok' : 'err',
      aof_last_write_status: this.aof === null || this.aof.lastWriteOk ? 'ok' : 'err',
      ...(this.aof ? { aof_current_size: this.aof.size, aof_base_size: this.aof.baseSize } : {}),
    };
  }

  /** Sizes and times for db.info. */
  status(): { appendonly: boolean; aof_bytes: number; last_save: number; changes_since_save: number } {
    return {
      appendonly: this.aof !== null,
      aof_bytes: this.aof?.size ?? 0,
      last_save: this.lastSave(),
      changes_since_save: this.engine.dirty - this.dirtyAtSave,
    };
  }

  /** Waits for background work, writes a final snapshot when save rules exist, closes the AOF. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.bg?.catch(() => {});
    const errors: unknown[] = [];
    try {
      if (this.rules.length > 0 && this.engine.dirty !== this.dirtyAtSave) this.save();
    } catch (err) {
      errors.push(err);
      this.log?.error({ err }, 'final snapshot failed');
    }
    try {
      this.aof?.close();
    } catch (err) {
      errors.push(err);
    }
    this.aof = null;
    this.engine.sink = null;
    if (errors.length) throw new HeroError('HERO_INTERNAL', 'hero_db could not flush its data on close', { cause: errors[0] });
  }
}
