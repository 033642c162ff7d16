import fs from 'node:fs';

/**
 * Watches the socket dir and each service dir (non-recursively) and calls `onChange` once per
 * burst of events, `debounceMs` after the last one.
 */
export class DirWatcher {
  private readonly watchers = new Map<string, fs.FSWatcher>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly root: string,
    private readonly debounceMs: number,
    private readonly onChange: () => void,
  ) {}

  /** Starts or stops watchers so that exactly the root and `dirs` are watched. */
  sync(dirs: string[]): void {
    if (this.closed) return;
    const want = new Set([this.root, ...dirs]);
    for (const [dir, w] of this.watchers) {
      if (!want.has(dir)) {
        w.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of want) {
      if (this.watchers.has(dir)) continue;
      try {
        const w = fs.watch(dir, { persistent: false }, () => this.kick());
        w.on('error', () => {
          w.close();
          if (this.watchers.get(dir) === w) this.watchers.delete(dir);
          this.kick();
        });
        this.watchers.set(dir, w);
      } catch {
        /* the dir vanished; the next scan sorts it out */
      }
    }
  }

  private kick(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.onChange();
    }, this.debounceMs);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}
