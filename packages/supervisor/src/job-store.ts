import type { Redis } from 'ioredis';
import { ConflictError, NotFoundError } from '@hero/core';
import type { NewJob } from './job-input.js';
import type { Keys } from './keys.js';
import { FINAL_STATUSES, type Job, type JobResult, type JobStatus, type JobStatusInfo } from './types.js';

/** Turns a job hash into a Job; undefined for a missing or foreign key. */
export function parseJob(h: Record<string, string>): Job | undefined {
  if (!h.id || !h.status || h.runner === undefined) return undefined;
  let env: Record<string, string> = {};
  try {
    env = h.env_vars ? (JSON.parse(h.env_vars) as Record<string, string>) : {};
  } catch {
    env = {};
  }
  const job: Job = {
    id: h.id,
    caller_id: h.caller_id ?? '',
    context_id: h.context_id ?? '',
    payload: h.payload ?? '',
    runner: h.runner,
    executor: h.executor ?? '',
    timeout: Number(h.timeout ?? 0),
    env_vars: env,
    created_at: h.created_at ?? '',
    updated_at: h.updated_at ?? '',
    status: h.status as JobStatus,
    attempts: Number(h.attempts ?? 0),
  };
  if (h.result !== undefined) job.result = h.result;
  if (h.error !== undefined) job.error = h.error;
  if (h.started_at) job.started_at = h.started_at;
  if (h.finished_at) job.finished_at = h.finished_at;
  return job;
}

export function isFinal(status: string | null | undefined): boolean {
  return !!status && (FINAL_STATUSES as readonly string[]).includes(status);
}

/** The JobResult of a job in a final status. */
export function resultOf(job: Pick<Job, 'status' | 'result' | 'error' | 'id'>): JobResult {
  if (job.status === 'finished') return { success: job.result ?? '' };
  return { error: job.error || `job ${job.id} ${job.status}` };
}

export function statusInfo(job: Job): JobStatusInfo {
  const out: JobStatusInfo = {
    job_id: job.id,
    status: job.status,
    runner: job.runner,
    attempts: job.attempts,
    created_at: job.created_at,
    updated_at: job.updated_at,
  };
  if (job.started_at) out.started_at = job.started_at;
  if (job.finished_at) out.finished_at = job.finished_at;
  return out;
}

interface NewEntry {
  job: NewJob;
  status: JobStatus;
  /** Set by the write. */
  iso?: string;
}

interface PendingCreate extends NewEntry {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Job hash operations shared by the RPC methods, the reaper and tests. */
export class JobStore {
  constructor(
    readonly redis: Redis,
    readonly k: Keys,
    private readonly replyTtlSecs: number,
  ) {}

  /** Stores a new job (status `created`, or `dispatched` and queued when `dispatch`). */
  async create(job: NewJob, dispatch: boolean, fresh = false): Promise<Job> {
    // `fresh`: the id was just generated here, so it cannot exist yet
    if (!fresh && (await this.redis.exists(this.k.job(job.id)))) throw new ConflictError(`job ${job.id} already exists`);
    const status: JobStatus = dispatch ? 'dispatched' : 'created';
    const entry: PendingCreate = { job, status, resolve: () => {}, reject: () => {} };
    await new Promise<void>((resolve, reject) => {
      entry.resolve = resolve;
      entry.reject = reject;
      this.pending.push(entry);
      if (this.pending.length === 1) setImmediate(() => void this.flushCreates());
    });
    const iso = entry.iso!;
    return { ...job, created_at: iso, updated_at: iso, status, attempts: 0 };
  }

  /**
   * Stores many new jobs in one round trip (their ids must be new: generated or checked).
   * Throws the first error; with scripts nothing is written then.
   */
  async createMany(jobs: readonly NewJob[], dispatch: boolean): Promise<void> {
    if (jobs.length === 0) return;
    const status: JobStatus = dispatch ? 'dispatched' : 'created';
    const errors = await this.write(jobs.map((job) => ({ job, status })));
    const err = errors.find((e) => e);
    if (err) throw err;
  }

