/**
 * Types shared by the supervisor, its runners and its clients. Plain TypeScript only: this
 * module is imported by the browser-safe client.
 */

/** Lifecycle of a job. */
export type JobStatus = 'created' | 'dispatched' | 'started' | 'finished' | 'error' | 'stopped' | 'timeout';
export const JOB_STATUSES: readonly JobStatus[] = ['created', 'dispatched', 'started', 'finished', 'error', 'stopped', 'timeout'];
/** Statuses after which a job does not change unless it is started again. */
export const FINAL_STATUSES: readonly JobStatus[] = ['finished', 'error', 'stopped', 'timeout'];

/** Interpreters of the built-in command runner. */
export type Executor = 'bash' | 'sh' | 'node' | 'python3';
export const EXECUTORS: readonly Executor[] = ['bash', 'sh', 'node', 'python3'];

/** What a caller submits (the seeds' Job object; server-owned fields are optional). */
export interface JobInput {
  /** Unique id (`[A-Za-z0-9._:-]`, ≤128); generated when absent. */
  id?: string;
  caller_id?: string;
  context_id?: string;
  /** What the runner executes (a script for the command runner). */
  payload: string;
  /** Runner (queue) name. */
  runner: string;
  /** Interpreter for the command runner (default `bash`); free text for other runners. */
  executor?: string;
  /** Seconds the job may run (default from the supervisor config); 0 = no limit. */
  timeout?: number;
  env_vars?: Record<string, string>;
  /** Accepted for compatibility; the supervisor sets its own timestamps. */
  created_at?: string;
  updated_at?: string;
}

/** A stored job. Timestamps are ISO-8601 strings. */
export interface Job {
  id: string;
  caller_id: string;
  context_id: string;
  payload: string;
  runner: string;
  executor: string;
  timeout: number;
  env_vars: Record<string, string>;
  created_at: string;
  updated_at: string;
  status: JobStatus;
  result?: string;
  error?: string;
  started_at?: string;
  finished_at?: string;
  /** Times a runner took the job. */
  attempts: number;
}

/** `job.run` / `job.result`: the seeds' JobResult. */
export type JobResult = { success: string } | { error: string };
/** `job.result` for a job that has not ended yet. */
export type JobResultOrPending = JobResult | { pending: JobStatus };

export interface JobStatusInfo {
  job_id: string;
  status: JobStatus;
  runner: string;
  attempts: number;
  created_at: string;
  updated_at: string;
  started_at?: string;
  finished_at?: string;
}

export type SecretRole = 'admin' | 'user' | 'register';
export const SECRET_ROLES: readonly SecretRole[] = ['admin', 'user', 'register'];

export type ProcessManagerKind = 'simple' | 'proc' | 'external';

/** Live view of one runner. */
export interface RunnerStatus {
  name: string;
  /** `simple`/`proc`: started by this supervisor; `external`: registered, runs elsewhere. */
  manager: ProcessManagerKind;
  /** Process state for managed runners (`running`, `stopped`, `restarting`, `failed`, …). */
  state: string;
  pid?: number;
  restarts: number;
  /** Runner instances with a live heartbeat (any machine). */
  instances: number;
  /** Jobs waiting in the work queue. */
  queued: number;
  /** Jobs taken by instances and not yet finished. */
  processing: number;
}

export interface SupervisorInfo {
  name: string;
  version: string;
  namespace: string;
  redis: { target: string; connected: boolean };
  runners: number;
  uptime_secs: number;
  /** True when no secret is configured and Unix-socket callers need none. */
  open: boolean;
  bus: boolean;
}

export interface SecretsSummary {
  /** Per role: count and short SHA-256 fingerprints (the secrets themselves are never returned). */
  admin: { count: number; fingerprints: string[] };
  user: { count: number; fingerprints: string[] };
  register: { count: number; fingerprints: string[] };
}

export interface LogLine {
  ts: string;
  stream: 'stdout' | 'stderr' | 'system';
  line: string;
}
