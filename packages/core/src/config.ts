import fs from 'node:fs/promises';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { ConfigError, isErrnoException } from './errors.js';

/** Reads and parses a TOML file; problems become a ConfigError naming the file (and line). */
export async function loadToml(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const why = isErrnoException(err, 'ENOENT') ? 'file not found' : (err as Error).message;
    throw new ConfigError(`cannot read config ${file}: ${why}`, [], { cause: err });
  }
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (err) {
    const where = err instanceof TomlError ? ` (line ${err.line}, column ${err.column})` : '';
    const first = ((err as Error).message.split('\n')[0] ?? '').trim();
    throw new ConfigError(`invalid TOML in ${file}${where}: ${first}`, [], { cause: err });
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Formats zod issues as `path: message` lines. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => {
    const path = i.path.map(String).join('.');
    let message = i.message;
    if (i.code === 'unrecognized_keys') message = `unknown key(s) ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    return `${path || '(root)'}: ${message}`;
  });
}

/** Validates `input` against `schema`: a frozen config, or a ConfigError listing every problem. */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, source = 'config'): z.output<S> {
  const r = schema.safeParse(input ?? {});
  if (!r.success) throw new ConfigError(`invalid ${source}`, formatIssues(r.error));
  return deepFreeze(r.data);
}

/** Deep-merges plain objects (later wins; arrays and scalars replace). */
export function mergeConfig(...layers: (Record<string, unknown> | undefined)[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      const prev = out[k];
      out[k] =
        v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
          ? mergeConfig(prev as Record<string, unknown>, v as Record<string, unknown>)
          : v;
    }
  }
  return out;
}
