/**
 * @hero/proc — hero_proc: services, jobs, cron schedules and secrets for one node.
 * `run(config, signal, ctx)` serves `rpc.sock` and `admin.sock` under `<socket_dir>/hero_proc/`.
 */
import pkg from '../package.json' with { type: 'json' };
import path from 'node:path';
import {
  ensureDir,
  expandHome,
  HeroError,
  serveRpc,
  serveUi,
  socketPath,
  type HttpListener,
  type RpcHandler,
  type RunContext,
} from '@hero/core';
import { adminRoutes, DASHBOARD_HTML, logStreamRoute, SseRegistry } from './admin.js';
import type { Config } from './config.js';
import { JobManager } from './job-manager.js';
import { LogHub } from './log-hub.js';
import { buildMethods } from './methods.js';
import { ScheduleManager } from './schedule-manager.js';
import { SecretStore } from './secrets.js';
import { ServiceManager } from './service-manager.js';

export { configSchema, type Config } from './config.js';
export { serviceSpecSchema, jobSpecSchema, scheduleSpecSchema, cronError } from './spec.js';
export { backoffDelay } from './backoff.js';
export * from './client.js';

/** The service dir under the socket dir. */
export const SERVICE = 'hero_proc';
export const VERSION: string = pkg.version;

const INFO = {
  name: SERVICE,
  title: 'hero_proc',
  version: VERSION,
  description: 'Process, job, schedule and secret manager',
};

/** Environment children start from. */
function baseEnv(config: Config, programEnv: RunContext['env']): Record<string, string> {
  const env: Record<string, string> = {};
  // the children's environment, handed over by the program running hero_proc (ctx.env): a
  // process manager passes its own environment on, as every shell and init system does
  if (config.inherit_env && programEnv) {
    for (const [k, v] of Object.entries(programEnv)) if (v !== undefined) env[k] = v;
  }
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  return env;
}

/**
 * Runs hero_proc until `signal` aborts. Resolves after the sockets are closed, every child it
 * started is gone and state is written; rejects with a HeroError if it cannot start.
 */
export async function run(config: Config, signal: AbortSignal, ctx: RunContext = {}): Promise<void> {
  if (signal.aborted) return;
  const logger = ctx.logger;
  const socketDir = path.resolve(expandHome(config.socket_dir));
  const dataDir = path.resolve(expandHome(config.data_dir));
  const configDir = path.resolve(expandHome(config.config_dir));
  const logDir = path.join(dataDir, 'logs');
  const jobsDir = path.join(dataDir, 'jobs');
  for (const dir of [dataDir, logDir, jobsDir, configDir]) await ensureDir(dir);

  const env = baseEnv(config, ctx.env);
  const hub = new LogHub(config.log_ring_lines);
  const secrets = new SecretStore(path.join(dataDir, 'secrets.json'), logger);
  await secrets.load();
  const services = new ServiceManager({
    configDir,
    dataDir,
    logDir,
    logMaxBytes: config.log_max_bytes,
    logKeep: config.log_keep,
    baseEnv: env,
    hub,
    secrets,
    logger,
  });
  const jobs = new JobManager({
    dir: jobsDir,
    history: config.job_history,
    retentionMs: config.job_retention_days > 0 ? config.job_retention_days * 86_400_000 : Number.MAX_SAFE_INTEGER,
    logMaxBytes: config.job_log_max_bytes,
    killGraceMs: config.job_kill_grace_ms,
    baseEnv: env,
    hub,
    secrets,
    logger,
  });
  const schedules = new ScheduleManager(dataDir, jobs, logger);
  const started = Date.now();
  const info = () => ({
    service: SERVICE,
    version: VERSION,
    pid: process.pid,
    uptime_ms: Date.now() - started,
    config_dir: configDir,
    data_dir: dataDir,
    services: services.list().length,
    jobs_running: jobs.runningCount(),
    schedules: schedules.size,
  });

  const sse = new SseRegistry();
  let rpc: (HttpListener & RpcHandler) | undefined;
  let admin: HttpListener | undefined;
  const shutdown = async () => {
    sse.closeAll();
    const errors: unknown[] = [];
    const step = async (f: () => Promise<unknown> | unknown) => {
      try {
        await f();
      } catch (err) {
        errors.push(err);
      }
    };
    await step(() => Promise.all([rpc?.close(), admin?.close()]));
    await step(() => schedules.close());
    await step(() => Promise.all([jobs.close(), services.close()]));
    await step(() => hub.close());
    await step(() => secrets.flush());
    for (const err of errors) logger?.error({ err }, 'error while stopping');
  };

  try {
    await jobs.init();
    await schedules.init();
    const methods = buildMethods({ services, jobs, schedules, secrets, hub, info, logger });
    rpc = await serveRpc(
      {
        info: INFO,
        methods,
        logger,
        socket: { path: socketPath(socketDir, SERVICE, 'rpc'), service: SERVICE },
        routes: logStreamRoute(hub, sse, ['/logs/stream']),
        drainMs: 2000,
      },
      undefined,
    );
    const rpcRef = rpc;
    admin = await serveUi({
      info: INFO,
      html: DASHBOARD_HTML,
      socket: { path: socketPath(socketDir, SERVICE, 'admin'), service: SERVICE },
      routes: adminRoutes({ services, jobs, schedules, hub, rpc: () => rpcRef, info }, sse),
    });
    await services.init();
  } catch (err) {
    await shutdown();
    throw err instanceof HeroError ? err : new HeroError('HERO_UNAVAILABLE', `hero_proc cannot start: ${(err as Error).message}`, { cause: err });
  }

  ctx.onReady?.({ service: SERVICE, sockets: { rpc: rpc.socketPath!, admin: admin.socketPath! } });
  logger?.info({ services: services.list().length, config_dir: configDir }, 'hero_proc ready');
  await new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await shutdown();
}
