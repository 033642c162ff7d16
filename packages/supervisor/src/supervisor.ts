import type http from 'node:http';
import path from 'node:path';
import {
  ConfigError,
  HeroError,
  expandHome,
  isLoopbackHost,
  parseHostPort,
  createRpcHandler,
  listenHttp,
  type HttpListener,
  type RpcHandler,
  socketPath,
  type ReadyInfo,
  type RunContext,
} from '@hero/core';
import type { ProcClient } from '@hero/proc/client';
import { builtinRunnerCommand } from './builtin-runner.js';
import type { Config } from './config.js';
import { JobStore } from './job-store.js';
import { keys } from './keys.js';
import { supervisorMethods } from './methods.js';
import { connectRedis, describeTarget, openRedis, parseRedisTarget, unixRedisUrl } from './redis.js';
import { Reaper } from './reaper.js';
import { RunnerRegistry } from './registry.js';
import { Secrets } from './secrets.js';
import type { SupervisorInfo } from './types.js';
import { VERSION } from './version.js';
import { Waiters } from './waiters.js';

export const SERVICE = 'hero_supervisor';

/**
 * Lets browser pages from `origins` call the RPC endpoint (a secret is still needed for every
 * call that does anything); answers CORS preflights.
 */
function withCors(handler: http.RequestListener, origins: readonly string[]): http.RequestListener {
  if (origins.length === 0) return handler;
  const any = origins.includes('*');
  return (req, res) => {
    const origin = req.headers.origin;
    if (origin && (any || origins.includes(origin))) {
      res.setHeader('access-control-allow-origin', any ? '*' : origin);
      res.setHeader('vary', 'origin');
      if (req.method === 'OPTIONS') {
        res.writeHead(204, {
          'access-control-allow-methods': 'POST, GET, OPTIONS',
          'access-control-allow-headers': 'content-type',
          'access-control-max-age': '600',
        });
        res.end();
        return;
      }
    }
    handler(req, res);
  };
}

/** The environment runner processes start from: the program's (ctx.env), with a PATH. */
function definedEnv(env: RunContext['env']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env ?? {})) if (v !== undefined) out[k] = v;
  out.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  return out;
}

