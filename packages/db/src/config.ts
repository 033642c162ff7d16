import { isLoopbackHost } from '@hero/core';
import { z } from 'zod';

/** hero_db configuration (TOML keys as written; unknown keys are errors). */
export const configSchema = z.strictObject({
  socket_dir: z.string().default('~/hero/var/sockets').describe('Directory holding hero_db/rpc.sock and hero_db/resp.sock'),
  data_dir: z.string().default('~/hero/var/hero_db').describe('Where the append-only file and snapshots live'),
  tcp: z
    .string()
    .default('127.0.0.1:6378')
    .describe('RESP over TCP as host:port ("" disables); a non-loopback host needs requirepass'),
  requirepass: z.string().default('').describe('Password for AUTH / HELLO AUTH (empty: no auth)'),
  databases: z.number().int().min(1).max(1024).default(16).describe('Number of databases (SELECT 0..n-1)'),
  appendonly: z.boolean().default(true).describe('Log every write to the append-only file'),
  appendfsync: z.enum(['always', 'everysec', 'no']).default('everysec').describe('When the append-only file is fsynced'),
  appendfilename: z.string().default('appendonly.aof').describe('Append-only file name inside data_dir'),
  auto_aof_rewrite_percentage: z
    .number()
    .int()
    .min(0)
    .default(100)
    .describe('Rewrite the AOF when it grew by this percent since the last rewrite (0 disables)'),
  auto_aof_rewrite_min_size: z
    .number()
    .int()
    .min(0)
    .default(64 * 1024 * 1024)
    .describe('Do not rewrite the AOF automatically below this size (bytes)'),
  save: z
    .string()
    .default('3600 1 300 100 60 10000')
    .describe('Snapshot rules "<seconds> <changes> ..." as in redis.conf ("" disables automatic snapshots)'),
  dbfilename: z.string().default('dump.hdb').describe('Snapshot file name inside data_dir'),
  proto_max_bulk_len: z
    .number()
    .int()
    .min(1024 * 1024)
    .default(512 * 1024 * 1024)
    .describe('Largest bulk string a client may send (bytes)'),
  maxclients: z.number().int().min(1).default(10000).describe('Most simultaneous RESP clients'),
});

export type Config = z.output<typeof configSchema>;

/**
 * True when RESP over TCP on `host` must be password-protected: anything but loopback can be
 * reached from other machines. Checked at start-up and again on `CONFIG SET requirepass`.
 */
export function tcpNeedsPassword(host: string): boolean {
  return !isLoopbackHost(host);
}
