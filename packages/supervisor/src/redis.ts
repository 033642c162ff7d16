import { Redis, type RedisOptions } from 'ioredis';
import { ConfigError, HeroError, UnavailableError } from '@hero/core';

/** Where a Redis lives: a TCP URL or a Unix socket path. */
export type RedisTarget = { url: string } | { path: string; db?: number; password?: string };

/** Parses `redis://…`, `rediss://…`, `unix:///path[?db=N]` or an absolute socket path. */
export function parseRedisTarget(value: string): RedisTarget {
  if (value.startsWith('/')) return { path: value };
  if (value.startsWith('unix://')) {
    const u = new URL(value);
    const db = u.searchParams.get('db');
    return {
      path: decodeURIComponent(u.pathname),
      ...(db ? { db: Number(db) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    };
  }
  if (/^rediss?:\/\//.test(value)) return { url: value };
  throw new ConfigError(`invalid redis_url "${describeTarget(value)}" (expected redis://, rediss://, unix:// or an absolute socket path)`);
}

/** `unix://[:password@localhost]/path[?db=N]` for a socket target, as parseRedisTarget reads it. */
export function unixRedisUrl(target: { path: string; db?: number; password?: string }): string {
  const auth = target.password ? `:${encodeURIComponent(target.password)}@localhost` : '';
  return `unix://${auth}${target.path}${target.db ? `?db=${target.db}` : ''}`;
}

/** The target without its password, for logs and info. */
export function describeTarget(value: string): string {
  return value.replace(/\/\/([^@/]*)@/, '//***@');
}

export interface ConnectOptions {
  /** Blocking connections get no command timeout and no auto-pipelining. */
  blocking?: boolean;
  /**
   * Sequential use (a runner's own loop): auto-pipelining only adds a tick of latency there,
   * and a per-command timer costs more than it saves.
   */
  sequential?: boolean;
  name?: string;
}

/** Opens an ioredis connection that fails fast while Redis is down and reconnects forever. */
export function openRedis(target: RedisTarget, opts: ConnectOptions = {}): Redis {
  const base: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    enableAutoPipelining: !opts.blocking && !opts.sequential,
    connectTimeout: 5000,
    commandTimeout: opts.blocking || opts.sequential ? undefined : 10_000,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    connectionName: opts.name,
  };
  const redis = 'url' in target ? new Redis(target.url, base) : new Redis({ ...base, path: target.path, db: target.db, password: target.password });
  // errors surface through the commands; an unhandled 'error' event would crash the process
  redis.on('error', () => {});
  return redis;
}

/** Connects (bounded by `timeoutMs`) or throws UnavailableError. */
export async function connectRedis(redis: Redis, where: string, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    redis.disconnect();
    throw new UnavailableError(`cannot reach redis at ${describeTarget(where)}: ${(err as Error).message}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

/** Turns a Redis failure into a HeroError: connection problems become UnavailableError. */
export function redisError(err: unknown): HeroError {
  if (err instanceof HeroError) return err;
  const msg = (err as Error)?.message ?? String(err);
  if (/Stream isn't writeable|Connection is closed|ECONNREFUSED|ENOENT|ECONNRESET|EPIPE|Command timed out|max retries|Reached the max retries|enableOfflineQueue/i.test(msg)) {
    return new UnavailableError(`redis unavailable: ${msg}`, { cause: err });
  }
  return new HeroError('HERO_INTERNAL', `redis error: ${msg}`, { rpcCode: -32603, cause: err });
}

/** Runs `fn`, mapping Redis failures to HeroErrors. */
export async function withRedis<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw redisError(err);
  }
}
