import { z } from 'zod';
import { HeroError, NotFoundError, method, type RpcMethod } from '@hero/core';
import type { Config } from './config.js';
import { jobInputSchema, jobResultSchema, jobSchema, jobStatusSchema, JOB_ID } from './job-schema.js';
import { newJob, type NewJob } from './job-input.js';
import { isFinal, resultOf, statusInfo, type JobStore } from './job-store.js';
import type { Keys } from './keys.js';
import { withRedis } from './redis.js';
import type { RunnerRegistry } from './registry.js';
import type { Secrets } from './secrets.js';
import { EXECUTORS, SECRET_ROLES, type Job, type JobResult, type SupervisorInfo } from './types.js';
import type { Waiters } from './waiters.js';

/** Why a transport cut a call short while its caller still waits (the bus call cap, a stopping supervisor); undefined when the caller left. */
function cutShort(signal: AbortSignal): HeroError | undefined {
  const reason: unknown = signal.aborted ? signal.reason : undefined;
  return reason instanceof HeroError && (reason.code === 'HERO_TIMEOUT' || reason.code === 'HERO_UNAVAILABLE') ? reason : undefined;
}

export interface MethodDeps {
  config: Config;
  store: JobStore;
  k: Keys;
  secrets: Secrets;
  registry: RunnerRegistry;
  waiters: Waiters;
  info: () => SupervisorInfo;
}

/** `jobs.list` scans at most this many of the newest jobs per call, in pages of LIST_SCAN_PAGE. */
const LIST_SCAN_MAX = 20_000;
const LIST_SCAN_PAGE = 200;
/** A `jobs.list` reply stops before the jobs' payloads, results and errors pass this size. */
export const LIST_MAX_BYTES = 16 * 1024 * 1024;

const secret = z.string().optional().describe('Caller secret (admin, user or register)');
const runnerName = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'runner names use A-Z a-z 0-9 . _ - (1-64 chars)');
const jobId = z.string().regex(JOB_ID, 'not a job id').describe('Job id');
const role = z.enum(SECRET_ROLES as [string, ...string[]]).describe('admin, user or register');

const runnerStatusSchema = z.object({
  name: z.string(),
  manager: z.enum(['simple', 'proc', 'external']),
  state: z.string(),
  pid: z.number().optional(),
  restarts: z.number(),
  instances: z.number(),
  queued: z.number(),
  processing: z.number(),
});
const logLineSchema = z.object({ ts: z.string(), stream: z.enum(['stdout', 'stderr', 'system']), line: z.string() });
const fingerprints = z.object({ count: z.number(), fingerprints: z.array(z.string()) });

