/**
 * Jobs: one-off runs of a command with timeout, retries, cancel and wait; output kept in a
 * per-job log file; history persisted in `jobs.json` with a count and age limit.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, ConflictError, NotFoundError } from '@hero/core';
import type { Logger } from './logger.js';
import { Child, checkCommand, terminateTree } from './child.js';
import type { Job, JobListOptions, JobState, LogLine } from './client.js';
import { DebouncedWriter, readJsonFile } from './json-file.js';
import { readLogFiles, type LogHub } from './log-hub.js';
import { bootId, membersOf, readProcTable, readStat } from './proc-table.js';
import type { SecretStore } from './secrets.js';
import { maskLine, secretEnv, type SecretEnv } from './secret-env.js';
import { NAME_RE, type JobDef } from './spec.js';

export interface JobManagerOptions {
  dir: string;
  history: number;
  retentionMs: number;
  logMaxBytes: number;
  /** Time between SIGTERM and SIGKILL when a job is cancelled or times out. */
  killGraceMs: number;
  baseEnv: Record<string, string>;
  hub: LogHub;
  secrets: SecretStore;
  logger?: Logger | undefined;
}

interface JobRecord extends Job {
  spec: Omit<JobDef, 'stdin'>;
  /** With `pid`, identifies the running job's process after a crash of hero_proc (0: unknown). */
  start_ticks?: number;
  /** Boot the pid and start ticks belong to: after a reboot they name someone else's processes. */
  boot_id?: string;
}

interface Running {
  child: Child | undefined;
  cancel: boolean;
  timedOut: boolean;
  done: Promise<void>;
}

const FINAL: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'timeout', 'cancelled']);

export function isFinal(state: JobState): boolean {
  return FINAL.has(state);
}

function newId(): string {
  return `${Date.now().toString(36).padStart(9, '0')}${randomBytes(4).toString('hex')}`;
}

/** Runs and remembers jobs. */
export class JobManager {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly running = new Map<string, Running>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly writer: DebouncedWriter;
  private closing = false;
  private pruneTimer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(j: Job) => void>();

  constructor(private readonly o: JobManagerOptions) {
    // fsync'd: the pids of running jobs in it are how a crash of hero_proc gets cleaned up
    this.writer = new DebouncedWriter(path.join(o.dir, 'jobs.json'), () => ({ version: 1, jobs: [...this.jobs.values()] }), 100, 0o600, true);
  }

  async init(): Promise<void> {
    await fs.mkdir(this.o.dir, { recursive: true, mode: 0o700 });
    const data = await readJsonFile<{ jobs?: JobRecord[] }>(path.join(this.o.dir, 'jobs.json'), { jobs: [] }, { logger: this.o.logger });
    const orphans: Promise<unknown>[] = [];
    for (const j of Array.isArray(data.jobs) ? data.jobs : []) {
      if (!j || typeof j.id !== 'string') continue;
      if (!isFinal(j.state)) {
        orphans.push(this.killOrphan(j));
        j.state = 'failed';
        j.error = 'interrupted: hero_proc stopped while the job ran';
        j.finished_at ??= new Date().toISOString();
        j.pid = null;
        delete j.start_ticks;
        delete j.boot_id;
      }
      this.jobs.set(j.id, j);
    }
    await Promise.all(orphans);
    if (orphans.length) this.writer.schedule();
    await this.prune();
    this.pruneTimer = setInterval(() => void this.prune(), 10 * 60_000);
    this.pruneTimer.unref();
  }

  /**
   * Stops what is left of a job that ran when hero_proc was killed. Nothing recorded in another
   * boot (or with no boot id) is touched: its pids are someone else's. The pid is trusted only
   * while its start time still matches (a reused pid is someone else's). A leader gone with its
   * group still there is ours too, but only if some member started no earlier than the leader did
   * (a group left by an older process that got the pid is not).
   */
  private async killOrphan(j: JobRecord): Promise<void> {
    const pid = j.pid;
    const ticks = j.start_ticks;
    if (typeof pid !== 'number' || pid <= 1 || !ticks) return;
    const boot = bootId();
    if (!boot || j.boot_id !== boot) return;
    const e = readStat(pid);
    if (e) {
      if (e.startTicks !== ticks) return;
    } else if (!membersOf(await readProcTable(0), pid).some((m) => m.startTicks >= ticks)) {
      return;
    }
    this.o.logger?.warn({ job: j.id, pid }, 'stopping job process left from a previous run');
    const gone = () => {
      const x = readStat(pid);
      return !x || x.state === 'Z' || x.state === 'X';
    };
    await terminateTree(pid, 'SIGTERM', this.o.killGraceMs, gone);
  }

