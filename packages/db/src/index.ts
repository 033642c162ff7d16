/// <reference path="./lua/fengari.d.ts" />
/** hero_db: a Redis-compatible database for the node (RESP2/RESP3 + JSON-RPC admin socket). */
import path from 'node:path';
import {
  ConfigError,
  HeroError,
  ensureDir,
  expandHome,
  parseHostPort,
  prepareSocket,
  serveRpc,
  socketPath,
  toHeroError,
  type RunContext,
} from '@hero/core';
import { configSchema, tcpNeedsPassword, type Config } from './config.js';
import { allCommands } from './commands/index.js';
import { Engine } from './engine.js';
import { acquireLock } from './lock.js';
import { Persistence } from './persistence.js';
import { listenResp, type RespListener } from './resp-server.js';
import { rpcMethods } from './rpc.js';
import { HERO_DB_VERSION } from './version.js';

export { configSchema, type Config } from './config.js';
export { Engine, type EngineConfig } from './engine.js';
export { Session } from './session.js';
export type { Reply } from './reply.js';
export { RespParser, ProtocolError } from './resp/parser.js';
export { RespWriter } from './resp/writer.js';
export { cmd, type CommandDef, type Handler } from './command.js';
export { allCommands } from './commands/index.js';
export { DbClient, SERVICE, type DbInfo, type DbListEntry, type DbSaveResult, type ServerStats } from './client.js';
export { HERO_DB_VERSION, REDIS_VERSION } from './version.js';

const SERVICE_DIR = 'hero_db';

/** CONFIG GET view of the configuration. */
function params(config: Config, dataDir: string, port: number): Map<string, string> {
  return new Map([
    ['appendonly', config.appendonly ? 'yes' : 'no'],
    ['appendfsync', config.appendfsync],
    ['appendfilename', config.appendfilename],
    ['auto-aof-rewrite-percentage', String(config.auto_aof_rewrite_percentage)],
    ['auto-aof-rewrite-min-size', String(config.auto_aof_rewrite_min_size)],
    ['save', config.save],
    ['dbfilename', config.dbfilename],
    ['dir', dataDir],
    ['databases', String(config.databases)],
    ['requirepass', config.requirepass],
    ['proto-max-bulk-len', String(config.proto_max_bulk_len)],
    ['maxclients', String(config.maxclients)],
    ['maxmemory', '0'],
    ['maxmemory-policy', 'noeviction'],
    ['notify-keyspace-events', ''],
    ['timeout', '0'],
    ['port', String(port)],
    ['bind', config.tcp ? config.tcp.replace(/:\d+$/, '') : ''],
    ['hz', '10'],
    ['lua-time-limit', '5000'],
    ['busy-reply-threshold', '5000'],
    ['slowlog-log-slower-than', '10000'],
    ['slowlog-max-len', '128'],
    ['list-max-listpack-size', '-2'],
    ['hash-max-listpack-entries', '128'],
    ['zset-max-listpack-entries', '128'],
    ['set-max-intset-entries', '512'],
  ]);
}

/** Runs hero_db until `signal` aborts: RESP on resp.sock (+ TCP), JSON-RPC on rpc.sock. */
export async function run(config: Config, signal: AbortSignal, ctx: RunContext = {}): Promise<void> {
  const logger = ctx.logger;
  if (signal.aborted) return;
  const socketDir = path.resolve(expandHome(config.socket_dir));
  const dataDir = path.resolve(expandHome(config.data_dir));
  let tcp: { host: string; port: number } | undefined;
  if (config.tcp) {
    try {
      tcp = parseHostPort(config.tcp);
    } catch (err) {
      throw new ConfigError('invalid config', [`tcp: ${(err as Error).message}`]);
    }
    if (tcpNeedsPassword(tcp.host) && !config.requirepass) {
      throw new ConfigError('invalid config', [`tcp: refusing to listen on non-loopback ${config.tcp} without requirepass`]);
    }
  }
  const respPath = socketPath(socketDir, SERVICE_DIR, 'resp');
  const rpcPath = socketPath(socketDir, SERVICE_DIR, 'rpc');

  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async () => {
    const errors: unknown[] = [];
    for (const f of cleanups.reverse()) {
      try {
        await f();
      } catch (err) {
        errors.push(err);
      }
    }
    cleanups.length = 0;
    return errors;
  };

  let resp: RespListener;
  try {
    // Refuse early when another server owns the sockets, before touching its data.
    await prepareSocket(respPath, SERVICE_DIR);
    await prepareSocket(rpcPath, SERVICE_DIR);
    await ensureDir(dataDir);
    cleanups.push(acquireLock(path.join(dataDir, 'hero_db.lock'), `data dir ${dataDir}`));

    const engine = new Engine(
      {
        databases: config.databases,
        requirepass: config.requirepass,
        ...(tcp ? { tcpHost: tcp.host } : {}),
        protoMaxBulkLen: config.proto_max_bulk_len,
        maxclients: config.maxclients,
        params: params(config, dataDir, tcp?.port ?? 0),
      },
      logger,
    );
    engine.table.add(allCommands());
    const persistence = new Persistence(engine, {
      dataDir,
      appendonly: config.appendonly,
      appendfsync: config.appendfsync,
      appendfilename: config.appendfilename,
      dbfilename: config.dbfilename,
      save: config.save,
      aofRewritePercentage: config.auto_aof_rewrite_percentage,
      aofRewriteMinSize: config.auto_aof_rewrite_min_size,
    });
    engine.persistence = persistence;
    persistence.start();
    cleanups.push(() => persistence.close());
    engine.start();
    cleanups.push(() => engine.stop());

    resp = await listenResp(engine, { socketPath: respPath, tcp, service: SERVICE_DIR });
    cleanups.push(() => resp.close());
    if (resp.tcpAddress) engine.config.params.set('port', String(resp.tcpAddress.port));
    const tcpText = resp.tcpAddress ? `${resp.tcpAddress.host}:${resp.tcpAddress.port}` : null;

    const rpc = await serveRpc({
      info: { name: SERVICE_DIR, title: 'hero_db', version: HERO_DB_VERSION, description: 'Redis-compatible database' },
      methods: rpcMethods({ engine, persistence, respSocket: respPath, tcp: tcpText, dataDir, appendfsync: config.appendfsync }),
      socket: { path: rpcPath, service: SERVICE_DIR },
      logger,
      drainMs: 2000,
    });
    cleanups.push(() => rpc.close());

    ctx.onReady?.({
      service: SERVICE_DIR,
      sockets: { rpc: rpcPath, resp: respPath },
      ...(tcpText ? { tcp: { resp: tcpText } } : {}),
    });
  } catch (err) {
    await cleanup();
    throw err instanceof HeroError ? err : toHeroError(err);
  }

  if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  const errors = await cleanup();
  if (errors.length) {
    logger?.error({ err: errors[0] }, 'shutdown incomplete');
    throw toHeroError(errors[0]);
  }
}
