/**
 * The runner SDK: takes jobs from `<ns>:work_queue:<name>` with a reliable hand-off into a
 * per-instance processing list, runs them through a handler, stores the outcome and keeps a
 * heartbeat so a supervisor can give the jobs of a dead instance to another one.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { exec, JobStore, parseJob } from './job-store.js';
import { instanceMember, keys, type Keys } from './keys.js';
import { connectRedis, openRedis, parseRedisTarget, type RedisTarget } from './redis.js';
import type { Job, JobStatus } from './types.js';

/** What a handler gets besides the job. */
export interface JobContext {
  /** Aborted on `job.stop`, on timeout and when the runner shuts down (`reason` says which). */
  signal: AbortSignal;
  instance: string;
}

/** Returns the job's result (non-strings are JSON-encoded); a throw makes the job `error`. */
export type RunnerHandler = (job: Job, ctx: JobContext) => unknown;

export interface CreateRunnerOptions {
  /** Runner name = the work queue it serves. */
  name: string;
  /** `redis://…`, `unix:///path`, a socket path, or a parsed target. */
  redis: string | RedisTarget;
  handler: RunnerHandler;
  /** Jobs worked on at once (default 1). */
  concurrency?: number;
  /** Key prefix (default `hero`). */
  namespace?: string;
  /** Instance id (default random); supervisors pass one to the runners they start. */
  instance?: string;
  /** Heartbeat period (default 1000 ms); the instance counts as dead after 3 missed beats. */
  heartbeatMs?: number;
  /** Time in-flight jobs get to finish on close before they are put back (default 10 s). */
  drainMs?: number;
  replyTtlSecs?: number;
  logger?: Logger;
  connectTimeoutMs?: number;
  /**
   * Use Lua scripts (one round trip per job) when the server supports them (default true);
   * without them the runner uses plain commands (two round trips per job).
   */
  scripts?: boolean;
  /** Called after a job's outcome is stored (metrics, tests). */
  onJobEnd?: (id: string, status: JobStatus) => void;
}

export interface Runner {
  readonly name: string;
  readonly instance: string;
  /** Resolves once connected and taking jobs; rejects if Redis cannot be reached. */
  readonly ready: Promise<void>;
  /** Jobs running now. */
  readonly active: number;
  /** Stops taking jobs, lets running ones finish (up to `drainMs`), puts back the rest. */
  close(): Promise<void>;
}

/** Why a job's signal was aborted. */
export type AbortReason = 'stopped' | 'timeout' | 'shutdown';