  onChange(fn: (j: Job) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private logFile(id: string): string {
    return path.join(this.o.dir, `${id}.log`);
  }

  private env(def: JobDef): SecretEnv {
    const ctx = def.context !== undefined && NAME_RE.test(def.context) ? def.context : 'default';
    return secretEnv(this.o.secrets, this.o.baseEnv, def.env, def.env_from_secrets, ctx);
  }

  /** Validates the command and starts the job; resolves with the job as created. */
  async create(def: JobDef, extra: { schedule?: string } = {}): Promise<Job> {
    if (this.closing) throw new ConflictError('hero_proc is stopping');
    const { env, masks } = this.env(def);
    const problem = checkCommand({ exec: def.exec, cmd: def.cmd, cwd: def.cwd, env });
    if (problem) throw new ConfigError('invalid job', [problem]);
    const { stdin, ...spec } = def;
    const job: JobRecord = {
      id: newId(),
      name: def.name ?? (def.exec ?? def.cmd!.join(' ')).slice(0, 80),
      state: 'pending',
      exit_code: null,
      attempts: 0,
      created_at: new Date().toISOString(),
      started_at: null,
      finished_at: null,
      pid: null,
      error: null,
      context: def.context ?? null,
      schedule: extra.schedule ?? null,
      spec,
    };
    this.jobs.set(job.id, job);
    const source = `job:${job.id}`;
    this.o.hub.attachFile(source, this.logFile(job.id), Math.max(1024, Math.floor(this.o.logMaxBytes / 2)), 1);
    const r: Running = { child: undefined, cancel: false, timedOut: false, done: Promise.resolve() };
    this.running.set(job.id, r);
    r.done = this.execute(job, def, env, masks, stdin, r);
    this.changed(job);
    return this.view(job);
  }

  private changed(job: JobRecord) {
    this.writer.schedule();
    if (this.listeners.size) {
      const v = this.view(job);
      for (const l of this.listeners) l(v);
    }
  }

  private async execute(job: JobRecord, def: JobDef, env: Record<string, string>, masks: string[], stdin: string | undefined, r: Running) {
    const source = `job:${job.id}`;
    const maxAttempts = def.retries + 1;
    try {
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        if (r.cancel) break;
        r.timedOut = false;
        job.attempts = attempt;
        let child: Child;
        try {
          child = await Child.spawn({
            exec: def.exec,
            cmd: def.cmd,
            cwd: def.cwd,
            env,
            stdin,
            onLine: (stream, line) => this.o.hub.append(source, stream, maskLine(line, masks)),
          });
        } catch (err) {
          job.state = 'failed';
          job.error = `cannot start: ${(err as Error).message}`;
          break;
        }
        r.child = child;
        job.state = 'running';
        job.pid = child.pid;
        job.start_ticks = child.startTicks;
        const boot = bootId();
        if (boot) job.boot_id = boot;
        else delete job.boot_id;
        job.started_at ??= new Date().toISOString();
        job.error = null;
        this.changed(job);
        // on disk now, not after the debounce: a crash of hero_proc must find this pid
        void this.writer.flush();
        if (r.cancel) void child.terminate('SIGTERM', this.o.killGraceMs);
        let timer: NodeJS.Timeout | undefined;
        if (def.timeout_ms > 0) {
          timer = setTimeout(() => {
            r.timedOut = true;
            void child.terminate('SIGTERM', this.o.killGraceMs);
          }, def.timeout_ms);
        }
        const exit = await child.exited;
        clearTimeout(timer);
        // the job is over when its whole group is gone (and every output line is in)
        await child.terminate('SIGTERM', this.o.killGraceMs);
        await Promise.race([child.drained, new Promise((res) => setTimeout(res, 1000).unref())]);
        r.child = undefined;
        job.pid = null;
        delete job.start_ticks;
        delete job.boot_id;
        job.exit_code = exit.code;
        const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
        if (r.cancel) {
          job.state = 'cancelled';
          job.error = this.closing ? 'cancelled: hero_proc stopped' : 'cancelled';
          break;
        }
        if (r.timedOut) {
          job.state = 'timeout';
          job.error = `timed out after ${def.timeout_ms} ms (attempt ${attempt})`;
        } else if (exit.code === 0) {
          job.state = 'succeeded';
          job.error = null;
          break;
        } else {
          job.state = 'failed';
          job.error = how;
        }
        if (attempt < maxAttempts) {
          this.o.hub.append(source, 'stderr', `[hero_proc] attempt ${attempt} ${job.state}: ${job.error}; retrying`);
          job.state = 'pending';
          this.changed(job);
        }
      }
      if (r.cancel && !isFinal(job.state)) {
        job.state = 'cancelled';
        job.error = this.closing ? 'cancelled: hero_proc stopped' : 'cancelled';
      }
    } catch (err) {
      job.state = 'failed';
      job.error = (err as Error).message;
    } finally {
      job.finished_at = new Date().toISOString();
      job.pid = null;
      delete job.start_ticks;
      delete job.boot_id;
      this.running.delete(job.id);
      this.o.hub.drop(source);
      this.o.logger?.info({ job: job.id, state: job.state, exit_code: job.exit_code }, 'job finished');
      this.changed(job);
      const w = this.waiters.get(job.id);
      this.waiters.delete(job.id);
      for (const f of w ?? []) f();
      void this.prune();
    }
  }

