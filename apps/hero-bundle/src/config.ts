import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, expandHome, formatIssues, isErrnoException, loadToml, resolveSocketDir } from '@hero/core';
import { LOG_LEVELS } from '@hero/core/cli';
import type { ServiceDef } from './services.js';

export const DEFAULT_CONFIG_PATH = '~/hero/cfg/hero_bundle.toml';

/** The bundle's own keys; every other top-level key must be a service table. */
const bundleSchema = z.strictObject({
  socket_dir: z.string().min(1).default('~/hero/var/sockets').describe('Directory holding every service socket'),
  log_level: z.enum(LOG_LEVELS).default('info').describe('Root log level'),
  max_restarts: z.number().int().min(0).default(5).describe('Failures of one service within a minute before the bundle stops'),
});

export interface BundleConfig {
  socket_dir: string;
  log_level: (typeof LOG_LEVELS)[number];
  max_restarts: number;
  /** Validated config per service key. */
  services: Record<string, unknown>;
  /** The file read, or undefined when the default file is absent. */
  file: string | undefined;
}

/** Reads the config file: explicit path must exist; the default path may be absent. */
export async function readBundleToml(explicit: string | undefined, home = os.homedir()): Promise<{ file?: string; data: Record<string, unknown> }> {
  const file = path.resolve(expandHome(explicit ?? DEFAULT_CONFIG_PATH, home));
  if (!explicit) {
    try {
      await fs.access(file);
    } catch (err) {
      if (isErrnoException(err, 'ENOENT')) return { data: {} };
    }
  }
  return { file, data: await loadToml(file) };
}

/**
 * Validates the whole bundle config: the bundle keys, then each service table against that
 * service's own schema (unknown keys are errors naming them). `socket_dir` is set once, at the
 * top, and handed to every service; `HERO_SOCKET_DIR` overrides it. `defaults` sit under the
 * file's tables (values the program decides, such as how to start the built-in runner).
 */
export function parseBundleConfig(
  data: Record<string, unknown>,
  services: readonly ServiceDef[],
  env: Record<string, string | undefined>,
  file?: string,
  defaults: Record<string, Record<string, unknown>> = {},
): BundleConfig {
  const issues: string[] = [];
  const own: Record<string, unknown> = {};
  const tables: Record<string, unknown> = {};
  const keys = new Set(services.map((s) => s.key));
  for (const [k, v] of Object.entries(data)) {
    if (keys.has(k)) tables[k] = v;
    else own[k] = v;
  }
  const top = bundleSchema.safeParse(own);
  if (!top.success) issues.push(...formatIssues(top.error));
  // HERO_SOCKET_DIR wins over the file's socket_dir
  const socketDir = resolveSocketDir(env.HERO_SOCKET_DIR || (top.success ? top.data.socket_dir : undefined), env);
  const out: Record<string, unknown> = {};
  for (const svc of services) {
    const table = tables[svc.key] ?? {};
    if (typeof table !== 'object' || table === null || Array.isArray(table)) {
      issues.push(`${svc.key}: expected a table`);
      continue;
    }
    if ('socket_dir' in table) {
      issues.push(`${svc.key}.socket_dir: set socket_dir once at the top level (every service shares it)`);
      continue;
    }
    const r = svc.configSchema.safeParse({ ...defaults[svc.key], ...(table as Record<string, unknown>), socket_dir: socketDir });
    if (!r.success) issues.push(...formatIssues(r.error).map((i) => (i.startsWith('(root)') ? `${svc.key}${i.slice(6)}` : `${svc.key}.${i}`)));
    else out[svc.key] = r.data;
  }
  if (issues.length || !top.success) throw new ConfigError(`invalid config${file ? ` ${file}` : ''}`, issues);
  return { ...top.data, socket_dir: socketDir, services: out, file };
}
