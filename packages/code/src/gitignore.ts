import fs from 'node:fs/promises';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';

/**
 * `.gitignore` rules of a tree: every `.gitignore` applies to its directory's subtree, a
 * deeper file wins over a shallower one (as in git). `.git` itself is always ignored.
 */
export class GitIgnore {
  private readonly cache = new Map<string, Promise<Ignore | null>>();

  constructor(private readonly rootReal: string) {}

  private rules(dirRel: string): Promise<Ignore | null> {
    let p = this.cache.get(dirRel);
    if (!p) {
      p = fs
        .readFile(path.join(this.rootReal, dirRel, '.gitignore'), 'utf8')
        .then((text) => ignore().add(text))
        .catch(() => null);
      this.cache.set(dirRel, p);
    }
    return p;
  }

  /** True when `rel` (relative to the root) is ignored; `isDir` adds the trailing slash rules need. */
  async ignored(rel: string, isDir: boolean): Promise<boolean> {
    const segs = rel.split('/');
    if (segs.includes('.git')) return true;
    let state = false;
    for (let i = 0; i < segs.length; i++) {
      const rules = await this.rules(segs.slice(0, i).join('/'));
      if (!rules) continue;
      const sub = segs.slice(i).join('/') + (isDir ? '/' : '');
      const r = rules.test(sub);
      if (r.ignored) state = true;
      else if (r.unignored) state = false;
    }
    return state;
  }
}