interface Active {
  /** Aborts the job once (later calls are ignored): rejects its run and aborts its signal. */
  abort(reason: AbortReason): void;
  reason?: AbortReason;
  timer?: NodeJS.Timeout;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Longest delay setTimeout honours; a longer one overflows and fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Aborts `entry` with 'timeout' after `ms`, re-arming in steps a timer can hold. */
function armTimeout(entry: Active, ms: number): void {
  const step = Math.min(ms, MAX_TIMER_MS);
  entry.timer = setTimeout(() => (ms > step ? armTimeout(entry, ms - step) : entry.abort('timeout')), step);
}

/** A finish attempt: whether the outcome was stored (false = dropped), and the next job taken. */
interface FinishResult {
  owned: boolean;
  next?: Taken;
}

/** What `exec` throws when a WATCHed key changed and the transaction was not run. */
const ABORTED = 'transaction aborted';

/** Longest pause between two tries of the WATCH-guarded finish (plain commands). */
const FINISH_BACKOFF_MAX_MS = 20;

/** Starts a runner; see {@link CreateRunnerOptions}. */
export function createRunner(opts: CreateRunnerOptions): Runner {
  const name = opts.name;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw new Error(`invalid runner name "${name}"`);
  const instance = opts.instance ?? randomUUID();
  const concurrency = Math.max(1, opts.concurrency ?? 1);
  const heartbeatMs = opts.heartbeatMs ?? 1000;
  const drainMs = opts.drainMs ?? 10_000;
  const log = opts.logger;
  const k: Keys = keys(opts.namespace ?? 'hero');
  const target = typeof opts.redis === 'string' ? parseRedisTarget(opts.redis) : opts.redis;
  const where = typeof opts.redis === 'string' ? opts.redis : JSON.stringify(opts.redis);
  const cmd: Redis = openRedis(target, { sequential: true, name: `runner:${name}` });
  const block: Redis = openRedis(target, { blocking: true, name: `runner:${name}:fetch` });
  const ctl: Redis = openRedis(target, { blocking: true, name: `runner:${name}:ctl` });
  const store = new JobStore(cmd, k, opts.replyTtlSecs ?? 3600);
  const processing = k.processing(name, instance);
  const work = k.workQueue(name);
  const active = new Map<string, Active>();
  /** Ids moved into `processing` but not yet started; stop requests for them wait here. */
  const taken = new Set<string>();
  const stopEarly = new Set<string>();
  let closing = false;
  let slotWaiter: (() => void) | undefined;
  const loops: Promise<void>[] = [];
  let heartbeat: NodeJS.Timeout | undefined;
  /** Plain-command mode only: a connection of its own for WATCH/MULTI, used one job at a time. */
  let fin: Redis | undefined;
  let finStore: JobStore | undefined;
  let finLock: Promise<unknown> = Promise.resolve();

  const freeSlot = () => {
    const w = slotWaiter;
    slotWaiter = undefined;
    w?.();
  };

  let lastBeat = 0;
  async function beat(): Promise<void> {
    const t = Date.now();
    const m = cmd.multi();
    m.set(k.alive(name, instance), String(t), 'PX', heartbeatMs * 3 + 500);
    m.sadd(k.instances, instanceMember(name, instance));
    // a backstop for stop requests lost on the way (a job deleted before its stop was routed):
    // a running job whose hash is gone or marked stop_requested is aborted
    const ids = [...active.keys()];
    for (const id of ids) m.hmget(k.job(id), 'status', 'stop_requested');
    const res = (await exec(m)) as unknown[];
    lastBeat = t;
    ids.forEach((id, i) => {
      const [status, stop] = res[2 + i] as [string | null, string | null];
      if (status === null || stop) active.get(id)?.abort('stopped');
    });
  }

  async function runJob(id: string, taken_: Record<string, string> | undefined): Promise<void> {
    const key = k.job(id);
    let before = taken_;
    if (!before) {
      const iso = new Date().toISOString();
      const m = cmd.multi();
      m.hgetall(key);
      m.hset(key, { status: 'started', started_at: iso, updated_at: iso, worker: instance });
      m.hincrby(key, 'attempts', 1);
      [before] = (await exec(m)) as [Record<string, string>];
    }
    taken.delete(id);
    const job = parseJob(before);
    if (!job) {
      // deleted while queued: drop what the HSET above re-created
      await exec(cmd.multi().del(key).lrem(processing, 1, id));
      return;
    }
    if (job.status !== 'dispatched' || before.stop_requested || stopEarly.delete(id)) {
      if (job.status === 'dispatched' || job.status === 'started') {
        const r = await finishOwned(id, job.attempts + 1, 'stopped', { error: 'stopped before it started' }, false);
        if (r.owned) opts.onJobEnd?.(id, 'stopped');
      } else {
        // ended (stopped, …) while queued: restore what it was
        const restore = cmd.multi().hset(key, { status: job.status, updated_at: job.updated_at, attempts: String(job.attempts) });
        if (!job.started_at) restore.hdel(key, 'started_at');
        await exec(restore.lrem(processing, 1, id));
      }
      return;
    }
    job.status = 'started';
    job.attempts += 1;
    // the AbortController is made only when the handler reads `signal` (most never do)
    let ac: AbortController | undefined;
    const entry: Active = { abort: () => {} };
    const ctx: JobContext = {
      instance,
      get signal() {
        if (!ac) {
          ac = new AbortController();
          if (entry.reason) ac.abort(entry.reason);
        }
        return ac.signal;
      },
    };
    const outcome = new Promise<unknown>((resolve, reject) => {
      entry.abort = (reason) => {
        if (entry.reason) return;
        entry.reason = reason;
        reject(new AbortError(reason));
        ac?.abort(reason);
      };
      try {
        // not resolve(promise): that would lock the outcome to the handler and ignore aborts
        const v = opts.handler(job, ctx);
        if (v && typeof (v as PromiseLike<unknown>).then === 'function') (v as PromiseLike<unknown>).then(resolve, reject);
        else resolve(v);
      } catch (err) {
        reject(err);
      }
    });
    active.set(id, entry);
    if (job.timeout > 0) armTimeout(entry, job.timeout * 1000);
    let status: JobStatus;
    let out: { result?: string; error?: string };
    try {
      const value = await outcome;
      status = 'finished';
      out = { result: typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value) };
    } catch (err) {
      const reason = err instanceof AbortError ? err.reason : entry.reason;
      if (reason === 'timeout') {
        status = 'timeout';
        out = { error: `timed out after ${job.timeout} s` };
      } else if (reason === 'stopped') {
        status = 'stopped';
        out = { error: 'stopped' };
      } else if (reason === 'shutdown') {
        clearTimeout(entry.timer);
        return; // close() puts it back in the queue
      } else {
        status = 'error';
        out = { error: err instanceof Error ? err.message : String(err) };
      }
    }
    clearTimeout(entry.timer);
    if (entry.reason === 'shutdown') return;
    try {
      // The job may have been taken back by a supervisor (our heartbeat lapsed) or deleted while
      // it ran: finishOwned writes the outcome only if this run still owns the job. A lapsed
      // heartbeat takes no new job in the same trip: the fetch loop does once the beat is back.
      const lapsed = Date.now() - lastBeat > heartbeatMs * 3;
      const r = await finishOwned(id, job.attempts, status, out, !closing && !lapsed);
      if (r.owned) opts.onJobEnd?.(id, status);
      // a next job is taken even when this outcome was dropped
      if (r.next && !closing) {
        active.delete(id);
        start(r.next.id, r.next.before);
      }
      // taken while closing: close() puts it back with the rest of the processing list
    } finally {
      active.delete(id);
      freeSlot();
    }
  }

