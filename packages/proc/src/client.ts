/**
 * Typed client for hero_proc (`<socket_dir>/hero_proc/rpc.sock`) and the types it shares
 * with the server. No server code lives here, so tools can import it alone.
 */
import { RpcClient, type CallOptions, type RpcClientOptions } from '@hero/core';

export type { RpcClientOptions } from '@hero/core';

/** Lifecycle states of a service (DESIGN §5.1). */
export type ServiceState = 'inactive' | 'blocked' | 'starting' | 'running' | 'stopping' | 'exited' | 'failed' | 'backoff';
export const SERVICE_STATES: readonly ServiceState[] = [
  'inactive',
  'blocked',
  'starting',
  'running',
  'stopping',
  'exited',
  'failed',
  'backoff',
];

export type RestartPolicy = 'always' | 'on-failure' | 'never';

/** A health check: `running` is reported only once it passes. */
export interface HealthSpec {
  /** `tcp`: `host:port` or a port; `http`: a URL answering 2xx/3xx; `exec`: a shell command exiting 0. */
  kind: 'tcp' | 'http' | 'exec';
  target: string;
  interval_ms?: number;
  timeout_ms?: number;
  /** Consecutive failures (while starting or running) before the service counts as crashed. */
  retries?: number;
  /** After each start, failures in this time are not counted (a passing probe still ends it); default 60000. */
  start_period_ms?: number;
}

/** Per-service log file rotation. */
export interface LogSpec {
  /** Size at which `<name>.log` is rotated. */
  max_bytes?: number;
  /** Rotated files kept (`<name>.log.1` … `<name>.log.<keep>`). */
  keep?: number;
}

/** A service definition: the fields of a `<config_dir>/<name>.toml` file. */
export interface ServiceSpec {
  name: string;
  /** Shell command line (run with `/bin/sh -c`). Exactly one of `exec` / `cmd`. */
  exec?: string;
  /** Argument vector, run without a shell. */
  cmd?: string[];
  cwd?: string;
  env?: Record<string, string>;
  /**
   * Environment variables read from secrets on every start: `{ ENV_NAME: "key" }` or
   * `{ ENV_NAME: "context/key" }`; an array `["KEY"]` means `{ KEY: "KEY" }`. Without a
   * context the service's `secret_context` (default `default`) is used.
   */
  env_from_secrets?: Record<string, string> | string[];
  /** Secret context used by `env_from_secrets` entries without an explicit context. */
  secret_context?: string;
  /** Services that must be running (or, for oneshots, have succeeded) before this one starts. */
  after?: string[];
  /** Runs to completion; `exited` with code 0 satisfies dependents. */
  oneshot?: boolean;
  restart?: RestartPolicy;
  /** First restart delay; doubles on each consecutive crash up to `restart_delay_max_ms`. */
  restart_delay_ms?: number;
  restart_delay_max_ms?: number;
  /** Uptime after which the backoff and the crash count reset. */
  stable_after_ms?: number;
  /** Consecutive restarts allowed before the service is `failed` (0 = unlimited). */
  max_restarts?: number;
  stop_signal?: string;
  stop_timeout_ms?: number;
  health?: HealthSpec;
  log?: LogSpec;
  autostart?: boolean;
}

/** Live status of one service. */
export interface ServiceStatus {
  name: string;
  state: ServiceState;
  /** Whether the operator wants it up (persisted across restarts of hero_proc). */
  desired: 'up' | 'down';
  pid: number | null;
  /** Restarts since the last manual start. */
  restarts: number;
  exit_code: number | null;
  exit_signal: string | null;
  /** When the current process started (ISO), or null. */
  started_at: string | null;
  /** When the state last changed (ISO). */
  since: string;
  /** When the next restart attempt is due while in `backoff` (ISO), or null. */
  next_restart_at: string | null;
  health: 'none' | 'unknown' | 'ok' | 'failing';
  /** Why it is blocked / failed, if it is. */
  error: string | null;
  oneshot: boolean;
  autostart: boolean;
}

/** Resource usage of a service's process group, read from /proc. */
export interface ServiceStats {
  name: string;
  pid: number | null;
  state: ServiceState;
  /** CPU percent of one core over the last sampling window (all processes of the group). */
  cpu_percent: number;
  /** Resident memory of the whole process group in bytes. */
  rss_bytes: number;
  /** Processes in the group besides the main one. */
  children: number;
  uptime_ms: number;
  restarts: number;
}

