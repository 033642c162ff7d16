import fs from 'node:fs/promises';
import path from 'node:path';
import { HeroError, NotFoundError, isErrnoException } from '@hero/core';

/** A client path that would leave the code root (or is malformed) was refused. */
export class PathRefusedError extends HeroError {
  constructor(p: string, why: string) {
    super('HERO_PATH_REFUSED', `path ${JSON.stringify(p)} refused: ${why}`, { rpcCode: -32602, data: { path: p } });
    this.name = 'PathRefusedError';
  }
}

/**
 * Checks a client path's syntax and normalises it to `a/b/c` ('' is the root). Refuses NUL
 * bytes, absolute paths and any `..` segment — before touching the file system.
 */
export function cleanRelPath(p: string): string {
  if (p.includes('\0')) throw new PathRefusedError(p, 'contains a NUL byte');
  if (p.startsWith('/') || p.startsWith('\\') || /^[A-Za-z]:/.test(p) || path.isAbsolute(p)) {
    throw new PathRefusedError(p, 'absolute paths are not allowed; use a path relative to the code root');
  }
  // Backslashes count as separators too, so `a\..\b` cannot sneak a parent segment through.
  const segs = p.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
  if (segs.includes('..')) throw new PathRefusedError(p, "'..' segments are not allowed");
  return segs.join('/');
}

/** Joins client path parts (each checked) into one clean relative path. */
export function joinRel(...parts: (string | undefined)[]): string {
  return parts
    .filter((x): x is string => x !== undefined)
    .map(cleanRelPath)
    .filter((x) => x !== '')
    .join('/');
}

export interface Resolved {
  /** Clean path relative to the root, as the client named it. */
  rel: string;
  /** The real (symlink-free) absolute path, inside the root. */
  real: string;
}

/** The code root: resolves client paths to real paths that never leave it. */
export class CodeRoot {
  private constructor(readonly real: string) {}

  /** Opens (creating when missing) the root directory and pins its real path. */
  static async open(dir: string): Promise<CodeRoot> {
    try {
      await fs.mkdir(dir, { recursive: true, mode: 0o755 });
      const real = await fs.realpath(dir);
      if (!(await fs.stat(real)).isDirectory()) throw new Error('not a directory');
      return new CodeRoot(real);
    } catch (err) {
      throw new HeroError('HERO_CONFIG', `code root ${dir} is unusable: ${(err as Error).message}`, { cause: err });
    }
  }

  /** True when the absolute real path `p` is the root or below it. */
  contains(p: string): boolean {
    return p === this.real || p.startsWith(this.real + path.sep);
  }

  /** Relative path of a real path inside the root ('' for the root). */
  relOf(real: string): string {
    return path.relative(this.real, real).split(path.sep).join('/');
  }

  /** Resolves an existing file or directory; its real path (after every symlink) must be inside the root. */
  async resolveExisting(p: string): Promise<Resolved> {
    const rel = cleanRelPath(p);
    const abs = path.join(this.real, rel);
    let real: string;
    try {
      real = await fs.realpath(abs);
    } catch (err) {
      if (isErrnoException(err, 'ENOENT') || isErrnoException(err, 'ENOTDIR')) {
        if (await isDanglingLink(abs)) throw new PathRefusedError(p, 'is a symlink to nothing');
        throw new NotFoundError(`no such file or directory: ${rel || '.'}`);
      }
      if (isErrnoException(err, 'ELOOP')) throw new PathRefusedError(p, 'symlink loop');
      throw err;
    }
    if (!this.contains(real)) throw new PathRefusedError(p, 'resolves outside the code root');
    return { rel, real };
  }

  /**
   * Resolves the real path a write to `p` lands on. An existing target (or symlink) must resolve
   * inside the root; for a new file the deepest existing ancestor must, and missing directories
   * are created below that real ancestor only when `createDirs` is set.
   */
  async resolveForWrite(p: string, createDirs: boolean): Promise<Resolved> {
    const rel = cleanRelPath(p);
    if (rel === '') throw new PathRefusedError(p, 'names the code root itself');
    const abs = path.join(this.real, rel);
    try {
      const real = await fs.realpath(abs);
      if (!this.contains(real)) throw new PathRefusedError(p, 'resolves outside the code root');
      const st = await fs.stat(real);
      if (!st.isFile()) throw new PathRefusedError(p, 'is not a regular file');
      return { rel, real };
    } catch (err) {
      if (err instanceof HeroError) throw err;
      if (isErrnoException(err, 'ELOOP')) throw new PathRefusedError(p, 'symlink loop');
      if (!isErrnoException(err, 'ENOENT') && !isErrnoException(err, 'ENOTDIR')) throw err;
    }
    // The target does not exist. A dangling symlink there could point anywhere: refuse it.
    if (await isDanglingLink(abs)) throw new PathRefusedError(p, 'is a symlink to nothing');
    const segs = rel.split('/');
    const base = segs.pop()!;
    // Find the deepest existing ancestor and pin its real path.
    let i = segs.length;
    let ancestorReal: string | undefined;
    while (ancestorReal === undefined) {
      const candidate = path.join(this.real, ...segs.slice(0, i));
      try {
        ancestorReal = await fs.realpath(candidate);
      } catch (err) {
        if (!isErrnoException(err, 'ENOENT') && !isErrnoException(err, 'ENOTDIR')) throw err;
        if (await isDanglingLink(candidate)) throw new PathRefusedError(p, 'goes through a symlink to nothing');
        if (i === 0) throw new HeroError('HERO_UNAVAILABLE', 'code root disappeared');
        i--;
      }
    }
    if (!this.contains(ancestorReal)) throw new PathRefusedError(p, 'resolves outside the code root');
    const st = await fs.stat(ancestorReal);
    if (!st.isDirectory()) throw new PathRefusedError(p, `${segs.slice(0, i).join('/')} is not a directory`);
    const missing = segs.slice(i);
    if (missing.length > 0 && !createDirs) throw new NotFoundError(`no such directory: ${segs.join('/')}`);
    const parentReal = path.join(ancestorReal, ...missing);
    if (missing.length > 0) await fs.mkdir(parentReal, { recursive: true, mode: 0o755 });
    return { rel, real: path.join(parentReal, base) };
  }
}

async function isDanglingLink(abs: string): Promise<boolean> {
  try {
    return (await fs.lstat(abs)).isSymbolicLink();
  } catch {
    return false;
  }
}
