import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { HeroError } from '@hero/core';

// O_NOFOLLOW: a final component swapped for a symlink after the realpath check is refused.
// O_NONBLOCK: a FIFO swapped in cannot block the open (it then fails the isFile check).
const FLAGS = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

/** Thrown when the path is not (or no longer) a regular file. */
export class NotRegularFileError extends HeroError {
  constructor(what: string) {
    super('HERO_PATH_REFUSED', `${what} is not a regular file`, { rpcCode: -32602 });
    this.name = 'NotRegularFileError';
  }
}

/** Reads a regular file at an already-resolved real path; `over` decides what a too-big file means. */
export async function readRegularFile(real: string, label: string, maxBytes: number): Promise<{ buf: Buffer; mtimeMs: number }> {
  let fh;
  try {
    fh = await fsp.open(real, FLAGS);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new NotRegularFileError(label);
    throw err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new NotRegularFileError(label);
    if (st.size > maxBytes) {
      throw new HeroError('HERO_TOO_LARGE', `${label} is ${st.size} bytes; the limit is ${maxBytes}`, { data: { size: st.size, max_bytes: maxBytes } });
    }
    return { buf: await fh.readFile(), mtimeMs: st.mtimeMs };
  } finally {
    await fh.close();
  }
}

/** Synchronous variant for scans: undefined for anything that is not a readable regular file within the size cap. */
export function readRegularFileSync(real: string, maxBytes: number): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(real, FLAGS);
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.size > maxBytes) return undefined;
    const buf = Buffer.allocUnsafe(st.size);
    let got = 0;
    while (got < st.size) {
      const n = fs.readSync(fd, buf, got, st.size - got, got);
      if (n === 0) break;
      got += n;
    }
    return got === st.size ? buf : buf.subarray(0, got);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
