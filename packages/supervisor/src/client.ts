/**
 * Typed client of hero_supervisor and the types it shares with the server. Browser-safe: it
 * uses `fetch` for HTTP, loads undici only when given a Unix socket path, and takes any
 * Mycelium client (`request(msg, timeoutSecs)`) for the bus.
 */
import type {
  Job,
  JobInput,
  JobResult,
  JobResultOrPending,
  JobStatus,
  JobStatusInfo,
  LogLine,
  RunnerStatus,
  SecretRole,
  SecretsSummary,
  SupervisorInfo,
} from './types.js';

export * from './types.js';
export { JobBuilder } from './job-builder.js';

/** Topic the supervisor serves JSON-RPC on over the bus. */
export const SUPERVISOR_BUS_TOPIC = 'supervisor.rpc';

/** An error answered by the supervisor (or `HERO_UNAVAILABLE` / `HERO_TIMEOUT` from the transport). */
export class SupervisorError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly rpcCode: number,
    readonly data: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'SupervisorError';
  }
}

/** Anything that can carry one JSON-RPC request and return the parsed response. */
export interface SupervisorTransport {
  send(body: string, timeoutMs: number): Promise<unknown>;
  close?(): Promise<void>;
}

/** The part of a Mycelium client the bus transport needs (`MyceliumClient` fits). */
export interface BusRequester {
  request(msg: { dst: { ip: string } | { pk: string }; topic: string; payload: string }, timeoutSecs: number): Promise<{ payload: Uint8Array }>;
}

export interface SupervisorClientOptions {
  /** Secret sent as the `secret` param of every call. */
  secret?: string;
  /** Per-call timeout in ms (default 60 s; `job.run` and waits add their own time). */
  timeoutMs?: number;
}

type FetchLike = (url: string, init: Record<string, unknown>) => Promise<{ status: number; text(): Promise<string> }>;

function unavailable(target: string, err: unknown): SupervisorError {
  return new SupervisorError(`cannot reach ${target}: ${(err as Error)?.message ?? String(err)}`, 'HERO_UNAVAILABLE', -32003);
}

/** HTTP(S) base URL (`http://127.0.0.1:3030`): POST `<url>/rpc` with fetch. */
export function httpTransport(url: string, fetchImpl?: FetchLike): SupervisorTransport {
  const base = url.replace(/\/+$/, '');
  return {
    async send(body, timeoutMs) {
      const f = fetchImpl ?? (globalThis.fetch as unknown as FetchLike);
      let res;
      try {
        res = await f(`${base}/rpc`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          ...(timeoutMs > 0 ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
        });
      } catch (err) {
        if ((err as Error)?.name === 'TimeoutError') throw new SupervisorError(`${url}: no reply within ${timeoutMs} ms`, 'HERO_TIMEOUT', -32000);
        throw unavailable(url, err);
      }
      const text = await res.text();
      if (res.status !== 200) throw new SupervisorError(`${url}: HTTP ${res.status}: ${text.slice(0, 200)}`, 'HERO_RPC', -32000);
      return JSON.parse(text);
    },
  };
}

/** Unix socket (`…/hero_supervisor/rpc.sock`), through undici (Node only, loaded on first use). */
export function socketTransport(socketPath: string): SupervisorTransport {
  type Undici = {
    Agent: new (o: unknown) => { close(): Promise<void> };
    request: (
      url: string,
      o: Record<string, unknown>,
    ) => Promise<{ statusCode: number; body: { text(): Promise<string> } }>;
  };
  let agent: { close(): Promise<void> } | undefined;
  let undici: Undici | undefined;
  const undiciName = 'undici';
  return {
    async send(body, timeoutMs) {
      // undici's request(): much lighter than fetch for a local socket
      undici ??= (await import(/* @vite-ignore */ undiciName)) as Undici;
      agent ??= new undici.Agent({ connect: { socketPath }, keepAliveTimeout: 4000 });
      let res;
      try {
        res = await undici.request('http://localhost/rpc', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          dispatcher: agent,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
          throw new SupervisorError(`${socketPath}: no reply within ${timeoutMs} ms`, 'HERO_TIMEOUT', -32000);
        }
        throw unavailable(socketPath, err);
      }
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new SupervisorError(`${socketPath}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`, 'HERO_RPC', -32000);
      return JSON.parse(text);
    },
    close: async () => {
      await agent?.close();
    },
  };
}

