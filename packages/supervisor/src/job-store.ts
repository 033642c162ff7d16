import type { Redis } from 'ioredis';
import { ConflictError, NotFoundError } from '@hero/core';
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

interface PendingCreate {
  job: Omit<Job, 'status' | 'attempts' | 'created_at' | 'updated_at'>;
  key: string;
  iso: string;
  ms: number;
  status: JobStatus;
  dispatch: boolean;
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
  async create(job: Omit<Job, 'status' | 'attempts' | 'created_at' | 'updated_at'>, dispatch: boolean, fresh = false): Promise<Job> {
    const key = this.k.job(job.id);
    // `fresh`: the id was just generated here, so it cannot exist yet
    if (!fresh && (await this.redis.exists(key))) throw new ConflictError(`job ${job.id} already exists`);
    const now = new Date();
    const iso = now.toISOString();
    const status: JobStatus = dispatch ? 'dispatched' : 'created';
    await new Promise<void>((resolve, reject) => {
      this.pending.push({ job, key, iso, ms: now.getTime(), status, dispatch, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => void this.flushCreates());
    });
    return { ...job, created_at: iso, updated_at: iso, status, attempts: 0 };
  }

  /** Creates waiting in this tick, written in one MULTI (a JSON-RPC batch becomes one round trip). */
  private pending: PendingCreate[] = [];

  private async flushCreates(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const m = this.redis.multi();
    for (const p of batch) {
      const { job } = p;
      m.hset(p.key, {
        id: job.id,
        caller_id: job.caller_id,
        context_id: job.context_id,
        payload: job.payload,
        runner: job.runner,
        executor: job.executor,
        timeout: String(job.timeout),
        env_vars: JSON.stringify(job.env_vars),
        created_at: p.iso,
        updated_at: p.iso,
        status: p.status,
        attempts: '0',
      });
      m.zadd(this.k.jobIndex, p.ms, job.id);
      if (p.dispatch) m.rpush(this.k.workQueue(job.runner), job.id);
    }
    let res: [Error | null, unknown][] | null;
    try {
      res = await m.exec();
      if (!res) throw new Error('transaction aborted');
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    let at = 0;
    for (const p of batch) {
      const n = p.dispatch ? 3 : 2;
      const err = res.slice(at, at + n).find(([e]) => e)?.[0];
      at += n;
      if (err) p.reject(err);
      else p.resolve();
    }
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
