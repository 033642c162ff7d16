import type { Redis } from 'ioredis';
import { ConflictError, HeroError, NotFoundError } from '@hero/core';
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

/** What the write did with one job (the codes `ADD_JOBS` returns). */
const WRITTEN = 0;
const TAKEN = 1;
const BAD_QUEUE = 2;
/** How long an id claimed by HSETNX (plain-command writes) lives before its job is written. */
const CLAIM_TTL_MS = 30_000;

/** Job hash operations shared by the RPC methods, the reaper and tests. */
export class JobStore {
  constructor(
    readonly redis: Redis,
    readonly k: Keys,
    private readonly replyTtlSecs: number,
  ) {}

  /**
   * Stores a new job (status `created`, or `dispatched` and queued when `dispatch`). A taken
   * id is a HERO_CONFLICT, checked in the same atomic step as the write.
   */
  async create(job: NewJob, dispatch: boolean): Promise<Job> {
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
   * Stores many new jobs in one round trip, all or none: a taken or repeated id, or a work
   * queue of the wrong type, writes nothing and throws the first such error.
   */
  async createMany(jobs: readonly NewJob[], dispatch: boolean): Promise<void> {
    if (jobs.length === 0) return;
    const status: JobStatus = dispatch ? 'dispatched' : 'created';
    const errors = await this.write(
      jobs.map((job) => ({ job, status })),
      true,
    );
    const err = errors.find((e) => e);
    if (err) throw err;
  }

  /** Creates waiting in this tick, written together (a JSON-RPC batch becomes one round trip). */
  private pending: PendingCreate[] = [];

  /** Set by `useScripts` when the server runs Lua: a write becomes one script call. */
  private addScript = false;

  /**
   * Creates go out as one script call per write when the server runs Lua scripts (one command
   * instead of three per job); otherwise as plain commands. Returns whether scripts are used.
   */
  async useScripts(): Promise<boolean> {
    try {
      const ok = await this.redis.eval('return 1', 0);
      if (ok !== 1) return false;
    } catch {
      return false;
    }
    // the name carries the script's version: an older definition on a shared connection must not be reused
    if (!('heroAddJobs2' in this.redis)) this.redis.defineCommand('heroAddJobs2', { numberOfKeys: 1, lua: ADD_JOBS });
    this.addScript = true;
    return true;
  }

  private async flushCreates(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    let errors: (Error | undefined)[];
    try {
      errors = await this.write(batch, false);
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    batch.forEach((p, i) => (errors[i] ? p.reject(errors[i]) : p.resolve()));
  }

  /**
   * Writes new jobs: hash, index entry, queue entry; each only when its id is free (not taken
   * in Redis nor earlier in the batch) and its queue is a list. Returns per-job errors; with
   * `allOrNone` one error writes nothing. A failure of the whole write (index key, Redis) throws.
   */
  private async write(batch: readonly NewEntry[], allOrNone: boolean): Promise<(Error | undefined)[]> {
    const now = new Date();
    const iso = now.toISOString();
    const ms = now.getTime();
    for (const e of batch) e.iso = iso;
    const outcomes = this.addScript ? await this.writeByScript(batch, allOrNone, ms, iso) : await this.writeByCommands(batch, allOrNone, ms, iso);
    const errors = outcomes.map((o, i) => {
      const { job } = batch[i]!;
      if (o === TAKEN) return new ConflictError(`job ${job.id} already exists`);
      if (o === BAD_QUEUE) return badQueue(this.k.workQueue(job.runner), job.runner);
      return undefined;
    });
    // a job left out because another one of its all-or-none write failed carries that error
    const first = errors.find((e) => e);
    return errors.map((e, i) => (outcomes[i] === 'aborted' ? first : e));
  }

  private async writeByScript(batch: readonly NewEntry[], allOrNone: boolean, ms: number, iso: string): Promise<Outcome[]> {
    const args: string[] = [this.k.job(''), this.k.workQueue(''), String(ms), iso, allOrNone ? '1' : '0'];
    for (const { job, status } of batch) {
      args.push(job.id, job.caller_id, job.context_id, job.payload, job.runner, job.executor, String(job.timeout), JSON.stringify(job.env_vars), status);
    }
    const redis = this.redis as unknown as { heroAddJobs2(index: string, ...args: string[]): Promise<number[]> };
    const codes = await redis.heroAddJobs2(this.k.jobIndex, ...args);
    const failed = codes.some((c) => c !== WRITTEN);
    return codes.map((c) => (allOrNone && failed && c === WRITTEN ? 'aborted' : (c as Outcome)));
  }

  /**
   * Without scripts: each job's id is claimed first with HSETNX on its `id` field (atomic per
   * job, so concurrent creators of one id — on any supervisor — see exactly one winner), then
   * the claimed jobs are written in one MULTI. A claim whose job is not written is released:
   * on the checked paths, and on any error (before the rethrow, best effort). A claim also
   * carries a CLAIM_TTL_MS expiry until the MULTI writes the job (and PERSISTs it), so a
   * supervisor dying in between cannot leave an id-only hash that blocks the id for ever.
   */
  private async writeByCommands(batch: readonly NewEntry[], allOrNone: boolean, ms: number, iso: string): Promise<Outcome[]> {
    const queues = [...new Set(batch.filter((e) => e.status === 'dispatched').map((e) => this.k.workQueue(e.job.runner)))];
    const p = this.redis.pipeline();
    p.type(this.k.jobIndex);
    for (const q of queues) p.type(q);
    for (const { job } of batch) p.hsetnx(this.k.job(job.id), 'id', job.id);
    const res = (await p.exec()) ?? [];
    // claims this call made; each is set back to false once released
    const claimed = batch.map((_, i) => {
      const [err, n] = res[1 + queues.length + i] ?? [new Error('no reply')];
      return !err && n === 1;
    });
    try {
      return await this.writeClaimed(batch, allOrNone, ms, iso, queues, res, claimed);
    } catch (err) {
      await this.releaseUnwritten(batch, claimed);
      throw err;
    }
  }

  /** The part of `writeByCommands` after the claims; releases (and unmarks) claims on its checked paths. */
  private async writeClaimed(
    batch: readonly NewEntry[],
    allOrNone: boolean,
    ms: number,
    iso: string,
    queues: readonly string[],
    res: [Error | null, unknown][],
    claimed: boolean[],
  ): Promise<Outcome[]> {
    if (claimed.some((c) => c)) {
      // a claim only expires until its job is written; set after the HSETNX so a taken job never gets a TTL
      const px = this.redis.pipeline();
      for (const [i, e] of batch.entries()) if (claimed[i]) px.pexpire(this.k.job(e.job.id), CLAIM_TTL_MS);
      for (const [err] of (await px.exec()) ?? []) if (err) throw err;
    }
    const typeOf = (i: number): string => {
      const [err, t] = res[i] ?? [new Error('no reply')];
      if (err) throw err;
      return t as string;
    };
    for (let i = 0; i < batch.length; i++) {
      const [err] = res[1 + queues.length + i] ?? [new Error('no reply')];
      // a job key of another type is taken too; any other failure fails the whole write
      if (err && !/WRONGTYPE/.test(err.message)) throw err;
    }
    const release = async (which: (i: number) => boolean) => {
      const mine = batch.flatMap((_, i) => (claimed[i] && which(i) ? [i] : []));
      if (mine.length) await this.redis.del(...mine.map((i) => this.k.job(batch[i]!.job.id)));
      for (const i of mine) claimed[i] = false;
    };
    const indexType = typeOf(0);
    if (indexType !== 'none' && indexType !== 'zset') {
      await release(() => true);
      throw new Error(`WRONGTYPE ${this.k.jobIndex} is not a sorted set`);
    }
    const badQueues = new Set(queues.filter((_, i) => !['none', 'list'].includes(typeOf(1 + i))));
    const outcomes: Outcome[] = batch.map((e, i) => {
      if (!claimed[i]) return TAKEN;
      if (e.status === 'dispatched' && badQueues.has(this.k.workQueue(e.job.runner))) return BAD_QUEUE;
      return WRITTEN;
    });
    if (outcomes.some((o) => o !== WRITTEN) && allOrNone) {
      await release(() => true);
      return outcomes.map((o) => (o === WRITTEN ? 'aborted' : o));
    }
    await release((i) => outcomes[i] === BAD_QUEUE);
    const written = batch.filter((_, i) => outcomes[i] === WRITTEN);
    if (written.length === 0) return outcomes;
    const m = this.redis.multi();
    for (const { job, status } of written) {
      // a claimed key may be the leftover of a deleted job (fields written after the delete, no id)
      m.del(this.k.job(job.id));
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
      // the claim's expiry is gone with the DEL already; said again so the job surely stays
      m.persist(this.k.job(job.id));
      m.zadd(this.k.jobIndex, ms, job.id);
      if (status === 'dispatched') m.rpush(this.k.workQueue(job.runner), job.id);
    }
    const res2 = await m.exec();
    if (!res2) {
      await release((i) => outcomes[i] === WRITTEN);
      throw new Error('transaction aborted');
    }
    let at = 0;
    const failed: Error[] = [];
    for (const { status } of written) {
      const n = status === 'dispatched' ? 5 : 4;
      const err = res2.slice(at, at + n).find(([e]) => e)?.[0];
      at += n;
      if (err) failed.push(err);
    }
    // only a key changed between the checks and the MULTI gets here
    if (failed.length) throw failed[0];
    return outcomes;
  }

  /**
   * After a failed write: deletes the keys this call claimed whose job was not written (still no
   * `created_at`, which the MULTI writes with the rest of the job). Best effort: an error here
   * is dropped (the claim's expiry ends it), so the caller sees the write's own error.
   */
  private async releaseUnwritten(batch: readonly NewEntry[], claimed: boolean[]): Promise<void> {
    const mine = batch.flatMap((e, i) => (claimed[i] ? [e.job.id] : []));
    if (mine.length === 0) return;
    try {
      const p = this.redis.pipeline();
      for (const id of mine) p.hmget(this.k.job(id), 'id', 'created_at');
      const got = (await p.exec()) ?? [];
      const stale = mine.filter((id, i) => {
        const [err, v] = got[i] ?? [new Error('no reply')];
        const [owner, created] = (v ?? []) as (string | null)[];
        return !err && owner === id && created == null;
      });
      if (stale.length) await this.redis.del(...stale.map((id) => this.k.job(id)));
    } catch {
      /* the claims expire by themselves */
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

  async getMany(ids: readonly string[]): Promise<Job[]> {
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

  /** The given fields of each job, in order (nulls for a missing job or field). */
  async fields(ids: readonly string[], names: readonly string[]): Promise<(string | null)[][]> {
    if (ids.length === 0) return [];
    const p = this.redis.pipeline();
    for (const id of ids) p.hmget(this.k.job(id), ...names);
    return ((await p.exec()) ?? []).map(([err, v]) => {
      if (err) throw err;
      return v as (string | null)[];
    });
  }

  /**
   * The jobs of `ids`, in order, as many as fit in `maxBytes` of payload, env, result and error
   * (sizes read first, so nothing bigger is loaded). With `atLeastOne` the first job is always
   * taken, so a caller paging with an offset moves on. `full`: jobs were left out for the size.
   */
  async page(ids: readonly string[], maxBytes: number, atLeastOne = true): Promise<{ jobs: Job[]; bytes: number; full: boolean }> {
    if (ids.length === 0) return { jobs: [], bytes: 0, full: false };
    const big = ['payload', 'env_vars', 'result', 'error'];
    const p = this.redis.pipeline();
    for (const id of ids) for (const f of big) p.hstrlen(this.k.job(id), f);
    const res = (await p.exec()) ?? [];
    let bytes = 0;
    let n = 0;
    for (; n < ids.length; n++) {
      let size = 0;
      for (let f = 0; f < big.length; f++) {
        const [err, v] = res[n * big.length + f] ?? [null, 0];
        if (err) throw err;
        size += Number(v);
      }
      if (bytes + size > maxBytes && !(atLeastOne && n === 0)) break;
      bytes += size;
    }
    return { jobs: await this.getMany(ids.slice(0, n)), bytes, full: n < ids.length };
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

type Outcome = typeof WRITTEN | typeof TAKEN | typeof BAD_QUEUE | 'aborted';

function badQueue(key: string, runner: string): HeroError {
  return new HeroError('HERO_CONFLICT', `WRONGTYPE ${key} (the work queue of runner ${runner}) is not a list: its jobs cannot be queued`, {
    rpcCode: -32009,
    data: { key },
  });
}

// Stores a tick's new jobs: hash, index entry and (for dispatched ones) the runner's queue.
// Returns one code per job: 0 written, 1 id taken (in Redis or earlier in this call), 2 its
// work queue is not a list. ARGV[5] = '1' (all or none): any code other than 0 writes nothing.
// The id check is here, in the write, so no other create can slip in between.
// A job key counts as taken unless absent or a hash without an `id` (a deleted job's leftovers).
const ADD_JOBS = `
local index, prefix, qprefix, ms, iso, all = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5] == '1'
local t = redis.call('TYPE', index)['ok']
if t ~= 'none' and t ~= 'zset' then return redis.error_reply('WRONGTYPE ' .. index .. ' is not a sorted set') end
local qok, seen, codes, stale, failed = {}, {}, {}, {}, false
for i = 6, #ARGV, 9 do
  local id, status = ARGV[i], ARGV[i + 8]
  local key = prefix .. id
  local code = 0
  if seen[id] then
    code = 1
  else
    local kt = redis.call('TYPE', key)['ok']
    if kt ~= 'none' and (kt ~= 'hash' or redis.call('HEXISTS', key, 'id') == 1) then code = 1 end
    stale[id] = kt == 'hash'
  end
  if code == 0 and status == 'dispatched' then
    local q = qprefix .. ARGV[i + 4]
    if qok[q] == nil then
      local qt = redis.call('TYPE', q)['ok']
      qok[q] = qt == 'none' or qt == 'list'
    end
    if not qok[q] then code = 2 end
  end
  if code == 0 then seen[id] = true else failed = true end
  codes[#codes + 1] = code
end
if all and failed then return codes end
local n = 0
for i = 6, #ARGV, 9 do
  n = n + 1
  if codes[n] == 0 then
    local id, status = ARGV[i], ARGV[i + 8]
    if stale[id] then redis.call('DEL', prefix .. id) end
    redis.call('HSET', prefix .. id, 'id', id, 'caller_id', ARGV[i + 1], 'context_id', ARGV[i + 2], 'payload', ARGV[i + 3],
      'runner', ARGV[i + 4], 'executor', ARGV[i + 5], 'timeout', ARGV[i + 6], 'env_vars', ARGV[i + 7],
      'created_at', iso, 'updated_at', iso, 'status', status, 'attempts', '0')
    redis.call('ZADD', index, ms, id)
    if status == 'dispatched' then redis.call('RPUSH', qprefix .. ARGV[i + 4], id) end
  end
end
return codes`;