/** `service.get`: the definition, where it came from, and the status. */
export interface ServiceDetail {
  spec: ServiceSpec;
  /** The TOML file the service is stored in. */
  file: string;
  status: ServiceStatus;
}

export type LogStream = 'stdout' | 'stderr';

/** One captured output line. */
export interface LogLine {
  ts: string;
  stream: LogStream;
  line: string;
  /** Increasing per source; pass the last seen value as `after_seq` to get only newer lines. */
  seq?: number;
  /** `svc:<name>` or `job:<id>` (present on log.query / log.tail results). */
  source?: string;
}

export interface LogQuery {
  /** Only this source (`svc:<name>`, `job:<id>` or a bare service name). */
  source?: string;
  /** Substring (case-insensitive) or `/regex/flags`. */
  grep?: string;
  stream?: LogStream;
  /** ISO timestamps bounding the lines. */
  since?: string;
  until?: string;
  limit?: number;
}

export type JobState = 'pending' | 'running' | 'succeeded' | 'failed' | 'timeout' | 'cancelled';
export const JOB_STATES: readonly JobState[] = ['pending', 'running', 'succeeded', 'failed', 'timeout', 'cancelled'];

/** A one-off run of a command. */
export interface JobSpec {
  name?: string;
  /** Shell string (`/bin/sh -c`). Exactly one of `exec` / `cmd`. */
  exec?: string;
  /** Argument vector. */
  cmd?: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** Environment from secrets, as for services (`context` is the default secret context). */
  env_from_secrets?: Record<string, string> | string[];
  /** Written to the job's stdin, then closed. */
  stdin?: string;
  /** Per attempt; the whole process group is killed at the deadline (0 = none). */
  timeout_ms?: number;
  /** Extra attempts after a failure or timeout. */
  retries?: number;
  /** Free label (e.g. the caller's context); also the default secret context. */
  context?: string;
}

export interface Job {
  id: string;
  name: string;
  state: JobState;
  exit_code: number | null;
  attempts: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  pid?: number | null;
  error?: string | null;
  context?: string | null;
  /** The schedule that created the job, if any. */
  schedule?: string | null;
}

export interface JobListOptions {
  state?: JobState;
  name?: string;
  context?: string;
  /** Newest first; default 100. */
  limit?: number;
}

/** A cron schedule that creates a job each time it fires. */
export interface ScheduleSpec {
  name: string;
  /** Cron expression (5 or 6 fields, croner syntax). */
  cron: string;
  /** IANA time zone (default: the host's). */
  timezone?: string;
  job: JobSpec;
  enabled?: boolean;
  /** Skip a firing while the previous job of this schedule still runs (default true). */
  no_overlap?: boolean;
}

export interface Schedule extends ScheduleSpec {
  next_run: string | null;
  last_run: string | null;
  last_job: string | null;
}

export interface SystemInfo {
  service: string;
  version: string;
  pid: number;
  uptime_ms: number;
  config_dir: string;
  data_dir: string;
  services: number;
  jobs_running: number;
  schedules: number;
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Client for hero_proc's JSON-RPC API over its `rpc.sock` (or an http base URL). */
export class ProcClient {
  readonly rpc: RpcClient;

  constructor(target: string, opts?: RpcClientOptions) {
    this.rpc = new RpcClient(target, opts);
  }

  /** Calls any method by name. */
  call<T = unknown>(method: string, params?: unknown, opts?: CallOptions): Promise<T> {
    return this.rpc.call<T>(method, params, opts);
  }

  close(): Promise<void> {
    return this.rpc.close();
  }

  // ---- services -------------------------------------------------------------------------

