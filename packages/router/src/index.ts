import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  ConfigError,
  HeroError,
  expandHome,
  isLoopbackHost,
  parseHostPort,
  serveRpc,
  serveUi,
  socketPath,
  type HttpListener,
  type RpcHandler,
  type RunContext,
} from '@hero/core';
import { routerMethods } from './api.js';
import { createAccess } from './auth.js';
import type { Config } from './config.js';
import { dashboardHtml, dashboardRoutes } from './dashboard.js';
import { hostRuleFor } from './origin.js';
import { ProxyEngine } from './proxy.js';
import { Registry } from './registry.js';
import type { RouterHealth } from './schemas.js';
import { listenTcpEntry, type TcpEntry } from './tcp-listener.js';
import { SERVICE, VERSION } from './version.js';
import { DirWatcher } from './watcher.js';

export { configSchema, type Config, type ConfigInput } from './config.js';
export { SERVICE, VERSION } from './version.js';
export { isValidName, parseRoute, hasUnsafePath, type Route } from './names.js';
export { RouterClient } from './client.js';
export type {
  MethodInfo,
  RouterHealth,
  ScanResult,
  ServiceSummary,
  SocketInfo,
  SocketStatus,
} from './schemas.js';

const info = {
  name: SERVICE,
  title: 'Hero router',
  version: VERSION,
  description: 'Socket discovery and the HTTP entry point of the node',
};

async function readTls(config: Config): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  const { cert, key } = config.tls;
  if (!cert && !key) return undefined;
  if (!cert || !key) throw new ConfigError('tls needs both cert and key');
  const read = async (what: string, file: string) => {
    try {
      return await fs.readFile(expandHome(file));
    } catch (err) {
      throw new ConfigError(`cannot read tls.${what} ${file}: ${(err as Error).message}`, [], { cause: err });
    }
  };
  return { cert: await read('cert', cert), key: await read('key', key) };
}

/**
 * Runs hero_router: discovery of `<socket_dir>/<service>/<name>.sock`, its API on rpc.sock,
 * the dashboard on admin.sock and the TCP entry point proxying `/<service>/<name>/…`.
 */
export async function run(config: Config, signal: AbortSignal, ctx: RunContext = {}): Promise<void> {
  const logger = ctx.logger;
  const socketDir = path.resolve(expandHome(config.socket_dir));
  const discoverDir = config.discover_dir ? path.resolve(expandHome(config.discover_dir)) : socketDir;

  // validate everything before binding anything
  let listen: { host: string; port: number } | undefined;
  if (config.listen) {
    try {
      listen = parseHostPort(config.listen);
    } catch (err) {
      throw new ConfigError(`invalid listen: ${(err as Error).message}`);
    }
  }
  const access = createAccess({ tokens: config.auth.tokens, allow: config.auth.allow, context: config.context });
  if (listen && !isLoopbackHost(listen.host) && !access.enabled) {
    throw new ConfigError(
      `refusing to listen on ${config.listen}: a non-loopback address needs auth.tokens and/or auth.allow in the router config`,
    );
  }
  const tls = await readTls(config);
  if (signal.aborted) throw new HeroError('HERO_UNAVAILABLE', 'aborted before start');

  // created when missing, but an existing socket dir keeps the mode its operator chose
  try {
    await fs.mkdir(socketDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new HeroError('HERO_UNAVAILABLE', `cannot create socket dir ${socketDir}: ${(err as Error).message}`, { cause: err });
  }
  const registry = new Registry({
    socketDir: discoverDir,
    probeTimeoutMs: config.probe_timeout_ms,
    logger,
  });
  const started = Date.now();
  let tcp: TcpEntry | undefined;
  let engine: ProxyEngine | undefined;
  const health = (): RouterHealth => {
    const by: Record<string, number> = {};
    const entries = registry.entries();
    for (const e of entries) by[e.status] = (by[e.status] ?? 0) + 1;
    return {
      status: 'ok',
      version: VERSION,
      uptime_secs: Math.floor((Date.now() - started) / 1000),
      listen: tcp ? `${tcp.address.host}:${tcp.address.port}` : null,
      tls: tls !== undefined,
      auth: access.enabled,
      services: registry.summaries().length,
      sockets: entries.length,
      by_status: by,
      proxy: engine ? engine.stats() : null,
    };
  };

  const methods = routerMethods(registry, health);
  const onScanError = (err: unknown) => logger?.error({ err }, 'scan failed');

  let rpc: (HttpListener & RpcHandler) | undefined;
  let ui: HttpListener | undefined;
  let watcher: DirWatcher | undefined;
  let interval: NodeJS.Timeout | undefined;
  const closeAll = async () => {
    if (interval) clearInterval(interval);
    watcher?.close();
    const results = await Promise.allSettled([tcp?.close(), ui?.close(), rpc?.close()]);
    registry.close();
    for (const r of results) if (r.status === 'rejected') logger?.error({ err: r.reason }, 'close failed');
  };

  try {
    rpc = await serveRpc({ info, methods, logger, socket: { path: socketPath(socketDir, SERVICE, 'rpc'), service: SERVICE } });
    const rpcHandler = rpc;
    const proxyMark = randomBytes(24).toString('base64url');
    const routes = dashboardRoutes(registry, () => rpcHandler, config.upstream_timeout_ms, {
      hostRule: hostRuleFor(access.hasTokens, access.hasAllowList),
      proxyMark,
    });
    const html = dashboardHtml(VERSION);
    ui = await serveUi({
      info,
      html,
      routes,
      socket: { path: socketPath(socketDir, SERVICE, 'admin'), service: SERVICE },
    });
    if (listen) {
      engine = new ProxyEngine({
        registry,
        access,
        context: config.context,
        proto: tls ? 'https' : 'http',
        upstreamTimeoutMs: config.upstream_timeout_ms,
        idleTimeoutMs: config.idle_timeout_ms,
        maxIdle: config.max_idle,
        keepAliveMs: config.keep_alive_ms,
        clientTimeoutMs: config.client_timeout_ms,
        admin: { path: ui.socketPath!, mark: proxyMark },
        logger,
      });
      tcp = await listenTcpEntry({ ...listen, tls, engine });
    }
    await registry.scan(true);
    if (config.watch) {
      watcher = new DirWatcher(discoverDir, config.watch_debounce_ms, () => {
        registry.scan(false).then(() => watcher?.sync(registry.serviceDirs()), onScanError);
      });
      watcher.sync(registry.serviceDirs());
    }
    if (config.scan_interval_ms > 0) {
      interval = setInterval(() => {
        registry.scan(true).then(() => watcher?.sync(registry.serviceDirs()), onScanError);
      }, config.scan_interval_ms);
    }
  } catch (err) {
    await closeAll();
    throw err;
  }

  const sockets = { rpc: rpc.socketPath!, admin: ui.socketPath! };
  const tcpInfo = tcp ? { http: `${tcp.address.host.includes(':') ? `[${tcp.address.host}]` : tcp.address.host}:${tcp.address.port}` } : undefined;
  if (!signal.aborted) {
    logger?.debug({ socket_dir: socketDir, listen: tcpInfo?.http, tls: !!tls, auth: access.enabled }, 'router ready');
    const stopped = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    ctx.onReady?.({ service: SERVICE, sockets, ...(tcpInfo ? { tcp: tcpInfo } : {}) });
    await stopped;
  }
  await closeAll();
}
