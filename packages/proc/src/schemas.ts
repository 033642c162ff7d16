/** Result schemas of the RPC methods (documentation in openrpc.json; mirror the client types). */
import { z } from 'zod';
import { JOB_STATES, SERVICE_STATES } from './client.js';
import { jobSpecSchema } from './spec.js';

export const serviceStatusSchema = z.object({
  name: z.string(),
  state: z.enum(SERVICE_STATES as [string, ...string[]]),
  desired: z.enum(['up', 'down']),
  pid: z.number().nullable(),
  restarts: z.number(),
  exit_code: z.number().nullable(),
  exit_signal: z.string().nullable(),
  started_at: z.string().nullable(),
  since: z.string(),
  next_restart_at: z.string().nullable(),
  health: z.enum(['none', 'unknown', 'ok', 'failing']),
  error: z.string().nullable(),
  oneshot: z.boolean(),
  autostart: z.boolean(),
});

export const serviceDetailSchema = z.object({
  spec: z.record(z.string(), z.unknown()),
  file: z.string(),
  status: serviceStatusSchema,
});

export const serviceStatsSchema = z.object({
  name: z.string(),
  pid: z.number().nullable(),
  state: z.string(),
  cpu_percent: z.number(),
  rss_bytes: z.number(),
  children: z.number(),
  uptime_ms: z.number(),
  restarts: z.number(),
});

export const logLineSchema = z.object({
  ts: z.string(),
  stream: z.enum(['stdout', 'stderr']),
  line: z.string(),
  seq: z.number().optional(),
  source: z.string().optional(),
});

export const linesSchema = z.object({ lines: z.array(logLineSchema) });

export const jobSchema = z.object({
  id: z.string(),
  name: z.string(),
  state: z.enum(JOB_STATES as [string, ...string[]]),
  exit_code: z.number().nullable(),
  attempts: z.number(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  pid: z.number().nullable().optional(),
  error: z.string().nullable().optional(),
  context: z.string().nullable().optional(),
  schedule: z.string().nullable().optional(),
});

export const scheduleSchema = z.object({
  name: z.string(),
  cron: z.string(),
  timezone: z.string().optional(),
  job: jobSpecSchema,
  enabled: z.boolean().optional(),
  no_overlap: z.boolean().optional(),
  next_run: z.string().nullable(),
  last_run: z.string().nullable(),
  last_job: z.string().nullable(),
});
