import { NotFoundError } from '@hero/core';
import { DebouncedWriter, readJsonFile, writeJsonAtomic } from './json-file.js';
import type { Logger } from './logger.js';

/** The file as written: `{version: 1, contexts: {<context>: {<key>: <value>}}}`. */
type SecretFile = { version: 1; contexts: Record<string, Record<string, string>> };

/**
 * Per-context key/value secrets in one `0600` JSON file. Values leave this class only through
 * `get` (an explicit RPC call) and `tryGet` (a child's environment) — never into logs.
 * Held in Maps, not plain objects, so keys like `__proto__` or `constructor` are ordinary keys.
 */
export class SecretStore {
  private contexts = new Map<string, Map<string, string>>();
  private readonly writer: DebouncedWriter;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly logger?: Logger,
  ) {
    this.writer = new DebouncedWriter(file, () => this.snapshot(), 0);
  }

  /**
   * Writes the store once the write before it is done, from the state at that moment: writes
   * asked for together never land out of order (an older state renamed over a newer one).
   */
  private save(): Promise<void> {
    const next = this.saving.then(() => writeJsonAtomic(this.file, this.snapshot()));
    this.saving = next.catch(() => {});
    return next;
  }

  async load(): Promise<void> {
    const d = await readJsonFile<Partial<SecretFile> | null>(this.file, null, { logger: this.logger });
    const contexts = new Map<string, Map<string, string>>();
    // JSON.parse makes every key (even "__proto__") an own property, so entries() sees them all
    for (const [c, kv] of isObject(d?.contexts) ? Object.entries(d.contexts) : []) {
      if (!isObject(kv)) continue;
      const m = new Map<string, string>();
      for (const [k, v] of Object.entries(kv)) if (typeof v === 'string') m.set(k, v);
      if (m.size) contexts.set(c, m);
    }
    this.contexts = contexts;
  }

  /** The file content; fromEntries defines "__proto__" as a data property, which stringify keeps. */
  private snapshot(): SecretFile {
    return {
      version: 1,
      contexts: Object.fromEntries([...this.contexts].map(([c, kv]) => [c, Object.fromEntries(kv)])),
    };
  }

  async set(context: string, key: string, value: string): Promise<void> {
    let kv = this.contexts.get(context);
    if (!kv) this.contexts.set(context, (kv = new Map()));
    kv.set(key, value);
    await this.save();
  }

  get(context: string, key: string): string {
    const v = this.tryGet(context, key);
    if (v === undefined) throw new NotFoundError(`secret "${key}" not found in context "${context}"`);
    return v;
  }

  tryGet(context: string, key: string): string | undefined {
    return this.contexts.get(context)?.get(key);
  }

  list(context?: string): { context: string; key: string }[] {
    const out: { context: string; key: string }[] = [];
    for (const [c, kv] of this.contexts) {
      if (context !== undefined && c !== context) continue;
      for (const k of [...kv.keys()].sort()) out.push({ context: c, key: k });
    }
    return out.sort((a, b) => (a.context === b.context ? 0 : a.context < b.context ? -1 : 1));
  }

  async delete(context: string, key: string): Promise<boolean> {
    const kv = this.contexts.get(context);
    if (!kv?.delete(key)) return false;
    if (kv.size === 0) this.contexts.delete(context);
    await this.save();
    return true;
  }

  /** Every secret value, for masking output that might echo one. */
  values(): string[] {
    return [...this.contexts.values()].flatMap((kv) => [...kv.values()]);
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