  /**
   * Stores a job's outcome if this run still owns the job: its hash exists, names this
   * instance as worker with the run's attempt count, and its id was still in our processing
   * list. Otherwise the outcome is dropped (the reaper gave the job to another run, or it was
   * deleted) and nothing is written. With `fetchNext` the next job is taken in the same trip.
   */
  async function finishOwned(
    id: string,
    attempt: number,
    status: JobStatus,
    out: { result?: string; error?: string },
    fetchNext: boolean,
  ): Promise<FinishResult> {
    const key = k.job(id);
    let r: FinishResult;
    if (scripts) {
      const field = status === 'finished' ? 'result' : 'error';
      const value = (status === 'finished' ? out.result : out.error) ?? '';
      const reply = JSON.stringify(status === 'finished' ? { success: value } : { error: value });
      const iso = new Date().toISOString();
      const [owned, taken_] = (await scripts.finishTake(
        key, k.reply(id), processing, work,
        id, status, iso, field, value, reply, replyTtl, k.doneChannel, instance, jobPrefix, fetchNext ? '1' : '0', String(attempt),
      )) as FinishTakeReply;
      r = { owned: owned === 1, next: takenOf(taken_) };
    } else {
      const run = finLock.then(() => finishPlain(id, attempt, status, out, fetchNext));
      finLock = run.catch(() => {});
      r = await run;
    }
    if (!r.owned) log?.debug({ job: id, status }, 'job was deleted or taken back while it ran; its outcome is dropped');
    return r;
  }

