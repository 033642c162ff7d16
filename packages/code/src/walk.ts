import fs from 'node:fs';
import path from 'node:path';
import type { GitIgnore } from './gitignore.js';
import { TimeSlice } from './time-slice.js';

export type EntryType = 'file' | 'dir' | 'symlink' | 'other';

export interface WalkEntry {
  /** Path relative to the code root. */
  rel: string;
  name: string;
  type: EntryType;
  /** Depth below the walk's start (1 = direct child). */
  depth: number;
}

export interface WalkOptions {
  /** Deepest level visited (1 = direct children only). */
  maxDepth: number;
  /** Applied unless `includeIgnored`; `.git` is skipped either way. */
  gitignore: GitIgnore;
  includeIgnored?: boolean;
  signal?: AbortSignal;
}

function typeOf(d: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): EntryType {
  if (d.isSymbolicLink()) return 'symlink';
  if (d.isDirectory()) return 'dir';
  if (d.isFile()) return 'file';
  return 'other';
}

/**
 * Walks a directory depth-first in name order (directories first), yielding entries. Symlinks
 * are reported but never followed, so a walk cannot leave the root or loop.
 */
export async function* walk(rootReal: string, startRel: string, opts: WalkOptions): AsyncGenerator<WalkEntry> {
  const slice = new TimeSlice();
  async function* visit(dirRel: string, depth: number): AsyncGenerator<WalkEntry> {
    if (opts.signal?.aborted) return;
    await slice.tick();
    if (!opts.includeIgnored) opts.gitignore.prepare(dirRel);
    let dirents;
    try {
      dirents = fs.readdirSync(path.join(rootReal, dirRel), { withFileTypes: true });
    } catch {
      return; // vanished or unreadable directories are skipped, not fatal
    }
    const entries = dirents
      .map((d) => ({ name: d.name, type: typeOf(d) }))
      .filter((e) => e.name !== '.git')
      .sort((a, b) => (a.type === 'dir') === (b.type === 'dir') ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.type === 'dir' ? -1 : 1);
    for (const e of entries) {
      const rel = dirRel ? `${dirRel}/${e.name}` : e.name;
      if (!opts.includeIgnored && opts.gitignore.ignoredSync(rel, e.type === 'dir')) continue;
      yield { rel, name: e.name, type: e.type, depth };
      if (e.type === 'dir' && depth < opts.maxDepth) yield* visit(rel, depth + 1);
    }
  }
  yield* visit(startRel, 1);
}
