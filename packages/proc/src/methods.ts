/** hero_proc's JSON-RPC methods (DESIGN §5.1). */
import { method, type RpcMethod } from '@hero/core';
import type { Logger } from './logger.js';
import { z } from 'zod';
import type { JobManager } from './job-manager.js';
import type { LogHub } from './log-hub.js';
import type { ScheduleManager } from './schedule-manager.js';
import type { SecretStore } from './secrets.js';
import type { ServiceManager } from './service-manager.js';
import { normalizeSignal } from './signals.js';
import {
  jobSchema,
  linesSchema,
  scheduleSchema,
  serviceDetailSchema,
  serviceStatsSchema,
  serviceStatusSchema,
} from './schemas.js';
import { jobSpecSchema, nameSchema, scheduleSpecSchema, secretKeySchema, serviceSpecSchema } from './spec.js';
import { JOB_STATES } from './client.js';

export interface MethodDeps {
  services: ServiceManager;
  jobs: JobManager;
  schedules: ScheduleManager;
  secrets: SecretStore;
  hub: LogHub;
  info: () => Record<string, unknown>;
  logger?: Logger | undefined;
}

const byName = z.object({ name: nameSchema.describe('Service name') });
const byId = z.object({ id: z.string().min(1).describe('Job id') });
const secretKey = secretKeySchema.describe('Secret key');
const context = nameSchema.default('default').describe('Secret context');
const stream = z.enum(['stdout', 'stderr']).optional().describe('Only this stream');
const signalParam = z
  .string()
  .optional()
  .superRefine((s, ctx) => {
    if (s !== undefined && !normalizeSignal(s)) ctx.addIssue({ code: 'custom', message: `unknown signal "${s}"` });
  })
  .describe('Signal name (default SIGTERM)');

/** `svc:<name>` / `job:<id>`; a bare name means a service. */
function sourceId(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  return s.startsWith('svc:') || s.startsWith('job:') ? s : `svc:${s}`;
}

