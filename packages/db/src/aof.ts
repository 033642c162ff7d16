import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { encodeCommand } from './serialize.js';

export type FsyncPolicy = 'always' | 'everysec' | 'no';

/**
 * The append-only file. Commands are buffered as they run and written in one `write` before the
 * replies of that loop turn go out; with `always` the write is fsynced first too, so an
 * acknowledged write is on disk. `everysec` fsyncs in the background once a second.
 */
export class AofFile {
  private fd: number;
  private pending: string[] = [];
  private selected = -1;
  size: number;
  baseSize: number;
  private unsynced = false;
  private timer: NodeJS.Timeout | undefined;
  private syncing = false;
  lastWriteOk = true;
  /** While a rewrite runs: commands also collected here, appended to the new file at the end. */
  private rewriteBuf: string[] | null = null;
  private rewriteSelected = -1;

  constructor(
    readonly file: string,
    public policy: FsyncPolicy,
    private readonly onError: (err: unknown) => void,
  ) {
    this.fd = fs.openSync(file, 'a', 0o600);
    this.size = fs.fstatSync(this.fd).size;
    this.baseSize = this.size;
    this.timer = setInterval(() => this.backgroundSync(), 1000);
  }

  append(db: number, argv: string[]): void {
    if (db !== this.selected) {
      this.pending.push(encodeCommand(['SELECT', String(db)]));
      this.selected = db;
    }
    const s = encodeCommand(argv);
    this.pending.push(s);
    if (this.rewriteBuf !== null) {
      if (db !== this.rewriteSelected) {
        this.rewriteBuf.push(encodeCommand(['SELECT', String(db)]));
        this.rewriteSelected = db;
      }
      this.rewriteBuf.push(s);
    }
  }

  get hasPending(): boolean {
    return this.pending.length !== 0;
  }

  /** Writes buffered commands (and fsyncs under `always`). */
  flush(): void {
    if (this.pending.length === 0) return;
    const text = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    const buf = Buffer.from(text, 'latin1');
    try {
      let off = 0;
      while (off < buf.length) off += fs.writeSync(this.fd, buf, off);
      this.pending = [];
      this.size += buf.length;
      if (this.policy === 'always') fs.fsyncSync(this.fd);
      else this.unsynced = true;
      this.lastWriteOk = true;
      this.lastError = null;
    } catch (err) {
      // Keep the commands for the next try and cut any partial record, as Redis does.
      this.pending = [text];
      try {
        fs.ftruncateSync(this.fd, this.size);
      } catch {
        // the next successful write starts from the same size anyway
      }
      if (this.lastWriteOk) this.onError(err);
      this.lastWriteOk = false;
      this.lastError = (err as Error).message;
    }
  }

  /** The last write error while writes are failing, else null. */
  lastError: string | null = null;

  private backgroundSync(): void {
    if (this.policy !== 'everysec' || !this.unsynced || this.syncing) return;
    this.unsynced = false;
    this.syncing = true;
    fs.fsync(this.fd, (err) => {
      this.syncing = false;
      if (err) this.onError(err);
    });
  }

  /**
   * Replaces the file with `base` (the dataset as commands) plus whatever was appended meanwhile.
   * `base` is produced synchronously by the caller before this is called.
   */
  async rewrite(base: Buffer[]): Promise<void> {
    const tmp = `${this.file}.rewrite.tmp`;
    this.rewriteBuf = [];
    this.rewriteSelected = -1;
    try {
      const fh = await fsp.open(tmp, 'w', 0o600);
      try {
        for (const b of base) await fh.write(b);
        await fh.sync();
      } finally {
        await fh.close();
      }
      // Final step is synchronous so no command slips between the copy and the swap.
      this.flush();
      const tail = Buffer.from(this.rewriteBuf.join(''), 'latin1');
      const fd = fs.openSync(tmp, 'a', 0o600);
      try {
        if (tail.length) fs.writeSync(fd, tail);
        fs.fsyncSync(fd);
      } catch (err) {
        fs.closeSync(fd);
        throw err;
      }
      fs.renameSync(tmp, this.file);
      syncDir(path.dirname(this.file));
      fs.closeSync(this.fd);
      this.fd = fd;
      this.selected = this.rewriteSelected;
      this.size = fs.fstatSync(fd).size;
      this.baseSize = this.size;
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    } finally {
      this.rewriteBuf = null;
    }
  }

  get rewriting(): boolean {
    return this.rewriteBuf !== null;
  }

  /** Flushes, fsyncs and closes. */
  close(): void {
    clearInterval(this.timer);
    this.flush();
    try {
      fs.fsyncSync(this.fd);
    } catch {
      // already reported by flush
    }
    fs.closeSync(this.fd);
  }
}

/** fsyncs a directory so a rename in it is durable. */
export function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // some filesystems do not support fsync on directories
  }
}