/** The Mycelium bus: a request on topic `supervisor.rpc` to a node by IP or public key. */
export function busTransport(bus: BusRequester, dst: { ip: string } | { pk: string } | string): SupervisorTransport {
  const to = typeof dst === 'string' ? (/^[0-9a-fA-F]{64}$/.test(dst) ? { pk: dst.toLowerCase() } : { ip: dst }) : dst;
  return {
    async send(body, timeoutMs) {
      const secs = timeoutMs > 0 ? Math.ceil(timeoutMs / 1000) : 3600;
      let reply;
      try {
        reply = await bus.request({ dst: to, topic: SUPERVISOR_BUS_TOPIC, payload: body }, secs);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'HERO_TIMEOUT') throw new SupervisorError(`no reply over the bus within ${secs} s`, 'HERO_TIMEOUT', -32000);
        throw unavailable('the bus', err);
      }
      return JSON.parse(new TextDecoder().decode(reply.payload));
    },
  };
}

export interface ListJobsOptions {
  runner?: string;
  status?: JobStatus;
  limit?: number;
  offset?: number;
}

/** Client of every hero_supervisor method. */
export class SupervisorClient {
  private readonly transport: SupervisorTransport;
  private readonly secret: string | undefined;
  private readonly timeoutMs: number;
  private nextId = 1;

  /** `target`: an http(s) URL, a Unix socket path, or a transport (e.g. {@link busTransport}). */
  constructor(target: string | SupervisorTransport, opts: SupervisorClientOptions = {}) {
    this.transport = typeof target !== 'string' ? target : /^https?:\/\//.test(target) ? httpTransport(target) : socketTransport(target);
    this.secret = opts.secret;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
  }

  /** Calls a method with named params (the secret is added); throws SupervisorError. */
  async call<T = unknown>(method: string, params: Record<string, unknown> = {}, timeoutMs = this.timeoutMs): Promise<T> {
    const p: Record<string, unknown> = { ...params };
    if (this.secret !== undefined && !('secret' in p)) p.secret = this.secret;
    for (const key of Object.keys(p)) if (p[key] === undefined) delete p[key];
    const res = (await this.transport.send(JSON.stringify({ jsonrpc: '2.0', id: this.nextId++, method, params: p }), timeoutMs)) as {
      result?: unknown;
      error?: { code: number; message: string; data?: Record<string, unknown> };
    };
    if (res && typeof res === 'object' && res.error) {
      const data = (res.error.data ?? {}) as Record<string, unknown>;
      throw new SupervisorError(res.error.message, typeof data.code === 'string' ? data.code : 'HERO_RPC', res.error.code, data);
    }
    return res?.result as T;
  }

  close(): Promise<void> {
    return this.transport.close?.() ?? Promise.resolve();
  }

  // runners
  registerRunner(name: string, queue?: string): Promise<null> {
    return this.call('register_runner', { name, queue });
  }
  removeRunner(name: string): Promise<null> {
    return this.call('remove_runner', { name });
  }
  listRunners(): Promise<string[]> {
    return this.call('list_runners');
  }
  startRunner(name: string): Promise<null> {
    return this.call('start_runner', { name });
  }
  stopRunner(name: string): Promise<null> {
    return this.call('stop_runner', { name });
  }
  getRunnerStatus(name: string): Promise<RunnerStatus> {
    return this.call('get_runner_status', { name });
  }
  getRunnerLogs(name: string, lines?: number): Promise<LogLine[]> {
    return this.call('get_runner_logs', { name, lines });
  }
  getAllRunnerStatus(): Promise<RunnerStatus[]> {
    return this.call('get_all_runner_status');
  }
  startAll(): Promise<null> {
    return this.call('start_all');
  }
  stopAll(): Promise<null> {
    return this.call('stop_all');
  }

