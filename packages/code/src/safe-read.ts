import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { HeroError, isErrnoException } from '@hero/core';

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

/** What a writer learns about its target before replacing it. */
export interface ExistingFile {
  mode: number;
  size: number;
  /** Hex SHA-256 of the content, when asked for. */
  sha256?: string;
}

/**
 * Looks at a regular file about to be replaced: undefined only when it does not exist (ENOENT);
 * any other failure is thrown. With `hash`, the content is hashed in chunks (never held whole),
 * refusing files over `maxBytes` with HERO_TOO_LARGE.
 */
export async function inspectRegularFile(
  real: string,
  label: string,
  opts: { hash: boolean; maxBytes: number },
): Promise<ExistingFile | undefined> {
  let fh;
  try {
    fh = await fsp.open(real, FLAGS);
  } catch (err) {
    if (isErrnoException(err, 'ENOENT')) return undefined;
    if (isErrnoException(err, 'ELOOP')) throw new NotRegularFileError(label);
    throw err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new NotRegularFileError(label);
    const found: ExistingFile = { mode: st.mode & 0o777, size: st.size };
    if (!opts.hash) return found;
    const tooLarge = (size: number) =>
      new HeroError('HERO_TOO_LARGE', `${label} is ${size} bytes; if_match can only be checked on files of at most ${opts.maxBytes}`, {
        data: { size, max_bytes: opts.maxBytes },
      });
    if (st.size > opts.maxBytes) throw tooLarge(st.size);
    const hash = createHash('sha256');
    const chunk = Buffer.allocUnsafe(64 * 1024);
    let total = 0;
    for (;;) {
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      // The file may grow after the fstat; keep the cap honest.
      if (total > opts.maxBytes) throw tooLarge(total);
      hash.update(chunk.subarray(0, bytesRead));
    }
    return { ...found, size: total, sha256: hash.digest('hex') };
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