  private view(j: JobRecord): Job {
    const { spec: _spec, start_ticks: _ticks, boot_id: _boot, ...job } = j;
    return { ...job };
  }

  private record(id: string): JobRecord {
    const j = this.jobs.get(id);
    if (!j) throw new NotFoundError(`job "${id}" not found`);
    return j;
  }

  get(id: string): Job {
    return this.view(this.record(id));
  }

  /** The job with its spec (for the dashboard and `job.get` callers wanting the command). */
  getWithSpec(id: string): JobRecord {
    const j = this.record(id);
    return { ...j };
  }

  list(opts: JobListOptions = {}): Job[] {
    const limit = opts.limit ?? 100;
    const out: Job[] = [];
    const all = [...this.jobs.values()].sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : a.id < b.id ? 1 : -1));
    for (const j of all) {
      if (opts.state && j.state !== opts.state) continue;
      if (opts.name && j.name !== opts.name) continue;
      if (opts.context && j.context !== opts.context) continue;
      out.push(this.view(j));
      if (out.length >= limit) break;
    }
    return out;
  }

  runningCount(): number {
    return this.running.size;
  }

  /** True while a job created by `schedule` is unfinished. */
  scheduleBusy(schedule: string): boolean {
    for (const id of this.running.keys()) if (this.jobs.get(id)?.schedule === schedule) return true;
    return false;
  }

  /** Cancels a job: its whole process group is stopped. A finished job is returned as is. */
  async cancel(id: string): Promise<Job> {
    const j = this.record(id);
    const r = this.running.get(id);
    if (!r) return this.view(j);
    r.cancel = true;
    if (r.child) void r.child.terminate('SIGTERM', this.o.killGraceMs);
    await r.done;
    return this.view(j);
  }

  /** The job once finished, or as it is after `timeoutMs` (or when `signal` aborts). */
  async wait(id: string, timeoutMs?: number, signal?: AbortSignal): Promise<Job> {
    const j = this.record(id);
    if (isFinal(j.state)) return this.view(j);
    await new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters.get(id)?.delete(done);
        resolve();
      };
      let set = this.waiters.get(id);
      if (!set) this.waiters.set(id, (set = new Set()));
      set.add(done);
      if (timeoutMs !== undefined) timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
    });
    return this.view(j);
  }

  /** Every output line of the job (from its log file). */
  async logs(id: string): Promise<LogLine[]> {
    this.record(id);
    this.o.hub.flush(`job:${id}`);
    return readLogFiles(this.logFile(id), undefined, 1);
  }

  /** Drops finished jobs beyond the count limit or older than the retention, with their logs. */
  private async prune(): Promise<void> {
    const finished = [...this.jobs.values()].filter((j) => isFinal(j.state));
    finished.sort((a, b) => ((a.finished_at ?? '') < (b.finished_at ?? '') ? 1 : -1));
    const cutoff = new Date(Date.now() - this.o.retentionMs).toISOString();
    const drop = finished.filter((j, i) => i >= this.o.history || (j.finished_at ?? '') < cutoff);
    if (drop.length === 0) return;
    for (const j of drop) this.jobs.delete(j.id);
    this.writer.schedule();
    await Promise.all(
      drop.flatMap((j) => [fs.rm(this.logFile(j.id), { force: true }), fs.rm(`${this.logFile(j.id)}.1`, { force: true })]),
    );
  }

  /** Cancels running jobs (their groups are stopped) and writes the history. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.pruneTimer);
    await Promise.all([...this.running.keys()].map((id) => this.cancel(id).catch(() => {})));
    await this.writer.close();
  }
}

