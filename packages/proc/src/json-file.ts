import fs from 'node:fs/promises';
import { HeroError, isErrnoException } from '@hero/core';
import type { Logger } from './logger.js';

export interface ReadJsonOptions {
  /** Told when a corrupt file is set aside; without one the warning goes to `process.emitWarning`. */
  logger?: Logger | undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads a JSON file; `fallback` when it does not exist. A file that does not parse (a torn or
 * empty file after a power cut), or is not an object when `fallback` is one, is renamed to
 * `<file>.corrupt-<timestamp>` with a warning and `fallback` is returned: damaged state must not
 * keep the node from starting. Any other read error is fatal.
 */
export async function readJsonFile<T>(file: string, fallback: T, opts: ReadJsonOptions = {}): Promise<T> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (isErrnoException(err, 'ENOENT')) return fallback;
    throw new HeroError('HERO_UNAVAILABLE', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  let problem: string;
  try {
    const data: unknown = JSON.parse(text);
    if (!isPlainObject(fallback) || isPlainObject(data)) return data as T;
    problem = 'top level is not an object';
  } catch (err) {
    problem = (err as Error).message;
  }
  const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  try {
    await fs.rename(file, aside);
  } catch (err) {
    if (isErrnoException(err, 'ENOENT')) return fallback;
    // keeping the damaged file matters more than starting: the next write would replace it
    throw new HeroError('HERO_UNAVAILABLE', `corrupt file ${file} (${problem}) cannot be set aside: ${(err as Error).message}`, { cause: err });
  }
  if (opts.logger) opts.logger.warn({ file, aside, problem }, 'corrupt file set aside, starting from defaults');
  else process.emitWarning(`corrupt file ${file} (${problem}) set aside as ${aside}, starting from defaults`, { code: 'HERO_CORRUPT_FILE' });
  return fallback;
}

let counter = 0;

/** Writes JSON through a temp file + rename so a crash never leaves a torn file. */
export async function writeJsonAtomic(file: string, data: unknown, mode = 0o600, sync = true): Promise<void> {
  const tmp = `${file}.${process.pid}.${++counter}.tmp`;
  const fh = await fs.open(tmp, 'w', mode);
  try {
    await fh.writeFile(JSON.stringify(data, null, 1));
    if (sync) await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.chmod(tmp, mode);
  await fs.rename(tmp, file);
}

/**
 * Coalesces writes of a file: `schedule()` writes the latest snapshot soon, at most one write
 * in flight; `flush()` writes now and waits.
 */
export class DebouncedWriter {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private dirty = false;
  private closed = false;
  /** Last write error, if the last write failed. */
  error: Error | undefined;

  constructor(
    private readonly file: string,
    private readonly snapshot: () => unknown,
    private readonly delayMs = 50,
    private readonly mode = 0o600,
    /** fsync each write (state files that must survive a power cut); off for frequently written ones. */
    private readonly sync = true,
  ) {}

  schedule(): void {
    if (this.closed) return;
    this.dirty = true;
    if (this.timer || this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.write();
    }, this.delayMs);
  }

  private async write(): Promise<void> {
    // one write at a time: a second one (flush() while the timer's write runs) could rename an
    // older snapshot over a newer one
    while (this.running) await this.running;
    while (this.dirty) {
      this.dirty = false;
      this.running = writeJsonAtomic(this.file, this.snapshot(), this.mode, this.sync).then(
        () => {
          this.error = undefined;
        },
        (err: Error) => {
          this.error = err;
        },
      );
      await this.running;
      this.running = undefined;
    }
  }

  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    // a write in flight may go on to a newer snapshot when it ends: done only once nothing is
    // in flight and nothing is left to write
    while (this.running || this.dirty) {
      if (this.running) await this.running;
      else await this.write();
    }
  }

  /** Writes what is pending, then takes no more writes: nothing touches the file after this. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }
}
