import type { Logger } from 'pino';
import { toHeroError, type HeroError, type ReadyInfo, type RunContext } from '@hero/core';

/** One service as the bundle runs it. */
export interface ServiceTask {
  /** Config table name (`db`, `proc`, …). */
  key: string;
  /** Service dir name (`hero_db`, …). */
  service: string;
  start: (signal: AbortSignal, ctx: RunContext) => Promise<void>;
}

export type ServiceState = 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped' | 'failed';

export interface ServiceStatus {
  key: string;
  service: string;
  state: ServiceState;
  restarts: number;
  ready?: ReadyInfo;
  lastError?: string;
}

export interface OrchestratorOptions {
  logger?: Logger;
  /** The program's environment, passed to services that start programs. */
  env?: RunContext['env'];
  /** Failures allowed within `failureWindowMs` before the bundle gives up (default 5). */
  maxRestarts?: number;
  failureWindowMs?: number;
  /** First restart delay; doubles per failure up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Time a service gets to stop before the bundle moves on (default 10 s). */
  stopTimeoutMs?: number;
}

interface Running {
  task: ServiceTask;
  status: ServiceStatus;
  ac: AbortController;
  done: Promise<void>;
  failures: number[];
}

/** Delay before the n-th consecutive restart (n ≥ 1): base·2^(n-1), capped. */
export function backoffDelay(n: number, base: number, cap: number): number {
  return Math.min(cap, base * 2 ** Math.max(0, n - 1));
}

/**
 * Starts services one after the other (each awaited until ready), restarts one whose `run`
 * rejects with backoff while the others keep serving, and stops them in reverse order.
 * `finished` resolves with the exit code the program should use.
 */
export class Orchestrator {
  private readonly running: Running[] = [];
  private stopping: Promise<void> | undefined;

  /** True once the bundle is stopping (a signal, or a service that keeps failing). */
  get stopped(): boolean {
    return this.stopping !== undefined;
  }
  /** Why the bundle gave up (set when `finished` resolves with 1). */
  failure: string | undefined;
  private resolveFinished!: (code: number) => void;
  readonly finished = new Promise<number>((r) => (this.resolveFinished = r));
  private readonly opts: Required<Omit<OrchestratorOptions, 'logger' | 'env'>> & Pick<OrchestratorOptions, 'logger' | 'env'>;

  constructor(private readonly tasks: ServiceTask[], opts: OrchestratorOptions = {}) {
    this.opts = {
      maxRestarts: 5,
      failureWindowMs: 60_000,
      backoffMs: 250,
      maxBackoffMs: 10_000,
      stopTimeoutMs: 10_000,
      ...opts,
    };
  }

  statuses(): ServiceStatus[] {
    return this.running.map((r) => ({ ...r.status }));
  }

  /**
   * Starts every task in order; on the first failure stops what started and rethrows. A stop
   * asked for meanwhile ends the start once everything is stopped.
   */
  async start(): Promise<ServiceStatus[]> {
    for (const task of this.tasks) {
      if (this.stopping) break;
      const status: ServiceStatus = { key: task.key, service: task.service, state: 'starting', restarts: 0 };
      const entry: Running = { task, status, ac: new AbortController(), done: Promise.resolve(), failures: [] };
      this.running.push(entry);
      try {
        await this.launch(entry);
      } catch (err) {
        // a stop asked for while this task was starting (SIGTERM during start) is no start failure
        if (this.stopping) {
          await this.stopping;
          break;
        }
        status.state = 'failed';
        status.lastError = toHeroError(err).message;
        await this.stop();
        throw Object.assign(toHeroError(err), { service: task.service });
      }
    }
    return this.statuses();
  }

  /** Runs a task until it reports ready; afterwards its exit is watched. */
  private launch(entry: Running): Promise<void> {
    const { task, status } = entry;
    const logger = this.opts.logger?.child({ service: task.service });
    entry.ac = new AbortController();
    const signal = entry.ac.signal;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      entry.done = task
        .start(signal, {
          logger,
          env: this.opts.env,
          onReady: (info) => {
            ready = true;
            status.state = 'running';
            status.ready = info;
            resolve();
          },
        })
        .then(
          () => {
            if (!ready) reject(toHeroError(new Error(`${task.service} stopped before it was ready`)));
            else if (!signal.aborted) this.onFailure(entry, new Error('run resolved without being stopped'));
          },
          (err: unknown) => {
            if (!ready) reject(err);
            else if (!signal.aborted) this.onFailure(entry, err);
          },
        );
    });
  }

  private onFailure(entry: Running, err: unknown): void {
    const { status, task } = entry;
    const he: HeroError = toHeroError(err);
    const logger = this.opts.logger?.child({ service: task.service });
    status.lastError = he.message;
    const now = Date.now();
    entry.failures = entry.failures.filter((t) => now - t < this.opts.failureWindowMs);
    entry.failures.push(now);
    if (entry.failures.length > this.opts.maxRestarts) {
      status.state = 'failed';
      this.failure = `${task.service} failed ${entry.failures.length} times within ${Math.round(this.opts.failureWindowMs / 1000)} s (last: ${he.message}); every service stopped`;
      logger?.error({ err: he, failures: entry.failures.length }, 'service keeps failing; stopping the bundle');
      void this.stop().then(() => this.resolveFinished(1));
      return;
    }
    status.state = 'restarting';
    const delay = backoffDelay(entry.failures.length, this.opts.backoffMs, this.opts.maxBackoffMs);
    logger?.warn({ err: he, delay_ms: delay, restarts: status.restarts + 1 }, 'service failed; restarting');
    setTimeout(() => {
      if (this.stopping) return;
      status.restarts++;
      this.launch(entry).then(
        () => logger?.info('service restarted'),
        (e: unknown) => {
          if (!this.stopping) this.onFailure(entry, e);
        },
      );
    }, delay).unref();
  }

  /** Stops every service in reverse start order; idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const entry of [...this.running].reverse()) {
        entry.status.state = 'stopping';
        entry.ac.abort();
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          entry.done.then(() => false, () => false),
          new Promise<boolean>((r) => (timer = setTimeout(() => r(true), this.opts.stopTimeoutMs))),
        ]);
        clearTimeout(timer);
        if (timedOut) this.opts.logger?.warn({ service: entry.task.service }, 'service did not stop in time');
        entry.status.state = 'stopped';
      }
    })();
    return this.stopping;
  }

  /** Stops and resolves `finished` with 0. */
  async shutdown(): Promise<void> {
    await this.stop();
    this.resolveFinished(0);
  }
}
