/** Typed client for hero_db's rpc.sock (JSON-RPC) and the shared result types. */
import { RpcClient, type RpcClientOptions } from '@hero/core';

export const SERVICE = 'hero_db';

export interface DbInfo {
  version: string;
  redis_version: string;
  uptime_secs: number;
  databases: number;
  keys: number;
  clients: number;
  used_memory: number;
  resp_socket: string;
  tcp: string | null;
  appendonly: boolean;
  appendfsync: string;
  aof_bytes: number;
  last_save: number;
  changes_since_save: number;
  data_dir: string;
}

export interface DbListEntry {
  db: number;
  keys: number;
  expires: number;
}

export interface DbSaveResult {
  saved: boolean;
  last_save: number;
}

export interface ServerStats {
  connected_clients: number;
  blocked_clients: number;
  total_connections: number;
  total_commands: number;
  expired_keys: number;
  keyspace_hits: number;
  keyspace_misses: number;
  pubsub_channels: number;
  pubsub_patterns: number;
  input_bytes: number;
  output_bytes: number;
  commands: { name: string; calls: number }[];
}

/** Calls hero_db's JSON-RPC methods over its rpc.sock (or an HTTP base URL). */
export class DbClient {
  readonly rpc: RpcClient;

  constructor(target: string | RpcClient, opts?: RpcClientOptions) {
    this.rpc = typeof target === 'string' ? new RpcClient(target, opts) : target;
  }

  info(): Promise<DbInfo> {
    return this.rpc.call('db.info', {}) as Promise<DbInfo>;
  }

  list(): Promise<DbListEntry[]> {
    return this.rpc.call('db.list', {}) as Promise<DbListEntry[]>;
  }

  save(): Promise<DbSaveResult> {
    return this.rpc.call('db.save', {}) as Promise<DbSaveResult>;
  }

  stats(): Promise<ServerStats> {
    return this.rpc.call('server.stats', {}) as Promise<ServerStats>;
  }

  close(): Promise<void> {
    return this.rpc.close();
  }
}