  /**
   * finishOwned without Lua: WATCH the job hash, check ownership, then MULTI. Only the hash is
   * watched: the processing list changes on every take (LMOVE/BLMOVE on other connections), and
   * watching it made busy runners give up and leave the job `started` for ever. Whoever takes
   * the job back (reaper, delete, a later run) writes its hash, which aborts the transaction.
   * An abort is retried until the outcome is written or the check says the job is not ours.
   */
  async function finishPlain(
    id: string,
    attempt: number,
    status: JobStatus,
    out: { result?: string; error?: string },
    fetchNext: boolean,
  ): Promise<FinishResult> {
    const c = fin!;
    const key = k.job(id);
    for (let tries = 0; ; tries++) {
      try {
        await c.watch(key);
        const [exists, [worker, attempts], pos] = await Promise.all([
          c.exists(key),
          c.hmget(key, 'worker', 'attempts'),
          c.lpos(processing, id),
        ]);
        if (exists !== 1) {
          await c.unwatch();
          await c.lrem(processing, 1, id);
          return { owned: false };
        }
        // same id in our list but a later attempt: the entry belongs to that run, leave it
        if ((worker && worker !== instance) || (attempts && attempts !== String(attempt)) || pos === null) {
          await c.unwatch();
          return { owned: false };
        }
        let nextId: string | null = null;
        await finStore!.finish(id, status, out, (mm) => {
          mm.lrem(processing, 1, id);
          if (fetchNext) mm.lmove(work, processing, 'LEFT', 'LEFT');
        }, (res) => {
          if (fetchNext) nextId = (res[res.length - 1] as string | null) ?? null;
        });
        return { owned: true, next: nextId ? { id: nextId } : undefined };
      } catch (err) {
        if (!(err instanceof Error && err.message === ABORTED)) {
          // leave the connection clean for the next finish (a stale WATCH would abort it)
          await c.unwatch().catch(() => {});
          throw err;
        }
        // the hash changed under us (a stop request, a take-back, …): look again
        await sleep(Math.min(1 + tries, FINISH_BACKOFF_MAX_MS));
      }
    }
  }

  function start(id: string, before?: Record<string, string>): void {
    taken.add(id);
    const p = runJob(id, before)
      .catch((err) => {
        log?.warn({ err, job: id }, 'job hand-off failed');
      })
      .finally(() => {
        taken.delete(id);
        if (active.has(id) && !closing) active.delete(id);
        freeSlot();
      });
    running.add(p);
    void p.finally(() => running.delete(p));
  }
  const running = new Set<Promise<void>>();
  let scripts: HeroScripts | undefined;
  const jobPrefix = k.job('');
  const replyTtl = String(opts.replyTtlSecs ?? 3600);