function dropUndefined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function buildMethods(d: MethodDeps): Record<string, RpcMethod<any, any>> {
  const { services, jobs, schedules, secrets, hub } = d;
  return {
    'service.list': method({
      summary: 'Every service with its status',
      params: z.object({}),
      result: z.object({ services: z.array(serviceStatusSchema) }),
      handler: () => ({ services: services.list() }),
    }),
    'service.get': method({
      summary: 'A service definition, its file and status',
      params: byName,
      result: serviceDetailSchema,
      handler: ({ name }) => services.detail(name),
    }),
    'service.set': method({
      summary: 'Create or replace a service (written to <config_dir>/<name>.toml); a new autostart service starts',
      params: serviceSpecSchema,
      result: serviceDetailSchema,
      // params were parsed by this same schema: set() does not validate them again
      handler: (spec) => services.set(dropUndefined(spec as Record<string, unknown>), spec),
    }),
    'service.delete': method({
      summary: 'Stop a service and remove its definition',
      params: byName,
      result: z.object({ deleted: z.boolean() }),
      handler: ({ name }) => services.delete(name),
    }),
    'service.start': method({
      summary: 'Mark a service up and start it (with its dependencies)',
      params: byName,
      result: serviceStatusSchema,
      handler: ({ name }) => services.start(name),
    }),
    'service.stop': method({
      summary: 'Mark a service down and stop its whole process group',
      params: byName,
      result: serviceStatusSchema,
      handler: ({ name }) => services.stop(name),
    }),
    'service.restart': method({
      summary: 'Stop then start a service (resets its backoff)',
      params: byName,
      result: serviceStatusSchema,
      handler: ({ name }) => services.restart(name),
    }),
    'service.kill': method({
      summary: "Send a signal to a service's process group (its restart policy applies)",
      params: z.object({ name: nameSchema, signal: signalParam }),
      result: serviceStatusSchema,
      handler: ({ name, signal }) => services.kill(name, normalizeSignal(signal ?? 'SIGTERM')!),
    }),
    'service.status': method({
      summary: 'Status of one service',
      params: byName,
      result: serviceStatusSchema,
      handler: ({ name }) => services.status(name),
    }),
    'service.stats': method({
      summary: 'CPU %, RSS, children, uptime and restarts of a service (from /proc)',
      params: byName,
      result: serviceStatsSchema,
      handler: async ({ name }) => (await services.stats(name))[0]!,
    }),
    'service.logs': method({
      summary: 'Recent output lines of a service (ring buffer)',
      params: z.object({
        name: nameSchema,
        lines: z.number().int().min(1).max(1_000_000).default(100).describe('How many lines'),
        after_seq: z.number().int().min(0).optional().describe('Only lines after this sequence number'),
        stream,
      }),
      result: linesSchema,
      handler: ({ name, lines, after_seq, stream: s }) => {
        services.status(name);
        return { lines: hub.tail(`svc:${name}`, lines, after_seq, s) };
      },
    }),
    'job.create': method({
      summary: 'Start a one-off job (exec or cmd) with optional timeout, retries, stdin',
      params: jobSpecSchema,
      result: jobSchema,
      handler: (spec) => jobs.create(spec),
    }),
    'job.get': method({ summary: 'One job', params: byId, result: jobSchema, handler: ({ id }) => jobs.get(id) }),
    'job.list': method({
      summary: 'Jobs, newest first',
      params: z.object({
        state: z.enum(JOB_STATES as [string, ...string[]]).optional(),
        name: z.string().optional(),
        context: z.string().optional(),
        limit: z.number().int().min(1).max(100_000).default(100),
      }),
      result: z.object({ jobs: z.array(jobSchema) }),
      handler: (opts) => ({ jobs: jobs.list(opts as Parameters<JobManager['list']>[0]) }),
    }),
    'job.cancel': method({
      summary: "Cancel a job (its whole process group is stopped)",
      params: byId,
      result: jobSchema,
      handler: ({ id }) => jobs.cancel(id),
    }),
    'job.wait': method({
      summary: 'Wait until a job finishes (or timeout_ms passes) and return it',
      params: z.object({ id: z.string().min(1), timeout_ms: z.number().int().min(0).optional().describe('Give up waiting after this long') }),
      result: jobSchema,
      handler: ({ id, timeout_ms }, call) => jobs.wait(id, timeout_ms, call.signal),
    }),
    'job.logs': method({
      summary: "A job's output lines",
      params: byId,
      result: linesSchema,
      handler: async ({ id }) => ({ lines: await jobs.logs(id) }),
    }),
    'schedule.set': method({
      summary: 'Create or replace a cron schedule that creates a job at each firing',
      params: scheduleSpecSchema,
      result: scheduleSchema,
      handler: (spec) => schedules.set(spec),
    }),
    'schedule.list': method({
      summary: 'Every schedule with its next run',
      params: z.object({}),
      result: z.object({ schedules: z.array(scheduleSchema) }),
      handler: () => ({ schedules: schedules.list() }),
    }),
    'schedule.delete': method({
      summary: 'Remove a schedule',
      params: z.object({ name: nameSchema }),
      result: z.object({ deleted: z.boolean() }),
      handler: ({ name }) => schedules.delete(name),
    }),
    'secret.set': method({
      summary: 'Store a secret (never logged)',
      params: z.object({ context, key: secretKey, value: z.string().max(1024 * 1024) }),
      result: z.object({ context: z.string(), key: z.string() }),
      handler: async ({ context: c, key, value }) => {
        await secrets.set(c, key, value);
        d.logger?.info({ context: c, key }, 'secret set');
        return { context: c, key };
      },
    }),
    'secret.get': method({
      summary: 'Read a secret value',
      params: z.object({ context, key: secretKey }),
      result: z.object({ context: z.string(), key: z.string(), value: z.string() }),
      handler: ({ context: c, key }) => ({ context: c, key, value: secrets.get(c, key) }),
    }),
    'secret.list': method({
      summary: 'Secret keys (never values), optionally of one context',
      params: z.object({ context: nameSchema.optional() }),
      result: z.object({ secrets: z.array(z.object({ context: z.string(), key: z.string() })) }),
      handler: ({ context: c }) => ({ secrets: secrets.list(c) }),
    }),
    'secret.delete': method({
      summary: 'Remove a secret',
      params: z.object({ context, key: secretKey }),
      result: z.object({ deleted: z.boolean() }),
      handler: async ({ context: c, key }) => {
        const deleted = await secrets.delete(c, key);
        if (deleted) d.logger?.info({ context: c, key }, 'secret deleted');
        return { deleted };
      },
    }),
    'log.tail': method({
      summary: 'The last lines of one source (svc:<name>, job:<id>, or a service name) or of all, merged by time',
      params: z.object({
        source: z.string().optional(),
        lines: z.number().int().min(1).max(1_000_000).default(100),
      }),
      result: linesSchema,
      handler: ({ source, lines }) => {
        const src = sourceId(source);
        return { lines: hub.tail(src, lines).map((l) => ({ ...l, source: l.source ?? src })) };
      },
    }),
    'log.query': method({
      summary: 'Search output lines (one service: its log files; otherwise the ring buffers)',
      params: z.object({
        source: z.string().optional(),
        grep: z
          .string()
          .optional()
          .superRefine((g, ctx) => {
            const m = g && /^\/(.*)\/([a-z]*)$/s.exec(g);
            if (!m) return;
            try {
              new RegExp(m[1]!, m[2]!.replace(/[gy]/g, ''));
            } catch (err) {
              ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(err as Error).message}` });
            }
          })
          .describe('Substring (case-insensitive) or /regex/flags'),
        stream,
        since: z.string().optional().describe('ISO timestamp'),
        until: z.string().optional().describe('ISO timestamp'),
        limit: z.number().int().min(1).max(1_000_000).default(1000),
      }),
      result: linesSchema,
      handler: async (q) => ({ lines: await hub.query({ ...q, source: sourceId(q.source) } as Parameters<LogHub['query']>[0]) }),
    }),
    'system.ping': method({ summary: 'Liveness', params: z.object({}), result: z.object({ pong: z.literal(true) }), handler: () => ({ pong: true as const }) }),
    'system.info': method({
      summary: 'Version, pid, uptime, directories and counts',
      params: z.object({}),
      result: z.record(z.string(), z.unknown()),
      handler: () => d.info(),
    }),
  };
}
