import { z } from 'zod';

/** hero_code configuration (one TOML table; every key has a default). */
export const configSchema = z.strictObject({
  socket_dir: z.string().default('~/hero/var/sockets').describe('Directory holding every service socket dir; hero_code binds <socket_dir>/hero_code/{rpc,editor}.sock'),
  root: z.string().min(1).default('~/code').describe('Code root: the directory (and its git repositories) served; no path ever escapes it. Created when missing'),
  data_dir: z.string().min(1).default('~/hero/var/hero_code').describe('Where contexts and sessions are persisted'),
  agent_command: z
    .string()
    .min(1)
    .default('claude -p')
    .describe('Shell command run for each prompt as a hero_proc job; the rendered contexts and the prompt arrive on its stdin. {session} and {repo} are replaced by shell-quoted values'),
  agent_timeout_ms: z.number().int().positive().default(30 * 60_000).describe('Time limit of one agent job'),
  proc_socket: z.string().default('').describe('hero_proc rpc socket; empty means <socket_dir>/hero_proc/rpc.sock'),
  proc_timeout_ms: z.number().int().positive().default(10_000).describe('How long a call to hero_proc may take before hero_proc counts as unavailable'),
  repo_depth: z.number().int().min(1).max(8).default(3).describe('How many directory levels below the root are searched for git repositories'),
  read_max_bytes: z.number().int().positive().default(8 * 1024 * 1024).describe('Largest file file.read returns or file.write accepts'),
  search_max_file_bytes: z.number().int().positive().default(2 * 1024 * 1024).describe('Files larger than this are skipped by file.search'),
  render_max_bytes: z.number().int().positive().default(2 * 1024 * 1024).describe('Largest rendered context (or set of contexts for a prompt); larger renders fail with HERO_TOO_LARGE'),
  output_max_bytes: z.number().int().positive().default(1024 * 1024).describe('Largest agent output kept per prompt in the session history (the rest is cut and marked)'),
});

export type Config = z.output<typeof configSchema>;