  /** Creates waiting in this tick, written together (a JSON-RPC batch becomes one round trip). */
  private pending: PendingCreate[] = [];

  /** Set by `useScripts` when the server runs Lua: a write becomes one script call. */
  private addScript = false;

  /**
   * Creates go out as one script call per write when the server runs Lua scripts (one command
   * instead of three per job); otherwise as one MULTI. Returns whether scripts are used.
   */
  async useScripts(): Promise<boolean> {
    try {
      const ok = await this.redis.eval('return 1', 0);
      if (ok !== 1) return false;
    } catch {
      return false;
    }
    if (!('heroAddJobs' in this.redis)) this.redis.defineCommand('heroAddJobs', { numberOfKeys: 1, lua: ADD_JOBS });
    this.addScript = true;
    return true;
  }

  private async flushCreates(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    let errors: (Error | undefined)[];
    try {
      errors = await this.write(batch);
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    batch.forEach((p, i) => (errors[i] ? p.reject(errors[i]) : p.resolve()));
  }

  /** Writes new jobs: hash, index entry, queue entry. Per-job errors (a whole-write failure throws). */
  private async write(batch: readonly NewEntry[]): Promise<(Error | undefined)[]> {
    const now = new Date();
    const iso = now.toISOString();
    const ms = now.getTime();
    for (const e of batch) e.iso = iso;
    if (this.addScript) {
      const args: string[] = [this.k.job(''), this.k.workQueue(''), String(ms), iso];
      for (const { job, status } of batch) {
        args.push(job.id, job.caller_id, job.context_id, job.payload, job.runner, job.executor, String(job.timeout), JSON.stringify(job.env_vars), status);
      }
      await (this.redis as unknown as { heroAddJobs(index: string, ...args: string[]): Promise<unknown> }).heroAddJobs(this.k.jobIndex, ...args);
      return batch.map(() => undefined);
    }
    const m = this.redis.multi();
    for (const { job, status } of batch) {
      m.hset(this.k.job(job.id), {
        id: job.id,
        caller_id: job.caller_id,
        context_id: job.context_id,
        payload: job.payload,
        runner: job.runner,
        executor: job.executor,
        timeout: String(job.timeout),
        env_vars: JSON.stringify(job.env_vars),
        created_at: iso,
        updated_at: iso,
        status,
        attempts: '0',
      });
      m.zadd(this.k.jobIndex, ms, job.id);
      if (status === 'dispatched') m.rpush(this.k.workQueue(job.runner), job.id);
    }
    const res = await m.exec();
    if (!res) throw new Error('transaction aborted');
    let at = 0;
    return batch.map(({ status }) => {
      const n = status === 'dispatched' ? 3 : 2;
      const err = res.slice(at, at + n).find(([e]) => e)?.[0];
      at += n;
      return err ?? undefined;
    });
  }

  async get(id: string): Promise<Job> {
    const job = parseJob(await this.redis.hgetall(this.k.job(id)));
    if (!job) throw new NotFoundError(`no job ${id}`);
    return job;
  }

  /** Queues a created (or ended) job; a queued or running one is a conflict. */
  async dispatch(id: string): Promise<void> {
    const [status, runner] = (await this.redis.hmget(this.k.job(id), 'status', 'runner')) as [string | null, string | null];
    if (!status || runner === null || runner === undefined) throw new NotFoundError(`no job ${id}`);
    if (status === 'dispatched' || status === 'started') throw new ConflictError(`job ${id} is already ${status}`);
    const m = this.redis.multi();
    m.hset(this.k.job(id), { status: 'dispatched', updated_at: new Date().toISOString(), attempts: '0' });
    m.hdel(this.k.job(id), 'result', 'error', 'started_at', 'finished_at', 'worker');
    m.del(this.k.reply(id));
    m.rpush(this.k.workQueue(runner), id);
    await exec(m);
  }

  /** Writes a final status and announces it (reply list + done channel). */
  async finish(
    id: string,
    status: JobStatus,
    out: { result?: string; error?: string },
    extra?: (m: ReturnType<Redis['multi']>) => void,
    results?: (res: unknown[]) => void,
  ): Promise<void> {
    const iso = new Date().toISOString();
    const key = this.k.job(id);
    const m = this.redis.multi();
    const fields: Record<string, string> = { status, updated_at: iso, finished_at: iso };
    if (out.result !== undefined) fields.result = out.result;
    if (out.error !== undefined) fields.error = out.error;
    m.hset(key, fields);
    const reply = JSON.stringify(status === 'finished' ? { success: out.result ?? '' } : { error: out.error ?? status });
    m.del(this.k.reply(id));
    m.lpush(this.k.reply(id), reply);
    m.expire(this.k.reply(id), this.replyTtlSecs);
    m.publish(this.k.doneChannel, id);
    extra?.(m);
    const res = await exec(m);
    results?.(res);
  }

  /** Ids in the index, newest first, `offset`…`offset+count`. */
  async ids(offset: number, count: number): Promise<string[]> {
    return this.redis.zrevrange(this.k.jobIndex, offset, offset + count - 1);
  }

  async getMany(ids: string[]): Promise<Job[]> {
    if (ids.length === 0) return [];
    const p = this.redis.pipeline();
    for (const id of ids) p.hgetall(this.k.job(id));
    const res = (await p.exec()) ?? [];
    const out: Job[] = [];
    for (const [err, h] of res) {
      if (err) throw err;
      const job = parseJob(h as Record<string, string>);
      if (job) out.push(job);
    }
    return out;
  }

  /** Removes a job: hash, index entry, queue entry, reply list. */
  async delete(job: Job): Promise<void> {
    const m = this.redis.multi();
    m.del(this.k.job(job.id));
    m.zrem(this.k.jobIndex, job.id);
    m.lrem(this.k.workQueue(job.runner), 0, job.id);
    m.del(this.k.reply(job.id));
    await exec(m);
  }
}

/** Runs a MULTI and throws the first command error. */
export async function exec(m: ReturnType<Redis['multi']>): Promise<unknown[]> {
  const res = await m.exec();
  if (!res) throw new Error('transaction aborted');
  const out: unknown[] = [];
  for (const [err, v] of res) {
    if (err) throw err;
    out.push(v);
  }
  return out;
}

// Stores a tick's new jobs: hash, index entry and (for dispatched ones) the runner's queue.
// Key types are checked first so a bad key fails the call before anything is written.
const ADD_JOBS = `
local index, prefix, qprefix, ms, iso = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local t = redis.call('TYPE', index)['ok']
if t ~= 'none' and t ~= 'zset' then return redis.error_reply('WRONGTYPE ' .. index .. ' is not a sorted set') end
local seen = {}
for i = 5, #ARGV, 9 do
  local q = qprefix .. ARGV[i + 4]
  if not seen[q] then
    seen[q] = true
    local qt = redis.call('TYPE', q)['ok']
    if qt ~= 'none' and qt ~= 'list' then return redis.error_reply('WRONGTYPE ' .. q .. ' is not a list') end
  end
end
for i = 5, #ARGV, 9 do
  local id, status = ARGV[i], ARGV[i + 8]
  redis.call('HSET', prefix .. id, 'id', id, 'caller_id', ARGV[i + 1], 'context_id', ARGV[i + 2], 'payload', ARGV[i + 3],
    'runner', ARGV[i + 4], 'executor', ARGV[i + 5], 'timeout', ARGV[i + 6], 'env_vars', ARGV[i + 7],
    'created_at', iso, 'updated_at', iso, 'status', status, 'attempts', '0')
  redis.call('ZADD', index, ms, id)
  if status == 'dispatched' then redis.call('RPUSH', qprefix .. ARGV[i + 4], id) end
end
return 1`;
