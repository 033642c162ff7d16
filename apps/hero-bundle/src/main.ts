/**
 * hero_bundle: every Hero service in one process.
 * Usage: hero_bundle [--config <path>] [--info] [--help]
 */
import path from 'node:path';
import { isSea } from 'node:sea';
import { ensureDir, expandHome, socketPath, toHeroError, ConfigError } from '@hero/core';
import { runCommandRunnerFromEnv } from '@hero/supervisor';
import { createRootLogger, EXIT_USAGE } from '@hero/core/cli';
import pkg from '../package.json' with { type: 'json' };
import { DEFAULT_CONFIG_PATH, parseBundleConfig, readBundleToml, type BundleConfig } from './config.js';
import { Orchestrator, type ServiceStatus } from './orchestrator.js';
import { startFailureExitCode } from './exit-codes.js';
import { SERVICES } from './services.js';
import { formatBanner } from './banner.js';

const HELP = `hero_bundle ${pkg.version}: all Hero services in one process

Usage: hero_bundle [--config <path>] [--info] [--help]

  --config <path>  TOML config (default ${DEFAULT_CONFIG_PATH}; absent file = defaults)
  --info           print version, services, sockets and config path as JSON; start nothing
  --help           show this help

HERO_SOCKET_DIR overrides socket_dir. SIGINT/SIGTERM stop every service (a second signal forces).
`;

interface Args {
  config?: string;
  info: boolean;
  help: boolean;
}

/** Parses the three flags hero_bundle knows; anything else is a usage error. */
export function parseArgs(argv: string[]): Args {
  const out: Args = { info: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--info') out.info = true;
    else if (a === '--help' || a === '-h') out.help = true;
    else if (a === '--config' || a.startsWith('--config=')) {
      const v = a === '--config' ? argv[++i] : a.slice('--config='.length);
      if (!v) throw new ConfigError('--config needs a path');
      out.config = v;
    } else throw new ConfigError(`unknown argument "${a}" (see hero_bundle --help)`);
  }
  return out;
}

function infoJson(cfg: BundleConfig) {
  return {
    name: 'hero_bundle',
    version: pkg.version,
    // the file read, or the default path that was looked for and is absent
    config_path: cfg.file ?? path.resolve(expandHome(DEFAULT_CONFIG_PATH)),
    config_found: cfg.file !== undefined,
    socket_dir: cfg.socket_dir,
    services: SERVICES.map((s) => ({
      name: s.service,
      table: s.key,
      sockets: Object.fromEntries(s.sockets.map((n) => [n, socketPath(cfg.socket_dir, s.service, n)])),
    })),
  };
}

/** Deadline of a graceful stop; services still running then are left behind (exit 1). */
const SHUTDOWN_MS = 25_000;
/** Backstop after a stop signal, in case the stop itself hangs. */
const FORCE_EXIT_MS = 30_000;

/** Environment value that makes this program run the supervisor's built-in runner instead. */
const RUNNER_ROLE = 'HERO_BUNDLE_EXEC=runner';

/**
 * The command that starts this very program again (single executable, JS bundle or source
 * run alike), with `role` in its environment: one file serves as the bundle and its runners.
 */
function selfCommand(role: string): string[] {
  const script = isSea() ? [] : [...process.execArgv, process.argv[1]!];
  return ['/usr/bin/env', role, process.execPath, ...script];
}

/** One line on stderr (`<prefix>: ` names the service when there is one) and the exit code. */
function fail(err: unknown, code: number, prefix = ''): void {
  const msg = toHeroError(err).message.split('\n').map((l) => l.trim()).filter(Boolean).join('; ');
  process.stderr.write(`hero_bundle: ${prefix}${msg}\n`);
  process.exitCode = code;
}

async function main(argv: string[]): Promise<void> {
  let cfg: BundleConfig;
  let args: Args;
  try {
    args = parseArgs(argv);
    if (args.help) {
      process.stdout.write(HELP);
      return;
    }
    const { file, data } = await readBundleToml(args.config);
    cfg = parseBundleConfig(data, SERVICES, process.env, file, {
      supervisor: { builtin_runner_command: selfCommand(RUNNER_ROLE) },
    });
  } catch (err) {
    return fail(err, EXIT_USAGE);
  }
  if (args.info) {
    process.stdout.write(JSON.stringify(infoJson(cfg), null, 2) + '\n');
    return;
  }
  try {
    await ensureDir(cfg.socket_dir);
  } catch (err) {
    return fail(err, EXIT_USAGE);
  }

  const root = await createRootLogger(cfg.log_level);
  const orchestrator = new Orchestrator(
    SERVICES.map((s) => ({
      key: s.key,
      service: s.service,
      start: (signal, ctx) => s.run(cfg.services[s.key] as never, signal, ctx),
    })),
    { logger: root, maxRestarts: cfg.max_restarts, env: process.env, shutdownTimeoutMs: SHUTDOWN_MS },
  );

  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      root.warn({ signal: sig }, 'second signal: forced exit');
      process.exit(1);
    }
    root.info({ signal: sig }, 'stopping all services');
    // a backstop only: the orchestrator's own deadline (SHUTDOWN_MS) ends the stop before this
    const force = setTimeout(() => {
      root.error('services did not stop within 30 s: forced exit');
      process.exit(1);
    }, FORCE_EXIT_MS);
    force.unref();
    void orchestrator.shutdown();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const t0 = performance.now();
  let statuses: ServiceStatus[];
  try {
    statuses = await orchestrator.start();
  } catch (err) {
    const service = (err as { service?: string }).service;
    fail(err, startFailureExitCode(err), service ? `${service}: ` : '');
    // a service that ignored its abort would keep the process alive for ever
    if (orchestrator.leftBehind.length) process.exit();
    return;
  }
  // a start cut short by a stop (a signal, a service that kept failing) is not announced as ready
  if (signals === 0 && !orchestrator.stopped) {
    root.info({ services: statuses.map((s) => ({ service: s.service, state: s.state, sockets: s.ready?.sockets, tcp: s.ready?.tcp })), ready_ms: Math.round(performance.now() - t0) }, 'hero_bundle ready');
    process.stderr.write(formatBanner(pkg.version, cfg.socket_dir, statuses, performance.now() - t0));
  }
  const code = await orchestrator.finished;
  root.info({ exit_code: code }, 'hero_bundle stopped');
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (code !== 0) fail(orchestrator.failure ?? 'stopped', code);
  else process.exitCode = code;
  // services left behind still hold the event loop: end now rather than at the forced exit
  if (orchestrator.leftBehind.length) process.exit();
}

if (process.env.HERO_BUNDLE_EXEC === 'runner') {
  runCommandRunnerFromEnv(process.env).catch((err: unknown) => fail(err, 1));
} else {
  main(process.argv.slice(2)).catch((err: unknown) => fail(err, 1));
}
