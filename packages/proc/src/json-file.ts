import fs from 'node:fs/promises';
import { HeroError, isErrnoException } from '@hero/core';

/** Reads a JSON file; `fallback` when it does not exist. A corrupt file is an error naming it. */
export async function readJsonFile<T>(file: string, fallback: T): Promise<T> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (isErrnoException(err, 'ENOENT')) return fallback;
    throw new HeroError('HERO_UNAVAILABLE', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new HeroError('HERO_CONFIG', `corrupt file ${file}: ${(err as Error).message}`, { cause: err });
  }
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
    this.dirty = true;
    if (this.timer || this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.write();
    }, this.delayMs);
  }

  private async write(): Promise<void> {
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
    if (this.running) await this.running;
    if (this.dirty) await this.write();
  }
}
