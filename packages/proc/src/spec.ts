/**
 * Validation of what users hand in: service definitions (TOML files and `service.set`), job
 * specs and schedules. Every problem is reported with the path of the offending field.
 */
import { Cron } from 'croner';
import { z } from 'zod';
import { normalizeSignal } from './signals.js';

/** Service, schedule and secret names: also file names, so no path can escape its dir. */
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
export const nameSchema = z
  .string()
  .regex(NAME_RE, 'must be 1-100 characters of A-Z a-z 0-9 _ . - starting with a letter or digit')
  .refine((s) => !s.includes('..'), 'must not contain ".."');

/** Secret keys: what `secret.set` accepts and the key part of an `env_from_secrets` reference. */
export const secretKeySchema = z.string().regex(/^[A-Za-z0-9_.-]{1,200}$/, 'must be 1-200 characters of A-Z a-z 0-9 _ . -');

const envNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'invalid environment variable name');

const envSchema = z.record(envNameSchema, z.string()).describe('Environment variables set for the process');

/** `"key"` or `"context/key"`, each part held to the rules `secret.set` applies. */
const secretRefValue = z.string().superRefine((ref, ctx) => {
  const slash = ref.indexOf('/');
  const context = slash === -1 ? undefined : ref.slice(0, slash);
  const key = slash === -1 ? ref : ref.slice(slash + 1);
  const c = context === undefined ? undefined : nameSchema.safeParse(context);
  if (c && !c.success) ctx.addIssue({ code: 'custom', message: `secret context "${context}" ${c.error.issues[0]?.message}` });
  const k = secretKeySchema.safeParse(key);
  if (!k.success) ctx.addIssue({ code: 'custom', message: `secret key "${key}" ${k.error.issues[0]?.message}` });
});

const secretRefSchema = z
  .union([z.record(envNameSchema, secretRefValue), z.array(envNameSchema)])
  .describe('Env vars read from secrets at each start: {ENV: "key" | "context/key"} or ["KEY"]');

const signalSchema = z.string().transform((s, ctx) => {
  const sig = normalizeSignal(s);
  if (!sig) {
    ctx.addIssue({ code: 'custom', message: `unknown signal "${s}"` });
    return z.NEVER;
  }
  return sig;
});

const positiveMs = (max: number) => z.number().int().min(0).max(max);

export const healthSchema = z.strictObject({
  kind: z.enum(['tcp', 'http', 'exec']).describe('tcp: host:port or port; http: URL answering 2xx/3xx; exec: shell command exiting 0'),
  target: z.string().min(1).describe('What to probe'),
  interval_ms: positiveMs(3_600_000).min(10).default(1000).describe('Time between probes'),
  timeout_ms: positiveMs(600_000).min(10).default(2000).describe('Probe timeout'),
  retries: z.number().int().min(1).max(1000).default(3).describe('Consecutive failures (starting or running) before the service counts as crashed'),
  start_period_ms: positiveMs(86_400_000)
    .default(60_000)
    .describe('After each start, failures in this time are not counted (a pass still ends it); default 60 s for slow starters'),
});

export const logSpecSchema = z.strictObject({
  max_bytes: z.number().int().min(1024).optional().describe('Rotate <name>.log at this size'),
  keep: z.number().int().min(0).max(100).optional().describe('Rotated files kept'),
});

const commandFields = {
  exec: z.string().min(1).optional().describe('Shell command line (/bin/sh -c)'),
  cmd: z.array(z.string()).min(1).optional().describe('Argument vector, run without a shell'),
  cwd: z.string().min(1).optional().describe('Working directory'),
  env: envSchema.default({}),
  env_from_secrets: secretRefSchema.optional(),
};

function oneCommand(v: { exec?: string | undefined; cmd?: string[] | undefined }, ctx: z.RefinementCtx) {
  if (v.exec === undefined && v.cmd === undefined) {
    ctx.addIssue({ code: 'custom', path: ['exec'], message: 'one of "exec" (shell string) or "cmd" (argv) is required' });
  } else if (v.exec !== undefined && v.cmd !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['cmd'], message: 'give either "exec" or "cmd", not both' });
  } else if (v.cmd !== undefined && v.cmd[0] === '') {
    ctx.addIssue({ code: 'custom', path: ['cmd', 0], message: 'executable must not be empty' });
  }
}