  async function fetchLoop(): Promise<void> {
    let backoff = 50;
    while (!closing) {
      if (active.size + taken.size >= concurrency) {
        await new Promise<void>((r) => (slotWaiter = r));
        continue;
      }
      try {
        // take as many jobs as there are free slots in one round trip
        const free = concurrency - active.size - taken.size;
        const p = cmd.pipeline();
        const iso = new Date().toISOString();
        for (let i = 0; i < free; i++) {
          if (scripts) (p as unknown as HeroScripts).take(work, processing, instance, iso, jobPrefix);
          else p.lmove(work, processing, 'LEFT', 'LEFT');
        }
        const got: Taken[] = [];
        for (const [err, v] of (await p.exec()) ?? []) {
          if (err) throw err;
          const t = scripts ? takenOf(v as TakeReply) : v ? { id: v as string } : undefined;
          if (t) got.push(t);
        }
        if (got.length === 0 && !closing) {
          const id = await block.blmove(work, processing, 'LEFT', 'LEFT', 1);
          if (id) got.push({ id });
        }
        backoff = 50;
        // ids taken while closing stay in the processing list; close() puts them back
        if (!closing) for (const t of got) start(t.id, t.before);
      } catch (err) {
        if (closing) return;
        log?.warn({ err }, 'fetch failed');
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 2000);
      }
    }
  }

  async function stopLoop(): Promise<void> {
    let backoff = 50;
    const mine = k.instanceStopQueue(name, instance);
    while (!closing) {
      try {
        const got = await ctl.blpop(mine, k.stopQueue(name), 1);
        backoff = 50;
        if (!got) continue;
        const [from, id] = got;
        const a = active.get(id);
        if (a) {
          a.abort('stopped');
          continue;
        }
        if (taken.has(id)) {
          stopEarly.add(id);
          continue;
        }
        if (from === mine) continue;
        const [status, worker] = await cmd.hmget(k.job(id), 'status', 'worker');
        if (status === 'started' && worker && worker !== instance && (await cmd.exists(k.alive(name, worker)))) {
          await cmd.lpush(k.instanceStopQueue(name, worker), id);
          await cmd.expire(k.instanceStopQueue(name, worker), 3600);
        }
      } catch (err) {
        if (closing) return;
        log?.warn({ err }, 'stop queue read failed');
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 2000);
      }
    }
  }

  /** Puts every id still in this instance's processing list back at the head of the queue. */
  async function giveBack(): Promise<void> {
    for (;;) {
      const id = await cmd.lindex(processing, -1);
      if (!id) break;
      if (!(await cmd.exists(k.job(id)))) {
        await cmd.lrem(processing, 1, id); // deleted meanwhile
        continue;
      }
      const m = cmd.multi();
      m.hset(k.job(id), { status: 'dispatched', updated_at: new Date().toISOString() });
      m.hdel(k.job(id), 'worker', 'started_at');
      m.lrem(processing, 1, id);
      m.lpush(work, id);
      await exec(m);
    }
  }

  const ready = (async () => {
    await connectRedis(cmd, where, opts.connectTimeoutMs ?? 5000);
    await connectRedis(block, where, opts.connectTimeoutMs ?? 5000).catch((err) => {
      cmd.disconnect();
      throw err;
    });
    await connectRedis(ctl, where, opts.connectTimeoutMs ?? 5000).catch((err) => {
      cmd.disconnect();
      block.disconnect();
      throw err;
    });
    if (opts.scripts !== false) scripts = await loadScripts(cmd);
    if (!scripts) {
      fin = openRedis(target, { sequential: true, name: `runner:${name}:finish` });
      await connectRedis(fin, where, opts.connectTimeoutMs ?? 5000).catch((err) => {
        cmd.disconnect();
        block.disconnect();
        ctl.disconnect();
        throw err;
      });
      finStore = new JobStore(fin, k, opts.replyTtlSecs ?? 3600);
    }
    await giveBack();
    await beat();
    heartbeat = setInterval(() => {
      beat().catch((err) => log?.warn({ err }, 'heartbeat failed'));
    }, heartbeatMs);
    heartbeat.unref();
    loops.push(fetchLoop(), stopLoop());
    log?.info({ runner: name, instance, concurrency }, 'runner ready');
  })();
  ready.catch(() => {});

  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      closing = true;
      freeSlot();
      try {
        await ready;
      } catch {
        return;
      }
      clearInterval(heartbeat);
      block.disconnect();
      ctl.disconnect();
      await Promise.allSettled(loops);
      if (running.size) {
        await Promise.race([Promise.allSettled([...running]), sleep(drainMs)]);
      }
      for (const a of active.values()) {
        clearTimeout(a.timer);
        a.abort('shutdown');
      }
      try {
        await giveBack();
        const m = cmd.multi();
        m.del(k.alive(name, instance));
        m.srem(k.instances, instanceMember(name, instance));
        m.del(k.instanceStopQueue(name, instance));
        await exec(m);
      } catch (err) {
        log?.warn({ err }, 'runner could not put its jobs back; a supervisor will');
      }
      cmd.disconnect();
      fin?.disconnect();
    })());

  return {
    name,
    instance,
    ready,
    get active() {
      return active.size;
    },
    close,
  };
}

