import fs from 'node:fs/promises';
import path from 'node:path';
import { ConflictError, HeroError, KeyedQueue } from '@hero/core';
import { atomicWrite } from './atomic-write.js';
import { isBinary, sha256 } from './content.js';
import { inspectRegularFile, readRegularFile } from './safe-read.js';
import { GitIgnore } from './gitignore.js';
import { CodeRoot, PathRefusedError, joinRel } from './path-guard.js';
import type { FileContent, FileWritten, Repo, TreeEntry, TreeResult } from './types.js';
import { walk } from './walk.js';

export interface WorkspaceLimits {
  repoDepth: number;
  readMaxBytes: number;
}

async function readHead(gitDir: string): Promise<{ branch: string | null; head: string | null }> {
  try {
    const text = (await fs.readFile(path.join(gitDir, 'HEAD'), 'utf8')).trim();
    const m = /^ref:\s*refs\/heads\/(.+)$/.exec(text);
    if (m) return { branch: m[1]!, head: null };
    return { branch: null, head: /^[0-9a-f]{7,64}$/.test(text) ? text : null };
  } catch {
    return { branch: null, head: null };
  }
}

/** The files of the code root: repositories, trees, reads and atomic writes. */
export class Workspace {
  /** Writes per real path, one at a time (check + replace must not interleave). */
  private readonly writes = new KeyedQueue();

  constructor(
    readonly root: CodeRoot,
    private readonly limits: WorkspaceLimits,
  ) {}

  /** Fresh .gitignore rules (cheap; files are re-read per call so edits apply at once). */
  gitignore(): GitIgnore {
    return new GitIgnore(this.root.real);
  }

  /** Git repositories below the root (a directory holding `.git`), not descending into one. */
  async repos(): Promise<Repo[]> {
    const out: Repo[] = [];
    const visit = async (rel: string, depth: number): Promise<void> => {
      const abs = path.join(this.root.real, rel);
      let dirents;
      try {
        dirents = await fs.readdir(abs, { withFileTypes: true });
      } catch {
        return;
      }
      const git = dirents.find((d) => d.name === '.git');
      if (git) {
        const info = git.isDirectory() ? await readHead(path.join(abs, '.git')) : { branch: null, head: null };
        out.push({ name: rel === '' ? path.basename(this.root.real) : path.basename(rel), path: rel, ...info });
        return;
      }
      if (depth >= this.limits.repoDepth) return;
      const dirs = dirents.filter((d) => d.isDirectory() && !d.name.startsWith('.') && d.name !== 'node_modules');
      dirs.sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const d of dirs) await visit(rel ? `${rel}/${d.name}` : d.name, depth + 1);
    };
    await visit('', 0);
    return out;
  }

  /** Entries below a directory, `depth` levels deep, honouring .gitignore unless asked not to. */
  async tree(p: { repo?: string; path?: string; depth: number; include_ignored: boolean; max_entries: number }): Promise<TreeResult> {
    const { rel, real } = await this.root.resolveExisting(joinRel(p.repo, p.path));
    const st = await fs.stat(real);
    if (!st.isDirectory()) throw new PathRefusedError(rel, 'is not a directory');
    const startRel = this.root.relOf(real);
    const entries: TreeEntry[] = [];
    let truncated = false;
    for await (const e of walk(this.root.real, startRel, {
      maxDepth: p.depth,
      gitignore: this.gitignore(),
      includeIgnored: p.include_ignored,
    })) {
      if (entries.length >= p.max_entries) {
        truncated = true;
        break;
      }
      // Report paths as the client named the directory (it may be a symlink inside the root).
      const suffix = startRel ? e.rel.slice(startRel.length + 1) : e.rel;
      const clientRel = rel ? `${rel}/${suffix}` : suffix;
      let size: number | null = null;
      if (e.type === 'file') size = await fs.stat(path.join(this.root.real, e.rel)).then((s) => s.size, () => null);
      entries.push({ path: clientRel, name: e.name, type: e.type, depth: e.depth, size });
    }
    return { path: rel, entries, truncated };
  }

  /** Reads a file: UTF-8 text, or base64 when it looks binary. */
  async read(p: string): Promise<FileContent> {
    const { rel, real } = await this.root.resolveExisting(p);
    const { buf, mtimeMs } = await readRegularFile(real, rel, this.limits.readMaxBytes);
    const binary = isBinary(buf);
    return {
      path: rel,
      content: binary ? buf.toString('base64') : buf.toString('utf8'),
      encoding: binary ? 'base64' : 'utf8',
      size: buf.length,
      mtime_ms: Math.floor(mtimeMs),
      sha256: sha256(buf),
    };
  }

  /** Writes a file atomically (temp file + rename) without ever following a symlink out of the root. */
  async write(p: {
    path: string;
    content: string;
    encoding: 'utf8' | 'base64';
    if_match?: string | undefined;
    create_dirs: boolean;
  }): Promise<FileWritten> {
    const data = p.encoding === 'base64' ? Buffer.from(p.content, 'base64') : Buffer.from(p.content, 'utf8');
    if (data.length > this.limits.readMaxBytes) {
      throw new HeroError('HERO_TOO_LARGE', `content is ${data.length} bytes; file.write accepts at most ${this.limits.readMaxBytes}`);
    }
    const { rel, real } = await this.root.resolveForWrite(p.path, p.create_dirs);
    return this.writes.run(real, async () => {
      // A non-empty if_match needs the content's hash; otherwise existence and mode are enough.
      const existing = await inspectRegularFile(real, rel, { hash: !!p.if_match, maxBytes: this.limits.readMaxBytes }).catch((err: unknown) => {
        if (err instanceof HeroError) throw err;
        throw new HeroError('HERO_INTERNAL', `cannot check ${rel} before writing it: ${(err as Error).message}`, { cause: err });
      });
      if (p.if_match !== undefined && (p.if_match === '' ? existing !== undefined : existing?.sha256 !== p.if_match)) {
        const sha = existing?.sha256 ?? null;
        const what = !existing ? 'it no longer exists' : sha ? `sha256 ${sha.slice(0, 12)}` : 'it exists';
        throw new ConflictError(`${rel} changed since it was read (${what}); reload it and try again`, { data: { sha256: sha } });
      }
      await atomicWrite(real, data, existing?.mode ?? 0o644);
      const st = await fs.stat(real);
      return { path: rel, size: data.length, mtime_ms: Math.floor(st.mtimeMs), sha256: sha256(data), created: !existing };
    });
  }
}
