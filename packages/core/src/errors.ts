/** Stable error codes shared by every Hero package. */
export type HeroErrorCode =
  | 'HERO_INTERNAL'
  | 'HERO_CONFIG'
  | 'HERO_INVALID'
  | 'HERO_NOT_FOUND'
  | 'HERO_CONFLICT'
  | 'HERO_UNAVAILABLE'
  | 'HERO_AUTH'
  | 'HERO_TIMEOUT'
  | 'HERO_SOCKET_IN_USE'
  | 'HERO_TOO_LARGE'
  | 'HERO_RPC'
  | (string & {});

export interface HeroErrorOptions {
  /** JSON-RPC error code sent to clients; service errors live in -32000…-32099. */
  rpcCode?: number;
  /** Extra data for clients (merged into the JSON-RPC `data` next to `code`). */
  data?: Record<string, unknown>;
  cause?: unknown;
}

/** Base error of every Hero package: a message plus a stable `HERO_…` code. */
export class HeroError extends Error {
  readonly code: HeroErrorCode;
  readonly rpcCode: number;
  readonly data: Record<string, unknown> | undefined;

  constructor(code: HeroErrorCode, message: string, options: HeroErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HeroError';
    this.code = code;
    this.rpcCode = options.rpcCode ?? -32000;
    this.data = options.data;
  }
}

/** A configuration file, flag or value is invalid; `issues` lists `path: message` lines. */
export class ConfigError extends HeroError {
  readonly issues: string[];
  constructor(message: string, issues: string[] = [], options: HeroErrorOptions = {}) {
    super('HERO_CONFIG', issues.length ? `${message}\n${issues.map((i) => `  - ${i}`).join('\n')}` : message, {
      rpcCode: -32602,
      ...options,
      data: { issues, ...options.data },
    });
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** The thing asked for does not exist. */
export class NotFoundError extends HeroError {
  constructor(message: string, options: HeroErrorOptions = {}) {
    super('HERO_NOT_FOUND', message, { rpcCode: -32004, ...options });
    this.name = 'NotFoundError';
  }
}

/** The request conflicts with the current state (already exists, already running, …). */
export class ConflictError extends HeroError {
  constructor(message: string, options: HeroErrorOptions = {}) {
    super('HERO_CONFLICT', message, { rpcCode: -32009, ...options });
    this.name = 'ConflictError';
  }
}

/** A dependency (a socket, Redis, a child) is not reachable right now. */
export class UnavailableError extends HeroError {
  constructor(message: string, options: HeroErrorOptions = {}) {
    super('HERO_UNAVAILABLE', message, { rpcCode: -32003, ...options });
    this.name = 'UnavailableError';
  }
}

/** Missing or wrong credentials. */
export class AuthError extends HeroError {
  constructor(message: string, options: HeroErrorOptions = {}) {
    super('HERO_AUTH', message, { rpcCode: -32001, ...options });
    this.name = 'AuthError';
  }
}

/** Turns anything thrown into a HeroError (unknown errors become HERO_INTERNAL). */
export function toHeroError(err: unknown): HeroError {
  if (err instanceof HeroError) return err;
  if (err instanceof Error) {
    const e = new HeroError('HERO_INTERNAL', err.message, { rpcCode: -32603, cause: err });
    return e;
  }
  return new HeroError('HERO_INTERNAL', String(err), { rpcCode: -32603 });
}

/** Node system error guard (`ENOENT`, `EADDRINUSE`, …). */
export function isErrnoException(err: unknown, code?: string): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' &&
    (code === undefined || (err as NodeJS.ErrnoException).code === code);
}