  /** Creates or replaces a service (written to `<config_dir>/<name>.toml`); params are the spec's fields. */
  serviceSet(spec: ServiceSpec): Promise<ServiceDetail> {
    return this.call('service.set', defined({ ...spec }));
  }
  serviceGet(name: string): Promise<ServiceDetail> {
    return this.call('service.get', { name });
  }
  async serviceList(): Promise<ServiceStatus[]> {
    return (await this.call<{ services: ServiceStatus[] }>('service.list', {})).services;
  }
  /** Marks the service up and starts it (and what it depends on). */
  serviceStart(name: string): Promise<ServiceStatus> {
    return this.call('service.start', { name });
  }
  /** Marks the service down and stops its whole process group. */
  serviceStop(name: string): Promise<ServiceStatus> {
    return this.call('service.stop', { name });
  }
  serviceRestart(name: string): Promise<ServiceStatus> {
    return this.call('service.restart', { name });
  }
  /** Sends a signal to the service's process group (default SIGTERM) without changing the desired state. */
  serviceKill(name: string, signal?: string): Promise<ServiceStatus> {
    return this.call('service.kill', defined({ name, signal }));
  }
  /** Stops the service and removes its definition file. */
  serviceDelete(name: string): Promise<{ deleted: boolean }> {
    return this.call('service.delete', { name });
  }
  serviceStatus(name: string): Promise<ServiceStatus> {
    return this.call('service.status', { name });
  }
  serviceStats(name: string): Promise<ServiceStats> {
    return this.call('service.stats', { name });
  }
  /** Recent output lines of a service (from the ring buffer). */
  serviceLogs(
    name: string,
    opts: { lines?: number; after_seq?: number; stream?: LogStream } = {},
  ): Promise<{ lines: LogLine[] }> {
    return this.call('service.logs', defined({ name, ...opts }));
  }

  // ---- jobs -----------------------------------------------------------------------------

  jobCreate(spec: JobSpec): Promise<Job> {
    return this.call('job.create', defined({ ...spec }));
  }
  jobGet(id: string): Promise<Job> {
    return this.call('job.get', { id });
  }
  /** The job once finished, or its current state when `timeoutMs` passes (no limit by default). */
  jobWait(id: string, timeoutMs?: number): Promise<Job> {
    const callTimeout = timeoutMs === undefined ? 0 : timeoutMs + 30_000;
    return this.call('job.wait', defined({ id, timeout_ms: timeoutMs }), { timeoutMs: callTimeout });
  }
  jobCancel(id: string): Promise<Job> {
    return this.call('job.cancel', { id });
  }
  async jobList(opts: JobListOptions = {}): Promise<Job[]> {
    return (await this.call<{ jobs: Job[] }>('job.list', defined({ ...opts }))).jobs;
  }
  jobLogs(id: string): Promise<{ lines: LogLine[] }> {
    return this.call('job.logs', { id });
  }

  // ---- schedules ------------------------------------------------------------------------

  scheduleSet(spec: ScheduleSpec): Promise<Schedule> {
    return this.call('schedule.set', defined({ ...spec }));
  }
  async scheduleList(): Promise<Schedule[]> {
    return (await this.call<{ schedules: Schedule[] }>('schedule.list', {})).schedules;
  }
  scheduleDelete(name: string): Promise<{ deleted: boolean }> {
    return this.call('schedule.delete', { name });
  }

  // ---- secrets --------------------------------------------------------------------------

  secretSet(key: string, value: string, context = 'default'): Promise<{ context: string; key: string }> {
    return this.call('secret.set', { context, key, value });
  }
  async secretGet(key: string, context = 'default'): Promise<string> {
    return (await this.call<{ value: string }>('secret.get', { context, key })).value;
  }
  /** Keys only, never values. */
  async secretList(context?: string): Promise<{ context: string; key: string }[]> {
    return (await this.call<{ secrets: { context: string; key: string }[] }>('secret.list', defined({ context }))).secrets;
  }
  secretDelete(key: string, context = 'default'): Promise<{ deleted: boolean }> {
    return this.call('secret.delete', { context, key });
  }

  // ---- logs / system --------------------------------------------------------------------

  /** The last lines of one source (`svc:<name>`, `job:<id>`) or of everything. */
  logTail(opts: { source?: string; lines?: number } = {}): Promise<{ lines: LogLine[] }> {
    return this.call('log.tail', defined({ ...opts }));
  }
  /** Searches the ring buffers (and, for one service, its log files). */
  logQuery(q: LogQuery = {}): Promise<{ lines: LogLine[] }> {
    return this.call('log.query', defined({ ...q }));
  }
  ping(): Promise<{ pong: true }> {
    return this.call('system.ping', {});
  }
  info(): Promise<SystemInfo> {
    return this.call('system.info', {});
  }
}