/** Runs hero_supervisor until `signal` aborts; see DESIGN §5.4. */
export async function run(config: Config, signal: AbortSignal, ctx: RunContext = {}): Promise<void> {
  if (signal.aborted) return;
  const log = ctx.logger;
  const socketDir = path.resolve(expandHome(config.socket_dir));
  const redisUrl = config.redis_url || socketPath(socketDir, 'hero_db', 'resp');
  const target = parseRedisTarget(redisUrl.startsWith('~') ? expandHome(redisUrl) : redisUrl);
  const where = describeTarget(redisUrl);
  let tcp: { host: string; port: number } | undefined;
  if (config.tcp) {
    try {
      tcp = parseHostPort(config.tcp);
    } catch (err) {
      throw new ConfigError(`invalid tcp: ${(err as Error).message}`);
    }
    if (!isLoopbackHost(tcp.host) && config.admin_secrets.length + config.user_secrets.length === 0) {
      throw new ConfigError(`tcp ${config.tcp} is not loopback: configure admin_secrets or user_secrets first`);
    }
  }
  const k = keys(config.namespace);
  const runnerUrl = 'url' in target ? target.url : unixRedisUrl(target);
  let proc: ProcClient | undefined;
  const redis = openRedis(target, { name: 'supervisor' });
  const sub = openRedis(target, { blocking: true, name: 'supervisor:sub' });
  const registry = new RunnerRegistry(config.runners, {
    redis,
    k,
    // `simple` runners start from the program's environment (ctx.env), never this process's
    baseEnv: definedEnv(ctx.env),
    runnerEnv: { HERO_REDIS_URL: runnerUrl, HERO_NAMESPACE: config.namespace },
    builtinCommand: config.builtin_runner_command.length
      ? [...config.builtin_runner_command]
      : config.runners.some((r) => !r.command)
        ? builtinRunnerCommand()
        : [],
    proc: async () => {
      // loaded on first use: only `process_manager = "proc"` runners need hero_proc
      const { ProcClient } = await import('@hero/proc/client');
      return (proc ??= new ProcClient(config.proc_socket || socketPath(socketDir, 'hero_proc', 'rpc')));
    },
    logger: log,
  });

  await connectRedis(redis, where, config.connect_timeout_ms);
  try {
    await connectRedis(sub, where, config.connect_timeout_ms);
  } catch (err) {
    redis.disconnect();
    throw err;
  }

  const store = new JobStore(redis, k, config.reply_ttl_secs);
  await store.useScripts();
  const secrets = new Secrets({ admin: config.admin_secrets, user: config.user_secrets, register: config.register_secrets }, redis, k);
  const waiters = new Waiters(sub, store, k.doneChannel);
  const reaper = new Reaper(redis, k, store, { maxAttempts: config.max_attempts, ns: config.namespace, logger: log });
  const started = Date.now();
  const info = (): SupervisorInfo => ({
    name: SERVICE,
    version: VERSION,
    namespace: config.namespace,
    redis: { target: where, connected: redis.status === 'ready' },
    runners: registry.names().length,
    uptime_secs: Math.floor((Date.now() - started) / 1000),
    open: secrets.open,
    bus: config.bus,
  });

  const busAc = new AbortController();
  let server: (HttpListener & RpcHandler) | undefined;
  let tick: NodeJS.Timeout | undefined;
  let busDone: Promise<void> | undefined;
  let sweeping: Promise<void> | undefined;
  // each step on its own: a failing reaper pass must not also skip secret and runner refreshes
  const maintain = async (step: string, f: () => Promise<unknown>) => {
    try {
      await f();
    } catch (err) {
      log?.debug({ err, step }, 'maintenance step failed');
    }
  };
  const sweep = () => {
    sweeping ??= (async () => {
      try {
        await maintain('reap', () => reaper.sweep());
        await maintain('secrets', () => secrets.refresh());
        await maintain('runners', () => registry.refresh());
      } finally {
        sweeping = undefined;
      }
    })();
    return sweeping;
  };

  const cleanup = async () => {
    const errors: unknown[] = [];
    const step = async (f: () => unknown) => {
      try {
        await f();
      } catch (err) {
        errors.push(err);
      }
    };
    clearInterval(tick);
    busAc.abort();
    waiters.stop();
    await step(() => server?.close());
    await step(() => busDone);
    await step(() => registry.stopAll());
    await step(() => sweeping);
    await step(() => proc?.close());
    sub.disconnect();
    redis.disconnect();
    if (errors.length) log?.error({ err: errors[0] }, 'errors while stopping');
  };

  try {
    await secrets.refresh();
    // configured runners are announced in Redis, so every supervisor sharing it accepts their jobs
    for (const r of config.runners) await registry.announce(r.name);
    await registry.refresh();
    await waiters.start();
    const rpc = createRpcHandler({
      info: { name: SERVICE, title: 'Hero Supervisor', version: VERSION, description: 'Distributed jobs and runners' },
      methods: supervisorMethods({ config, store, k, secrets, registry, waiters, info }),
      logger: log,
      allowedOrigins: config.cors_origins,
    });
    const listener = await listenHttp({
      handler: withCors(rpc.handler, config.cors_origins),
      socket: { path: socketPath(socketDir, SERVICE, 'rpc'), service: SERVICE },
      tcp,
    });
    server = { ...rpc, socketPath: listener.socketPath, tcpAddress: listener.tcpAddress, servers: listener.servers, close: listener.close };
    if (secrets.open) log?.warn('no secrets configured: local socket callers are admin, TCP and bus callers are refused');
    registry.onExitHook = () => void sweep();
    await registry.startAll();
    tick = setInterval(() => void sweep(), config.reap_interval_ms);
    void sweep();
    if (config.bus) {
      const bus = config.bus_socket || socketPath(socketDir, 'mycelium', 'rpc');
      const { serveBus } = await import('./bus.js');
      busDone = serveBus(bus, server, busAc.signal, log);
    }
  } catch (err) {
    await cleanup();
    throw err instanceof HeroError ? err : new HeroError('HERO_INTERNAL', (err as Error).message, { cause: err });
  }

  const ready: ReadyInfo = { service: SERVICE, sockets: { rpc: server.socketPath! } };
  if (server.tcpAddress) ready.tcp = { rpc: `${server.tcpAddress.host}:${server.tcpAddress.port}` };
  ctx.onReady?.(ready);
  if (!signal.aborted) await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
  await cleanup();
}
