import { HeroError, UnavailableError } from '@hero/core';
import { ProcClient, type Job, type JobSpec, type LogLine } from '@hero/proc/client';

const TERMINAL = new Set(['succeeded', 'failed', 'timeout', 'cancelled']);

/** True for a finished hero_proc job state. */
export function isTerminal(state: string): boolean {
  return TERMINAL.has(state);
}

/** hero_proc as hero_code uses it: create a job, wait for it, fetch its output. Never hangs. */
export class ProcLink {
  private readonly client: ProcClient;

  constructor(
    readonly socket: string,
    private readonly timeoutMs: number,
  ) {
    this.client = new ProcClient(socket, { timeoutMs });
  }

  private explain(err: unknown, what: string): never {
    if (err instanceof HeroError && (err.code === 'HERO_UNAVAILABLE' || err.code === 'HERO_TIMEOUT')) {
      throw new UnavailableError(`hero_proc is not available at ${this.socket} (${what}): ${err.message}`, { cause: err });
    }
    throw err;
  }

  /** Creates the job and returns at once with its id and first state. */
  async create(spec: JobSpec): Promise<Job> {
    try {
      return await this.client.jobCreate(spec);
    } catch (err) {
      this.explain(err, 'job.create');
    }
  }

  /** Waits up to `waitMs` for the job to finish; returns its state either way. */
  async wait(id: string, waitMs: number, signal: AbortSignal): Promise<Job> {
    try {
      return await this.client.call<Job>('job.wait', { id, timeout_ms: waitMs }, { timeoutMs: waitMs + this.timeoutMs, signal });
    } catch (err) {
      if (signal.aborted) throw err;
      this.explain(err, 'job.wait');
    }
  }

  async logs(id: string): Promise<LogLine[]> {
    try {
      return (await this.client.jobLogs(id)).lines;
    } catch (err) {
      this.explain(err, 'job.logs');
    }
  }

  /** Asks hero_proc to stop the job (its whole process group). */
  async cancel(id: string): Promise<Job> {
    try {
      return await this.client.jobCancel(id);
    } catch (err) {
      this.explain(err, 'job.cancel');
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