/** A job id just moved into the processing list, with its hash as it was (Lua path). */
interface Taken {
  id: string;
  before?: Record<string, string>;
}

type TakeReply = [string, string[]] | null;

/** FINISH_TAKE: 1 if the outcome was written (0 = dropped), then the next job taken. */
type FinishTakeReply = [number, TakeReply];

function takenOf(r: TakeReply | undefined): Taken | undefined {
  if (!r) return undefined;
  const [id, flat] = r;
  const before: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) before[flat[i]!] = flat[i + 1]!;
  return { id, before };
}

// Moves the next id into the processing list, marks it started and returns {id, hash before}.
const TAKE = `
local function take(work, processing, instance, iso, prefix)
  local id = redis.call('LMOVE', work, processing, 'LEFT', 'LEFT')
  if not id then return false end
  local key = prefix .. id
  local before = redis.call('HGETALL', key)
  redis.call('HSET', key, 'status', 'started', 'started_at', iso, 'updated_at', iso, 'worker', instance)
  redis.call('HINCRBY', key, 'attempts', 1)
  return {id, before}
end
`;

const TAKE_ONLY = `${TAKE}
return take(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3])`;

// Writes a job's outcome (as JobStore.finish does) only if this run still owns the job, and,
// when asked, takes the next job. Owned = the hash exists, its worker and attempts (when set)
// are this instance's and this run's, and LREM took the id out of our processing list. A hash
// of a later run is left alone, and so is its processing entry (this instance may have taken
// the job again). Returns {1 written | 0 dropped, next job or false}.
const FINISH_TAKE = `${TAKE}
local key, reply, processing, work = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id, status, iso, field, value, msg, ttl, channel = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local instance, attempt = ARGV[9], ARGV[12]
local owned = 0
if redis.call('EXISTS', key) == 0 then
  redis.call('LREM', processing, 1, id)
else
  local h = redis.call('HMGET', key, 'worker', 'attempts')
  if not ((h[1] and h[1] ~= instance) or (h[2] and h[2] ~= attempt)) and redis.call('LREM', processing, 1, id) > 0 then
    owned = 1
    redis.call('HSET', key, 'status', status, 'updated_at', iso, 'finished_at', iso, field, value)
    redis.call('DEL', reply)
    redis.call('LPUSH', reply, msg)
    redis.call('EXPIRE', reply, ttl)
    redis.call('PUBLISH', channel, id)
  end
end
local nxt = false
if ARGV[11] == '1' then nxt = take(work, processing, instance, iso, ARGV[10]) end
return {owned, nxt}`;

interface HeroScripts {
  take(work: string, processing: string, instance: string, iso: string, prefix: string): Promise<TakeReply>;
  finishTake(...args: string[]): Promise<FinishTakeReply>;
}

/** Defines the Lua fast path, or returns undefined when the server has no scripting. */
async function loadScripts(redis: Redis): Promise<HeroScripts | undefined> {
  try {
    const ok = await redis.eval("return redis.call('LMOVE', KEYS[1], KEYS[1], 'LEFT', 'LEFT') or 1", 1, '{hero-probe}');
    if (ok !== 1 && ok !== null) return undefined;
  } catch {
    return undefined;
  }
  redis.defineCommand('take', { numberOfKeys: 2, lua: TAKE_ONLY });
  redis.defineCommand('finishTake', { numberOfKeys: 4, lua: FINISH_TAKE });
  return redis as unknown as HeroScripts;
}

class AbortError extends Error {
  constructor(readonly reason: AbortReason) {
    super(reason);
  }
}