export const serviceSpecSchema = z
  .strictObject({
    name: nameSchema.describe('Service name (also its file name <name>.toml)'),
    ...commandFields,
    secret_context: nameSchema.default('default').describe('Secret context for env_from_secrets entries without one'),
    after: z.array(nameSchema).default([]).describe('Services that must be running (oneshots: succeeded) first'),
    oneshot: z.boolean().default(false).describe('Runs to completion; success satisfies dependents'),
    restart: z.enum(['always', 'on-failure', 'never']).optional().describe('Restart policy (default always; on-failure for oneshots)'),
    restart_delay_ms: positiveMs(3_600_000).default(1000).describe('First restart delay; doubles per consecutive crash'),
    restart_delay_max_ms: positiveMs(86_400_000).default(60_000).describe('Backoff cap'),
    stable_after_ms: positiveMs(86_400_000).default(10_000).describe('Uptime after which the backoff resets'),
    max_restarts: z.number().int().min(0).default(0).describe('Consecutive restarts before giving up (0 = unlimited)'),
    stop_signal: signalSchema.default('SIGTERM').describe('Signal sent to the process group to stop it'),
    stop_timeout_ms: positiveMs(3_600_000).default(10_000).describe('Time to exit after stop_signal before SIGKILL'),
    health: healthSchema.optional().describe('Health check gating the running state'),
    log: logSpecSchema.default({}).describe('Log file rotation (defaults from the server config)'),
    autostart: z.boolean().default(true).describe('Start when first loaded (later the persisted desired state wins)'),
  })
  .superRefine((v, ctx) => {
    oneCommand(v, ctx);
    if (v.after.includes(v.name)) ctx.addIssue({ code: 'custom', path: ['after'], message: 'a service cannot depend on itself' });
  });

/** A validated service definition with defaults applied. */
export type ServiceDef = z.output<typeof serviceSpecSchema>;

export const jobSpecSchema = z
  .strictObject({
    name: z.string().max(200).optional().describe('Label (default: the command)'),
    ...commandFields,
    stdin: z.string().max(16 * 1024 * 1024).optional().describe("Written to the job's stdin, then closed"),
    timeout_ms: positiveMs(30 * 86_400_000).default(0).describe('Per-attempt timeout; 0 = none'),
    retries: z.number().int().min(0).max(100).default(0).describe('Extra attempts after a failure or timeout'),
    context: z.string().max(200).optional().describe('Free label (e.g. the caller\'s context); when a valid name, also the default secret context'),
  })
  .superRefine(oneCommand);

export type JobDef = z.output<typeof jobSpecSchema>;

export const scheduleSpecSchema = z.strictObject({
  name: nameSchema.describe('Schedule name'),
  cron: z
    .string()
    .min(1)
    .superRefine((expr, ctx) => {
      const err = cronError(expr);
      if (err) ctx.addIssue({ code: 'custom', message: `invalid cron expression "${expr}": ${err}` });
    })
    .describe('Cron expression (5 or 6 fields)'),
  timezone: z
    .string()
    .optional()
    .superRefine((tz, ctx) => {
      if (tz === undefined) return;
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
      } catch {
        ctx.addIssue({ code: 'custom', message: `unknown time zone "${tz}"` });
      }
    })
    .describe('IANA time zone'),
  job: jobSpecSchema.describe('The job created at each firing'),
  enabled: z.boolean().default(true).describe('Whether it fires'),
  no_overlap: z.boolean().default(true).describe("Skip a firing while the previous job still runs"),
});

export type ScheduleDef = z.output<typeof scheduleSpecSchema>;

/** Croner's complaint about `expr`, or undefined when it is valid. */
export function cronError(expr: string): string | undefined {
  try {
    const c = new Cron(expr, { paused: true });
    c.stop();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Effective restart policy (oneshots default to on-failure). */
export function restartPolicy(def: ServiceDef): 'always' | 'on-failure' | 'never' {
  return def.restart ?? (def.oneshot ? 'on-failure' : 'always');
}

/** `{ENV: "ctx/key"}` / `["KEY"]` → list of {env, context, key}. */
export function secretRefs(
  refs: Record<string, string> | string[] | undefined,
  defaultContext: string,
): { env: string; context: string; key: string }[] {
  if (!refs) return [];
  const entries: [string, string][] = Array.isArray(refs) ? refs.map((k) => [k, k]) : Object.entries(refs);
  return entries.map(([env, ref]) => {
    const slash = ref.indexOf('/');
    return slash === -1 ? { env, context: defaultContext, key: ref } : { env, context: ref.slice(0, slash), key: ref.slice(slash + 1) };
  });
}
