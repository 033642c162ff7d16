/**
 * Service definitions on disk: `<config_dir>/<name>.toml`, one service per file, the file
 * name being the service name.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, KeyedQueue, formatIssues, isErrnoException } from '@hero/core';
import { parse as parseToml, stringify as stringifyToml, TomlError } from 'smol-toml';
import { NAME_RE, serviceSpecSchema, type ServiceDef } from './spec.js';

export interface LoadedService {
  def: ServiceDef;
  /** The spec as written (no defaults filled in). */
  raw: Record<string, unknown>;
  file: string;
}

export function serviceFile(configDir: string, name: string): string {
  return path.join(configDir, `${name}.toml`);
}

/** Validates a spec; a ConfigError lists every bad field as `path: message`. */
export function validateService(raw: unknown, source: string): ServiceDef {
  const r = serviceSpecSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(`invalid service ${source}`, formatIssues(r.error));
  return r.data;
}

/** Reads and validates one service file. The name defaults to the file name and must match it. */
export async function readServiceFile(file: string): Promise<LoadedService> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const why = isErrnoException(err, 'ENOENT') ? 'file not found' : (err as Error).message;
    throw new ConfigError(`cannot read service file ${file}: ${why}`, [], { cause: err });
  }
  let raw: Record<string, unknown>;
  try {
    raw = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    const where = err instanceof TomlError ? ` (line ${err.line}, column ${err.column})` : '';
    const first = ((err as Error).message.split('\n')[0] ?? '').trim();
    throw new ConfigError(`invalid TOML in ${file}${where}: ${first}`, [], { cause: err });
  }
  const base = path.basename(file, '.toml');
  if (raw.name === undefined) raw = { name: base, ...raw };
  else if (raw.name !== base) {
    throw new ConfigError(`invalid service file ${file}`, [`name: "${String(raw.name)}" does not match the file name "${base}"`]);
  }
  return { def: validateService(raw, `file ${file}`), raw, file };
}

/** Lists `<name>.toml` files in the config dir (names that are valid service names only). */
export async function listServiceFiles(configDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(configDir);
  } catch (err) {
    if (isErrnoException(err, 'ENOENT')) return [];
    throw err;
  }
  return names
    .filter((n) => n.endsWith('.toml') && NAME_RE.test(n.slice(0, -5)))
    .sort()
    .map((n) => path.join(configDir, n));
}

/**
 * One service file's operations run one after another, in call order, off the main thread (a
 * hundred services set at once write in the thread pool while spawns go on here).
 */
const fileOps = new KeyedQueue();
let tmpSeq = 0;

/** Writes a spec to its file atomically (a temp file renamed over it). */
export function writeServiceFile(file: string, raw: Record<string, unknown>): Promise<void> {
  const text = `# managed by hero_proc (service.set); edits are picked up at the next start\n${stringifyToml(raw)}\n`;
  return fileOps.run(file, async () => {
    const tmp = `${file}.${process.pid}.${++tmpSeq}.tmp`;
    try {
      await fs.writeFile(tmp, text, { mode: 0o600 });
      await fs.rename(tmp, file);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  });
}

/** Removes a service file (after any write to it still under way); false when there was none. */
export function removeServiceFile(file: string): Promise<boolean> {
  return fileOps.run(file, async () => {
    try {
      await fs.rm(file);
      return true;
    } catch (err) {
      if (isErrnoException(err, 'ENOENT')) return false;
      throw err;
    }
  });
}
