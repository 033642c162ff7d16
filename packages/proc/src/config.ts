import { z } from 'zod';

/** hero_proc's configuration (the `[proc]` table of the bundle, or `hero-proc serve --config`). */
export const configSchema = z.strictObject({
  socket_dir: z.string().default('~/hero/var/sockets').describe('Directory holding <service>/<name>.sock'),
  data_dir: z.string().default('~/hero/var/hero_proc').describe('State, job history, secrets and log files'),
  config_dir: z.string().default('~/hero/cfg/proc').describe('Service definitions, one <name>.toml per service'),
  log_ring_lines: z.number().int().min(10).max(1_000_000).default(1000).describe('Output lines kept in memory per service or job'),
  log_max_bytes: z.number().int().min(1024).default(10 * 1024 * 1024).describe('Default size at which a service log file rotates'),
  log_keep: z.number().int().min(0).max(100).default(3).describe('Default number of rotated log files kept'),
  job_history: z.number().int().min(1).default(1000).describe('Finished jobs kept (oldest dropped first)'),
  job_retention_days: z.number().min(0).default(7).describe('Finished jobs older than this are dropped (0 = count limit only)'),
  job_log_max_bytes: z.number().int().min(2048).default(1024 * 1024).describe('Output kept per job (older output dropped beyond it)'),
  job_kill_grace_ms: z.number().int().min(0).default(3000).describe('Time between SIGTERM and SIGKILL for a cancelled or timed-out job'),
  inherit_env: z.boolean().default(true).describe("Children start from the environment of the program running hero_proc (PATH, HOME, …)"),
});

export type Config = z.output<typeof configSchema>;
