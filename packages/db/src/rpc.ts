import { method } from '@hero/core';
import { z } from 'zod';
import type { Engine } from './engine.js';
import type { Persistence } from './persistence.js';
import { HERO_DB_VERSION, REDIS_VERSION } from './version.js';

export interface RpcDeps {
  engine: Engine;
  persistence: Persistence;
  respSocket: string;
  tcp: string | null;
  dataDir: string;
  appendfsync: string;
}

const infoResult = z.object({
  version: z.string(),
  redis_version: z.string(),
  uptime_secs: z.number(),
  databases: z.number(),
  keys: z.number(),
  clients: z.number(),
  used_memory: z.number(),
  resp_socket: z.string(),
  tcp: z.string().nullable(),
  appendonly: z.boolean(),
  appendfsync: z.string(),
  aof_bytes: z.number(),
  last_save: z.number().describe('Unix time (s) of the last snapshot'),
  changes_since_save: z.number(),
  data_dir: z.string(),
});

/** hero_db's JSON-RPC methods on rpc.sock. */
export function rpcMethods(d: RpcDeps) {
  const { engine } = d;
  return {
    'db.info': method({
      summary: 'Server overview: version, key count, clients, persistence',
      params: z.object({}),
      result: infoResult,
      handler: () => {
        const p = d.persistence.status();
        return {
          version: HERO_DB_VERSION,
          redis_version: REDIS_VERSION,
          uptime_secs: Math.floor((Date.now() - engine.started) / 1000),
          databases: engine.dbs.length,
          keys: engine.dbs.reduce((n, db) => n + db.size, 0),
          clients: engine.sessions.size,
          used_memory: process.memoryUsage().heapUsed,
          resp_socket: d.respSocket,
          tcp: d.tcp,
          appendonly: p.appendonly,
          appendfsync: engine.config.params.get('appendfsync') ?? d.appendfsync,
          aof_bytes: p.aof_bytes,
          last_save: p.last_save,
          changes_since_save: p.changes_since_save,
          data_dir: d.dataDir,
        };
      },
    }),
    'db.list': method({
      summary: 'Key counts per database',
      params: z.object({}),
      result: z.array(z.object({ db: z.number(), keys: z.number(), expires: z.number() })),
      handler: () => engine.dbs.map((db) => ({ db: db.id, keys: db.size, expires: db.volatile.size })),
    }),
    'db.save': method({
      summary: 'Writes a snapshot now (like SAVE)',
      params: z.object({}),
      result: z.object({ saved: z.boolean(), last_save: z.number() }),
      handler: () => {
        d.persistence.save();
        return { saved: true, last_save: d.persistence.lastSave() };
      },
    }),
    'server.stats': method({
      summary: 'Counters: connections, commands, hits/misses, expiries, pub/sub, bytes, calls per command',
      params: z.object({}),
      result: z.object({
        connected_clients: z.number(),
        blocked_clients: z.number(),
        total_connections: z.number(),
        total_commands: z.number(),
        expired_keys: z.number(),
        keyspace_hits: z.number(),
        keyspace_misses: z.number(),
        pubsub_channels: z.number(),
        pubsub_patterns: z.number(),
        input_bytes: z.number(),
        output_bytes: z.number(),
        commands: z.array(z.object({ name: z.string(), calls: z.number() })),
      }),
      handler: () => {
        const s = engine.stats;
        const commands: { name: string; calls: number }[] = [];
        for (const def of engine.table.list) {
          if (def.calls) commands.push({ name: def.name, calls: def.calls });
          for (const sub of def.subcommands ?? []) if (sub.calls) commands.push({ name: `${def.name}|${sub.name}`, calls: sub.calls });
        }
        commands.sort((a, b) => b.calls - a.calls);
        const sessions = [...engine.sessions.values()];
        return {
          connected_clients: sessions.length,
          blocked_clients: sessions.filter((x) => x.blocked).length,
          total_connections: s.connections,
          total_commands: s.commands,
          expired_keys: s.expiredKeys,
          keyspace_hits: s.keyspaceHits,
          keyspace_misses: s.keyspaceMisses,
          pubsub_channels: engine.channels.size,
          pubsub_patterns: engine.patterns.size,
          input_bytes: s.inputBytes,
          output_bytes: s.outputBytes,
          commands,
        };
      },
    }),
  };
}
