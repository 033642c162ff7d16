import fs from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';

/**
 * `.gitignore` rules of a tree: every `.gitignore` applies to its directory's subtree, a
 * deeper file wins over a shallower one (as in git). `.git` itself is always ignored.
 * Rules are loaded per directory (`prepare`), after which checks are synchronous.
 */
export class GitIgnore {
  private readonly loaded = new Map<string, Ignore | null>();

  constructor(private readonly rootReal: string) {}

  /** Loads the rules of `dirRel` and of every ancestor up to the root (small files, read synchronously). */
  prepare(dirRel: string): void {
    const segs = dirRel === '' ? [] : dirRel.split('/');
    for (let i = 0; i <= segs.length; i++) {
      const d = segs.slice(0, i).join('/');
      if (this.loaded.has(d)) continue;
      let rules: Ignore | null = null;
      try {
        rules = ignore().add(fs.readFileSync(path.join(this.rootReal, d, '.gitignore'), 'utf8'));
      } catch {
        rules = null;
      }
      this.loaded.set(d, rules);
    }
  }

  /** Synchronous check; the parent directory of `rel` must have been prepared. */
  ignoredSync(rel: string, isDir: boolean): boolean {
    const segs = rel.split('/');
    if (segs.includes('.git')) return true;
    let state = false;
    let dir = '';
    for (let i = 0; i < segs.length; i++) {
      if (i > 0) dir = dir ? `${dir}/${segs[i - 1]}` : segs[i - 1]!;
      const rules = this.loaded.get(dir);
      if (!rules) continue;
      const r = rules.test(segs.slice(i).join('/') + (isDir ? '/' : ''));
      if (r.ignored) state = true;
      else if (r.unignored) state = false;
    }
    return state;
  }

  /** True when `rel` (relative to the root) is ignored; `isDir` adds the trailing slash rules need. */
  ignored(rel: string, isDir: boolean): boolean {
    const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    this.prepare(parent);
    return this.ignoredSync(rel, isDir);
  }
}
