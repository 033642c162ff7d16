import fs from 'node:fs/promises';
import path from 'node:path';
import { HeroError, KeyedQueue, isErrnoException } from '@hero/core';
import { atomicWrite } from './atomic-write.js';

/**
 * JSON documents in one directory, each written atomically (0600). Writes to one file are
 * serialised; `flush()` waits for every pending write (used on shutdown).
 */
export class JsonStore {
  /** Writes per key, one at a time. */
  private readonly writes = new KeyedQueue();

  constructor(readonly dir: string) {}

  private file(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }

  /** Reads a document, or undefined when it does not exist. A corrupt file is an error naming it. */
  async get<T>(key: string): Promise<T | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.file(key), 'utf8');
    } catch (err) {
      if (isErrnoException(err, 'ENOENT')) return undefined;
      throw err;
    }
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new HeroError('HERO_INTERNAL', `corrupt data file ${this.file(key)}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Queues an atomic write of `value`; resolves once it is on disk. */
  put(key: string, value: unknown): Promise<void> {
    const data = JSON.stringify(value, null, 2) + '\n';
    return this.writes.run(key, () => atomicWrite(this.file(key), data, 0o600));
  }

  /** Removes a document (after its pending writes). */
  async delete(key: string): Promise<boolean> {
    await this.writes.after(key);
    try {
      await fs.unlink(this.file(key));
      return true;
    } catch (err) {
      if (isErrnoException(err, 'ENOENT')) return false;
      throw err;
    }
  }

  /** Keys of every stored document. */
  async keys(): Promise<string[]> {
    try {
      return (await fs.readdir(this.dir))
        .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
        .map((f) => f.slice(0, -5))
        .sort();
    } catch (err) {
      if (isErrnoException(err, 'ENOENT')) return [];
      throw err;
    }
  }

  /** Waits for every pending write. */
  async flush(): Promise<void> {
    await this.writes.idle();
  }
}