/** Every RPC method of hero_supervisor (DESIGN §5.4, the seeds' names and params). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function supervisorMethods(d: MethodDeps): Record<string, RpcMethod<any, any>> {
  const { config, store, secrets, registry, waiters } = d;

  /** Validates a submitted job against limits and the runner registry; fills defaults. */
  async function prepare(input: z.output<typeof jobInputSchema>): Promise<NewJob> {
    const job = newJob(input, { maxPayloadBytes: config.max_payload_bytes, defaultTimeout: config.default_timeout });
    if (!(await registry.exists(input.runner))) throw new NotFoundError(`unknown runner ${input.runner}`);
    if (registry.isBuiltin(input.runner) && !(EXECUTORS as readonly string[]).includes(input.executor)) {
      throw new HeroError('HERO_INVALID', `unsupported executor "${input.executor}" (expected ${EXECUTORS.join(', ')})`, { rpcCode: -32602 });
    }
    return job;
  }

  return {
    // ---- runners ------------------------------------------------------------------------
    register_runner: method({
      summary: 'Registers a runner that runs elsewhere (register or admin secret)',
      params: z.object({ secret, name: runnerName.describe('Runner name'), queue: z.string().optional().describe('Queue name (always the runner name here)') }),
      result: z.null(),
      handler: async (p, call) => {
        secrets.authorize(p.secret, 'register', call);
        await withRedis(() => registry.register(p.name, p.queue));
        return null;
      },
    }),
    remove_runner: method({
      summary: 'Forgets a runner (stops it when managed here)',
      params: z.object({ secret, name: runnerName }),
      result: z.null(),
      handler: async (p, call) => {
        secrets.authorize(p.secret, 'admin', call);
        await withRedis(() => registry.remove(p.name));
        return null;
      },
    }),
    list_runners: method({
      summary: 'Names of every known runner',
      params: z.object({ secret }),
      result: z.array(z.string()),
      handler: async (p, call) => {
        secrets.authorize(p.secret, 'read', call);
        await withRedis(() => registry.refresh());
        return registry.names();
      },
    }),
    start_runner: method({
      summary: 'Starts a managed runner',
      params: z.object({ secret, name: runnerName }),
      result: z.null(),
      handler: async (p, call) => {
        secrets.authorize(p.secret, 'admin', call);
        await registry.start(p.name);
        return null;
      },
    }),
    stop_runner: method({
      summary: 'Stops a managed runner (its running jobs finish or go back to the queue)',
      params: z.object({ secret, name: runnerName }),
      result: z.null(),
      handler: async (p, call) => {
        secrets.authorize(p.secret, 'admin', call);
        await registry.stop(p.name);
        return null;
      },
    }),
    get_runner_status: method({
      summary: 'Process state, live instances and queue depth of a runner',
      params: z.object({ secret, name: runnerName }),
      result: runnerStatusSchema,
      handler: async (p, call) => {
        secrets.authorize(p.secret, 'read', call);
        return withRedis(() => registry.status(p.name));
      },
    }),
    get_runner_logs: method({
      summary: 'Recent output of a managed runner',
      params: z.object({ secret, name: runnerName, lines: z.number().int().min(1).max(1000).default(100) }),
      result: z.array(logLineSchema),
      handler: async (p, call) => {
        secrets.authorize(p.secret, 'admin', call);
        return registry.logs(p.name, p.lines);
      },
    }),
    get_all_runner_status: method({
      summary: 'Status of every runner',
      params: z.object({ secret }),
      result: z.array(runnerStatusSchema),
      handler: async (p, call) => {
        secrets.authorize(p.secret, 'read', call);
        return withRedis(async () => {
          await registry.refresh();
          return Promise.all(registry.names().map((n) => registry.status(n)));
        });
      },
    }),
    start_all: method({
      summary: 'Starts every managed runner',
      params: z.object({ secret }),
      result: z.null(),
      handler: async (p, call) => {
        secrets.authorize(p.secret, 'admin', call);
        await registry.startAll(true);
        return null;
      },
    }),
    stop_all: method({
      summary: 'Stops every managed runner',
      params: z.object({ secret }),
      result: z.null(),
      handler: async (p, call) => {
        secrets.authorize(p.secret, 'admin', call);
        await registry.stopAll();
        return null;
      },
    }),

    // ---- jobs ---------------------------------------------------------------------------
    'jobs.create': method({
      summary: 'Stores a job (status created); with start = true it is queued at once',
      params: z.object({ secret, job: jobInputSchema, start: z.boolean().default(false).describe('Queue it now (status dispatched)') }),
      result: z.string().describe('job_id'),
      handler: async (p, call) => {
        secrets.authorize(p.secret, 'jobs', call);
        return withRedis(async () => (await store.create(await prepare(p.job), p.start)).id);
      },
    }),
    'jobs.list': method({
      summary: 'Jobs, newest first, optionally of one runner or status; a reply stops before 16 MiB of job data',
      params: z.object({
        secret,
        runner: runnerName.optional(),
        status: jobStatusSchema.optional(),
        limit: z.number().int().min(1).max(1000).default(100),
        offset: z.number().int().min(0).default(0),
      }),
      result: z.array(jobSchema),
      handler: async (p, call) => {
        secrets.authorize(p.secret, 'jobs', call);
        return withRedis(async () => {
          if (!p.runner && !p.status) return (await store.page(await store.ids(p.offset, p.limit), LIST_MAX_BYTES)).jobs;
          // filtered: only the two fields the filter needs for each scanned job, whole jobs for the reply
          const out: Job[] = [];
          let bytes = 0;
          let skipped = 0;
          for (let at = 0; out.length < p.limit && at < LIST_SCAN_MAX; ) {
            const ids = await store.ids(at, Math.min(LIST_SCAN_PAGE, LIST_SCAN_MAX - at));
            at += ids.length;
            const want: string[] = [];
            for (const [i, [runner, status]] of (await store.fields(ids, ['runner', 'status'])).entries()) {
              if (runner == null || !status) continue;
              if ((p.runner && runner !== p.runner) || (p.status && status !== p.status)) continue;
              if (skipped < p.offset) skipped++;
              else if (out.length + want.length < p.limit) want.push(ids[i]!);
            }
            const got = await store.page(want, LIST_MAX_BYTES - bytes, out.length === 0);
            bytes += got.bytes;
            // a job that changed between the two reads is left out
            for (const job of got.jobs) if ((!p.runner || job.runner === p.runner) && (!p.status || job.status === p.status)) out.push(job);
            if (got.full || ids.length < LIST_SCAN_PAGE) break;
          }
          return out;
        });
      },
    }),
    'job.run': method({
      summary: 'Queues a job and waits for its outcome: {success} or {error}',
      params: z.object({ secret, job: jobInputSchema }),
      result: jobResultSchema,
      handler: async (p, call): Promise<JobResult> => {
        secrets.authorize(p.secret, 'jobs', call);
        const job = await withRedis(async () => prepare(p.job));
        const waitMs = job.timeout > 0 ? (job.timeout + 30) * 1000 : 0;
        const w = waiters.wait(job.id, waitMs, call.signal);
        try {
          await withRedis(() => store.create(job, true));
        } catch (err) {
          w.cancel();
          throw err;
        }
        const done = await w.promise;
        if (done) return resultOf(done);
        // the bus cut the wait (its call cap, or the supervisor stopping): the caller still waits,
        // and must not read a failed job
        const cut = cutShort(call.signal);
        if (cut) {
          throw new HeroError(cut.code, `job ${job.id} is still running (${cut.message}); ask job.result for its outcome`, {
            data: { job_id: job.id },
          });
        }
        if (call.signal.aborted) return { error: 'caller went away' };
        return withRedis(async () => {
          const now = await store.get(job.id);
          if (isFinal(now.status)) return resultOf(now);
          if (now.status === 'dispatched' && (await store.redis.lrem(d.k.workQueue(job.runner), 1, job.id)) > 0) {
            await store.finish(job.id, 'timeout', { error: `no runner took the job within ${waitMs / 1000} s` });
            return { error: `no runner took the job within ${waitMs / 1000} s` };
          }
          return { error: `job ${job.id} did not end within ${waitMs / 1000} s (status ${now.status})` };
        });
      },
    }),
    'job.start': method({
      summary: 'Queues a created (or ended) job',
      params: z.object({ secret, job_id: jobId }),
      result: z.null(),
      handler: async (p, call) => {
        secrets.authorize(p.secret, 'jobs', call);
        await withRedis(() => store.dispatch(p.job_id));
        return null;
      },
    }),
    'job.stop': method({
      summary: 'Stops a job: taken out of the queue, or its runner aborts it',
      params: z.object({ secret, job_id: jobId }),
      result: z.null(),
      handler: async (p, call) => {
        secrets.authorize(p.secret, 'jobs', call);
        await withRedis(async () => {
          const job = await store.get(p.job_id);
          if (isFinal(job.status)) return;
          if (job.status === 'created') {
            await store.finish(job.id, 'stopped', { error: 'stopped' });
            return;
          }
          if (job.status === 'dispatched' && (await store.redis.lrem(d.k.workQueue(job.runner), 1, job.id)) > 0) {
            await store.finish(job.id, 'stopped', { error: 'stopped' });
            return;
          }
          const m = store.redis.multi();
          m.hset(d.k.job(job.id), 'stop_requested', '1');
          m.lpush(d.k.stopQueue(job.runner), job.id);
          m.expire(d.k.stopQueue(job.runner), 3600);
          await m.exec();
        });
        return null;
      },
    }),
    'job.delete': method({
      summary: 'Deletes a job (stopping it first when it runs)',
      params: z.object({ secret, job_id: jobId }),
      result: z.null(),
      handler: async (p, call) => {
        secrets.authorize(p.secret, 'jobs', call);
        await withRedis(async () => {
          const job = await store.get(p.job_id);
          if (job.status === 'started') {
            // straight to the instance running it: once the hash is gone nobody else can route it
            const worker = await store.redis.hget(d.k.job(job.id), 'worker');
            const queue = worker ? d.k.instanceStopQueue(job.runner, worker) : d.k.stopQueue(job.runner);
            await store.redis.multi().lpush(queue, job.id).expire(queue, 3600).exec();
          }
          await store.delete(job);
        });
        return null;
      },
    }),
    'job.status': method({
      summary: 'Status and timestamps of a job',
      params: z.object({ secret, job_id: jobId }),
      result: z.object({
        job_id: z.string(),
        status: jobStatusSchema,
        runner: z.string(),
        attempts: z.number(),
        created_at: z.string(),
        updated_at: z.string(),
        started_at: z.string().optional(),
        finished_at: z.string().optional(),
      }),
      handler: async (p, call) => {
        secrets.authorize(p.secret, 'jobs', call);
        return statusInfo(await withRedis(() => store.get(p.job_id)));
      },
    }),
    'job.result': method({
      summary: 'Outcome of a job: {success}, {error}, or {pending: status}; can wait up to wait_secs',
      params: z.object({ secret, job_id: jobId, wait_secs: z.number().min(0).max(3600).default(0) }),
      result: z.union([jobResultSchema, z.object({ pending: jobStatusSchema })]),
      handler: async (p, call) => {
        secrets.authorize(p.secret, 'jobs', call);
        let job = await withRedis(() => store.get(p.job_id));
        if (!isFinal(job.status) && p.wait_secs > 0) {
          const w = waiters.wait(job.id, p.wait_secs * 1000, call.signal);
          w.checkNow();
          job = (await w.promise) ?? (await withRedis(() => store.get(p.job_id)));
        }
        return isFinal(job.status) ? resultOf(job) : { pending: job.status };
      },
    }),

    // ---- secrets and info ---------------------------------------------------------------
    add_secret: method({
      summary: 'Adds a secret for a role (admin only); kept as a SHA-256 digest',
      params: z.object({ secret, secret_type: role, secret_value: z.string().min(8).max(1024).describe('The new secret (at least 8 chars)') }),
      result: z.null(),
      handler: async (p, call) => {
        secrets.authorize(p.secret, 'admin', call);
        await withRedis(() => secrets.add(p.secret_type as never, p.secret_value));
        return null;
      },
    }),
    remove_secret: method({
      summary: 'Removes a secret added at run time (admin only)',
      params: z.object({ secret, secret_type: role, secret_value: z.string().min(1).max(1024) }),
      result: z.object({ removed: z.boolean() }),
      handler: async (p, call) => {
        secrets.authorize(p.secret, 'admin', call);
        return { removed: await withRedis(() => secrets.remove(p.secret_type as never, p.secret_value)) };
      },
    }),
    list_secrets: method({
      summary: 'Count and short fingerprints of the secrets of each role (never the secrets)',
      params: z.object({ secret }),
      result: z.object({ admin: fingerprints, user: fingerprints, register: fingerprints }),
      handler: (p, call) => {
        secrets.authorize(p.secret, 'admin', call);
        return secrets.summary();
      },
    }),
    get_supervisor_info: method({
      summary: 'Name, version, namespace, Redis state and runner count',
      params: z.object({ secret }),
      result: z.object({
        name: z.string(),
        version: z.string(),
        namespace: z.string(),
        redis: z.object({ target: z.string(), connected: z.boolean() }),
        runners: z.number(),
        uptime_secs: z.number(),
        open: z.boolean(),
        bus: z.boolean(),
      }),
      handler: () => d.info(),
    }),
  };
}
