/**
 * A child's environment with its `env_from_secrets` resolved, and the masking of those values
 * in the output the child produces. Services and jobs both go through here so they mask alike.
 */
import { ConfigError } from '@hero/core';
import type { SecretStore } from './secrets.js';
import { secretRefs } from './spec.js';

/** Shorter values are not masked: hiding every "1" or "on" would garble output and protect nothing. */
export const MASK_MIN = 4;

export interface SecretEnv {
  env: Record<string, string>;
  /** What to replace by `***` in the child's output (see `maskLine`). */
  masks: string[];
}

/** `base`, then `env`, then the secrets named by `refs`; a missing secret is a ConfigError naming it. */
export function secretEnv(
  secrets: SecretStore,
  base: Record<string, string>,
  env: Record<string, string> | undefined,
  refs: Record<string, string> | string[] | undefined,
  defaultContext: string,
): SecretEnv {
  const out: Record<string, string> = { ...base, ...env };
  const values: string[] = [];
  for (const ref of secretRefs(refs, defaultContext)) {
    const v = secrets.tryGet(ref.context, ref.key);
    if (v === undefined) throw new ConfigError(`env_from_secrets.${ref.env}: secret "${ref.key}" not found in context "${ref.context}"`);
    // defineProperty: an env var named __proto__ is a property like any other, not the prototype
    Object.defineProperty(out, ref.env, { value: v, enumerable: true, writable: true, configurable: true });
    values.push(v);
  }
  return { env: out, masks: maskList(values) };
}

/**
 * The strings to hide for these secret values: each value and, since output is captured line by
 * line, each line of a multi-line one; longest first so no part of a longer value survives the
 * masking of a shorter one it contains.
 */
export function maskList(values: Iterable<string>): string[] {
  const masks = new Set<string>();
  for (const v of values) {
    for (const part of [v, ...v.split(/\r?\n/)]) if (part.length >= MASK_MIN) masks.add(part);
  }
  return [...masks].sort((a, b) => b.length - a.length);
}

/** `line` with every occurrence of each mask replaced by `***`. */
export function maskLine(line: string, masks: readonly string[]): string {
  for (const m of masks) if (line.includes(m)) line = line.split(m).join('***');
  return line;
}
