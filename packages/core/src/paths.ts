import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { HeroError, isErrnoException } from './errors.js';

/** Default socket directory, before `~` expansion. */
export const DEFAULT_SOCKET_DIR = '~/hero/var/sockets';

/** Expands a leading `~` or `~/` to the home directory. */
export function expandHome(p: string, home: string = os.homedir()): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return path.join(home, p.slice(2));
  return p;
}

/** The socket dir: an explicit value, else `HERO_SOCKET_DIR` from `env`, else `~/hero/var/sockets`. */
export function resolveSocketDir(
  explicit?: string,
  env: Record<string, string | undefined> = {},
  home: string = os.homedir(),
): string {
  const chosen = explicit || env.HERO_SOCKET_DIR || DEFAULT_SOCKET_DIR;
  return path.resolve(expandHome(chosen, home));
}

/** `~/hero/var/<service>`: where a service keeps its data by default. */
export function defaultDataDir(service: string, home: string = os.homedir()): string {
  return path.join(home, 'hero', 'var', service);
}

/** `~/hero/cfg`: where configuration files live by default. */
export function defaultConfigDir(home: string = os.homedir()): string {
  return path.join(home, 'hero', 'cfg');
}

/** `<socketDir>/<service>/<name>.sock`. */
export function socketPath(socketDir: string, service: string, name: string): string {
  return path.join(socketDir, service, `${name}.sock`);
}

/** Creates `dir` (and parents) and sets its mode (default 0700). */
export async function ensureDir(dir: string, mode = 0o700): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true, mode });
    await fs.chmod(dir, mode);
  } catch (err) {
    throw new HeroError('HERO_UNAVAILABLE', `cannot create directory ${dir}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** True when something accepts connections on the Unix socket at `file`. */
export function isSocketLive(file: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(file);
    const done = (live: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(live);
    };
    const timer = setTimeout(() => done(true), timeoutMs);
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/**
 * Gets a socket path ready to listen on: parent dir created 0700, a stale socket file removed,
 * a live one refused with HERO_SOCKET_IN_USE ("<service> is already running at …").
 */
export async function prepareSocket(file: string, service: string, dirMode = 0o700): Promise<void> {
  await ensureDir(path.dirname(file), dirMode);
  let stat;
  try {
    stat = await fs.lstat(file);
  } catch (err) {
    if (isErrnoException(err, 'ENOENT')) return;
    throw err;
  }
  if (!stat.isSocket()) {
    throw new HeroError('HERO_CONFLICT', `${file} exists and is not a socket; refusing to replace it`);
  }
  if (await isSocketLive(file)) {
    throw new HeroError('HERO_SOCKET_IN_USE', `${service} is already running at ${file}`);
  }
  await fs.rm(file, { force: true });
}

/** Removes a socket file, ignoring one that is already gone. */
export async function removeSocket(file: string): Promise<void> {
  await fs.rm(file, { force: true });
}
