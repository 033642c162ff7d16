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
  /** Most time one service gets to stop before the next one is stopped (default 10 s). */
  stopTimeoutMs?: number;
  /**
   * Deadline of the whole stop (default 25 s, below the program's 30 s forced exit). Each
   * service waits at most its fair share of what is left (and at most `stopTimeoutMs`); one
   * that overruns it is left behind while the next ones stop.
   */
  shutdownTimeoutMs?: number;
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

/** True when `p` settles (either way) within `ms`. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    p.then(() => true, () => true),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(false), Math.max(0, ms)))),
  ]);
  clearTimeout(timer);
  return settled;
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
  /** Services still running when the stop's deadline passed (their abort was ignored). */
  leftBehind: string[] = [];
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
      shutdownTimeoutMs: 25_000,
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

  /**
   * Stops every service in reverse start order within one deadline; idempotent. Each may take
   * its full stop time while the later ones keep a reserve; one that overruns is left behind
   * (still watched until the deadline) so that the ones after it are aborted in time; those
   * still running at the deadline end up in `leftBehind`.
   */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    const { stopTimeoutMs, shutdownTimeoutMs, logger } = this.opts;
    const deadline = Date.now() + shutdownTimeoutMs;
    const order = [...this.running].reverse();
    const late: Running[] = [];
    // each service may take its full stop time as long as every later one keeps a reserve: the
    // stop order stays strict (a service's dependencies are not aborted under it) unless time
    // runs out, and the last ones are still aborted before the deadline
    const reserveMs = Math.min(1000, shutdownTimeoutMs / (2 * Math.max(1, order.length)));
    for (const [i, entry] of order.entries()) {
      entry.status.state = 'stopping';
      entry.ac.abort();
      const later = order.length - i - 1;
      const share = Math.max(0, Math.min(stopTimeoutMs, deadline - Date.now() - later * reserveMs));
      if (await settlesWithin(entry.done, share)) {
        entry.status.state = 'stopped';
      } else {
        late.push(entry);
        logger?.warn({ service: entry.task.service, waited_ms: Math.round(share) }, 'service did not stop in time; stopping the next ones');
      }
    }
    // a slow one may still finish while the deadline lasts
    await Promise.all(
      late.map(async (entry) => {
        if (await settlesWithin(entry.done, deadline - Date.now())) entry.status.state = 'stopped';
      }),
    );
    for (const entry of late) {
      if (entry.status.state === 'stopped') continue;
      entry.status.state = 'failed';
      entry.status.lastError = 'did not stop before the shutdown deadline';
      this.leftBehind.push(entry.task.service);
    }
    if (this.leftBehind.length) {
      logger?.error({ services: this.leftBehind, deadline_ms: shutdownTimeoutMs }, 'services did not stop before the shutdown deadline');
    }
  }

  /** Stops and resolves `finished`: 0, or 1 when a service was left running. */
  async shutdown(): Promise<void> {
    await this.stop();
    if (this.leftBehind.length) {
      this.failure ??= `${this.leftBehind.join(', ')} did not stop within ${this.opts.shutdownTimeoutMs / 1000} s of the stop request`;
      this.resolveFinished(1);
    } else {
      this.resolveFinished(0);
    }
  }
}