  // jobs
  /** Stores a job; `start` queues it at once. Returns the job id. */
  createJob(job: JobInput, opts: { start?: boolean } = {}): Promise<string> {
    return this.call('jobs.create', { job, start: opts.start });
  }
  /**
   * Stores many jobs in one JSON-RPC batch request (one round trip); returns their ids in
   * order. Throws the first error after every job was tried.
   */
  async createJobs(jobs: JobInput[], opts: { start?: boolean } = {}): Promise<string[]> {
    if (jobs.length === 0) return [];
    const base = this.nextId;
    this.nextId += jobs.length;
    const batch = jobs.map((job, i) => {
      const params: Record<string, unknown> = { job, start: opts.start };
      if (this.secret !== undefined) params.secret = this.secret;
      return { jsonrpc: '2.0', id: base + i, method: 'jobs.create', params };
    });
    const res = (await this.transport.send(JSON.stringify(batch), this.timeoutMs)) as {
      id: number;
      result?: string;
      error?: { code: number; message: string; data?: Record<string, unknown> };
    }[];
    if (!Array.isArray(res)) throw new SupervisorError('batch request answered with a single reply', 'HERO_RPC', -32000);
    const byId = new Map(res.map((r) => [r.id, r]));
    const ids: string[] = [];
    for (let i = 0; i < jobs.length; i++) {
      const r = byId.get(base + i);
      if (!r || r.error) {
        const e = r?.error ?? { code: -32603, message: 'no reply for a batch entry' };
        const data = e.data ?? {};
        throw new SupervisorError(e.message, typeof data.code === 'string' ? data.code : 'HERO_RPC', e.code, data);
      }
      ids.push(r.result!);
    }
    return ids;
  }
  listJobs(opts: ListJobsOptions = {}): Promise<Job[]> {
    return this.call('jobs.list', { ...opts });
  }
  /** Queues a job and waits for `{success}` or `{error}`. */
  runJob(job: JobInput): Promise<JobResult> {
    const t = job.timeout && job.timeout > 0 ? (job.timeout + 60) * 1000 : 0;
    return this.call('job.run', { job }, t);
  }
  startJob(jobId: string): Promise<null> {
    return this.call('job.start', { job_id: jobId });
  }
  stopJob(jobId: string): Promise<null> {
    return this.call('job.stop', { job_id: jobId });
  }
  deleteJob(jobId: string): Promise<null> {
    return this.call('job.delete', { job_id: jobId });
  }
  jobStatus(jobId: string): Promise<JobStatusInfo> {
    return this.call('job.status', { job_id: jobId });
  }
  /** The outcome; with `waitSecs` waits that long for a running job to end. */
  jobResult(jobId: string, waitSecs = 0): Promise<JobResultOrPending> {
    return this.call('job.result', { job_id: jobId, wait_secs: waitSecs }, this.timeoutMs + waitSecs * 1000);
  }

  // secrets and info
  addSecret(role: SecretRole, value: string): Promise<null> {
    return this.call('add_secret', { secret_type: role, secret_value: value });
  }
  removeSecret(role: SecretRole, value: string): Promise<{ removed: boolean }> {
    return this.call('remove_secret', { secret_type: role, secret_value: value });
  }
  listSecrets(): Promise<SecretsSummary> {
    return this.call('list_secrets');
  }
  getSupervisorInfo(): Promise<SupervisorInfo> {
    return this.call('get_supervisor_info');
  }
  discover(): Promise<Record<string, unknown>> {
    return this.call('rpc.discover');
  }
}
