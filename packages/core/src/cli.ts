/**
 * Helpers for Hero's command-line programs (the apps and the bundle). Libraries never import
 * this: it owns the process — env, signals, exit codes, the root logger.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';
import type { z } from 'zod';
import { ConfigError, HeroError } from './errors.js';
import { loadToml, mergeConfig, parseConfig } from './config.js';
import { resolveSocketDir, socketPath } from './paths.js';
import { RpcClient } from './rpc-client.js';
import type { RunContext } from './run-context.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Exit code for usage and configuration errors. */
export const EXIT_USAGE = 2;

/** The root logger: JSON to stdout, pretty when stdout is a terminal. */
export async function createRootLogger(level: string = 'info', pretty = Boolean(process.stdout.isTTY)): Promise<Logger> {
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`invalid log level "${level}" (expected one of ${LOG_LEVELS.join(', ')})`);
  }
  if (pretty) {
    const { default: prettyStream } = await import('pino-pretty');
    return pino({ level: level as LevelWithSilent }, prettyStream({ sync: true, colorize: true }));
  }
  return pino({ level: level as LevelWithSilent });
}

/** Socket dir for client commands: `--socket-dir`, else `HERO_SOCKET_DIR`, else the default. */
export function cliSocketDir(explicit?: string): string {
  return resolveSocketDir(explicit, process.env);
}

/** An RPC client for `<socketDir>/<service>/rpc.sock`. */
export function cliClient(service: string, socketDir?: string, timeoutMs?: number): RpcClient {
  return new RpcClient(socketPath(cliSocketDir(socketDir), service, 'rpc'), { timeoutMs });
}

/** Loads a service config: env defaults < TOML file < flags, validated. */
export async function loadServiceConfig<S extends z.ZodType>(
  schema: S,
  opts: { file?: string; flags?: Record<string, unknown>; defaults?: Record<string, unknown> },
): Promise<z.output<S>> {
  const file = opts.file ? await loadToml(opts.file) : undefined;
  const merged = mergeConfig(opts.defaults, file, opts.flags);
  return parseConfig(schema, merged, opts.file ? `config ${opts.file}` : 'config');
}

export interface ServeOptions<C> {
  service: string;
  config: C;
  logLevel?: string;
  run: (config: C, signal: AbortSignal, ctx: RunContext) => Promise<void>;
  /** Called once the service is ready (for a banner). */
  onReady?: RunContext['onReady'];
}

/**
 * Runs a service in the foreground: root logger, SIGINT/SIGTERM → graceful stop, a second
 * signal forces exit. Resolves when `run` resolves.
 */
export async function serveForeground<C>(opts: ServeOptions<C>): Promise<void> {
  const root = await createRootLogger(opts.logLevel ?? 'info');
  const logger = root.child({ service: opts.service });
  const ac = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      logger.info({ signal: sig }, 'stopping');
      ac.abort();
    } else {
      logger.warn({ signal: sig }, 'forced exit');
      process.exit(1);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await opts.run(opts.config, ac.signal, {
      logger,
      env: process.env,
      onReady: (info) => {
        logger.info({ sockets: info.sockets, tcp: info.tcp }, 'ready');
        opts.onReady?.(info);
      },
    });
    logger.info('stopped');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Prints an error as one line and sets the exit code (2 for usage/config, 1 otherwise). */
export function reportError(err: unknown): void {
  const usage = err instanceof ConfigError || (err as { exitCode?: number }).exitCode === EXIT_USAGE;
  const msg = err instanceof HeroError || err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: ${msg.split('\n').join(' ').replace(/\s+/g, ' ')}\n`);
  process.exitCode = usage ? EXIT_USAGE : 1;
}

/** Renders rows as an aligned text table. */
export function formatTable(rows: Record<string, unknown>[], columns?: string[]): string {
  if (rows.length === 0) return '(none)';
  const cols = columns ?? Object.keys(rows[0]!);
  const cell = (v: unknown) => (v === undefined || v === null ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(cols.map((c) => c.toUpperCase())), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n');
}

/** Prints `data` as JSON (`--json`) or through `human`. */
export function printResult(data: unknown, json: boolean, human?: (d: never) => string): void {
  if (json || !human) process.stdout.write(JSON.stringify(data, null, 2) + '\n');
  else process.stdout.write(human(data as never) + '\n');
}

/**
 * Runs a commander program and maps its end to an exit code: 0 for help/version, 2 for usage
 * errors (commander's own) and configuration errors, 1 for runtime failures. `mapError` may
 * turn an error into another before it is reported.
 */
export async function runProgram(
  program: { parseAsync(argv: readonly string[]): Promise<unknown> },
  argv: readonly string[] = process.argv,
  mapError: (err: unknown) => unknown = (e) => e,
): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const c = err as { code?: unknown; exitCode?: unknown };
    if (typeof c.code === 'string' && c.code.startsWith('commander.')) {
      process.exitCode = c.code === 'commander.helpDisplayed' || c.code === 'commander.version' || c.exitCode === 0 ? 0 : EXIT_USAGE;
    } else {
      reportError(mapError(err));
    }
  }
}

/** Defaults a CLI takes from the environment: `socket_dir` from `HERO_SOCKET_DIR`. */
export function envDefaults(env: Record<string, string | undefined> = process.env): Record<string, unknown> {
  return env.HERO_SOCKET_DIR ? { socket_dir: env.HERO_SOCKET_DIR } : {};
}
