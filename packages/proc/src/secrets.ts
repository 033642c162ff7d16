import { NotFoundError } from '@hero/core';
import { DebouncedWriter, readJsonFile, writeJsonAtomic } from './json-file.js';

type SecretData = { version: 1; contexts: Record<string, Record<string, string>> };

/**
 * Per-context key/value secrets in one `0600` JSON file. Values leave this class only through
 * `get` (an explicit RPC call) and `resolve` (a child's environment) — never into logs.
 */
export class SecretStore {
  private data: SecretData = { version: 1, contexts: {} };
  private readonly writer: DebouncedWriter;

  constructor(private readonly file: string) {
    this.writer = new DebouncedWriter(file, () => this.data, 0);
  }

  async load(): Promise<void> {
    const d = await readJsonFile<SecretData>(this.file, { version: 1, contexts: {} });
    this.data = { version: 1, contexts: d && typeof d.contexts === 'object' ? d.contexts : {} };
  }

  async set(context: string, key: string, value: string): Promise<void> {
    (this.data.contexts[context] ??= {})[key] = value;
    await writeJsonAtomic(this.file, this.data);
  }

  get(context: string, key: string): string {
    const v = this.data.contexts[context]?.[key];
    if (v === undefined) throw new NotFoundError(`secret "${key}" not found in context "${context}"`);
    return v;
  }

  tryGet(context: string, key: string): string | undefined {
    return this.data.contexts[context]?.[key];
  }

  list(context?: string): { context: string; key: string }[] {
    const out: { context: string; key: string }[] = [];
    for (const [c, kv] of Object.entries(this.data.contexts)) {
      if (context !== undefined && c !== context) continue;
      for (const k of Object.keys(kv).sort()) out.push({ context: c, key: k });
    }
    return out.sort((a, b) => (a.context === b.context ? 0 : a.context < b.context ? -1 : 1));
  }

  async delete(context: string, key: string): Promise<boolean> {
    const ctx = this.data.contexts[context];
    if (!ctx || !(key in ctx)) return false;
    delete ctx[key];
    if (Object.keys(ctx).length === 0) delete this.data.contexts[context];
    await writeJsonAtomic(this.file, this.data);
    return true;
  }

  /** Every secret value, for masking output that might echo one. */
  values(): string[] {
    return Object.values(this.data.contexts).flatMap((kv) => Object.values(kv));
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }
}
