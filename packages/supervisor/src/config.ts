import { z } from 'zod';

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

export const runnerConfigSchema = z
  .strictObject({
    name: z.string().regex(NAME, 'runner names use A-Z a-z 0-9 . _ - (1-64 chars)').describe('Runner (and work queue) name'),
    command: z.string().min(1).optional().describe('Program to start; absent = the built-in command runner'),
    args: z.array(z.string()).default([]).describe('Arguments of `command`'),
    env: z.record(z.string(), z.string()).default({}).describe('Extra environment of the runner process'),
    process_manager: z.enum(['simple', 'proc']).default('simple').describe('`simple`: a child process restarted when it dies; `proc`: a hero_proc service'),
    concurrency: z.number().int().min(1).max(1024).default(4).describe('Jobs one runner process works on at once'),
    autostart: z.boolean().default(true).describe('Start the runner when the supervisor starts'),
  })
  .describe('A runner the supervisor starts and watches');

export type RunnerConfig = z.output<typeof runnerConfigSchema>;

export const configSchema = z
  .strictObject({
    socket_dir: z.string().default('~/hero/var/sockets').describe('Directory holding <service>/<socket>.sock'),
    redis_url: z
      .string()
      .default('')
      .describe('Redis to use: redis://[:password@]host:port[/db], unix:///path, or a socket path; empty = hero_db at <socket_dir>/hero_db/resp.sock'),
    namespace: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).default('hero').describe('Prefix of every Redis key'),
    admin_secrets: z.array(z.string().min(8)).default([]).describe('Secrets with every right'),
    user_secrets: z.array(z.string().min(8)).default([]).describe('Secrets allowed job operations'),
    register_secrets: z.array(z.string().min(8)).default([]).describe('Secrets allowed to register runners'),
    tcp: z.string().default('').describe('Optional JSON-RPC TCP listener host:port (e.g. 127.0.0.1:3030); empty = off; non-loopback needs secrets'),
    cors_origins: z
      .array(z.string())
      .default([])
      .describe('Origins of browser pages allowed to call the RPC endpoint (e.g. http://localhost:5173, or *); empty = none'),
    runners: z.array(runnerConfigSchema).default([]).describe('Runners to start ([[runners]])'),
    default_timeout: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 3600)
      .default(300)
      .describe('Job timeout in seconds when a job gives none (0 = none; at most 7 days, like a job\'s timeout)'),
    max_payload_bytes: z.number().int().min(1).default(1024 * 1024).describe('Largest accepted job payload'),
    max_attempts: z.number().int().min(1).default(3).describe('Times a job is handed to a runner before a dying runner fails it'),
    reply_ttl_secs: z.number().int().min(1).default(3600).describe('Lifetime of reply lists <ns>:reply:<id>'),
    reap_interval_ms: z.number().int().min(50).default(1000).describe('How often dead runner instances are looked for'),
    bus: z.boolean().default(false).describe('Serve JSON-RPC over the Mycelium bus (topic supervisor.rpc)'),
    bus_socket: z.string().default('').describe('Bus rpc socket; empty = <socket_dir>/mycelium/rpc.sock'),
    proc_socket: z.string().default('').describe('hero_proc rpc socket for process_manager = "proc"; empty = <socket_dir>/hero_proc/rpc.sock'),
    builtin_runner_command: z
      .array(z.string())
      .default([])
      .describe('Command line of the built-in command runner; empty = this package\'s runner entry under the current node'),
    connect_timeout_ms: z.number().int().min(100).default(5000).describe('Time allowed to reach Redis at start'),
  })
  .describe('hero_supervisor configuration');

export type Config = z.output<typeof configSchema>;
