import type { Redis } from 'ioredis';
import type { JobStore } from './job-store.js';
import { isFinal } from './job-store.js';
import type { Job } from './types.js';

interface Waiter {
  resolve: (job: Job | undefined) => void;
}

/**
 * Wakes callers waiting for jobs to end: one subscriber connection on the done channel, plus
 * a slow poll so a message lost during a reconnect delays a waiter instead of losing it.
 */
export class Waiters {
  private readonly waiting = new Map<string, Set<Waiter>>();
  private poll: NodeJS.Timeout | undefined;

  constructor(private readonly sub: Redis, private readonly store: JobStore, private readonly channel: string) {}

  async start(): Promise<void> {
    this.sub.on('message', (_ch: string, id: string) => {
      if (this.waiting.has(id)) void this.check(id);
    });
    await this.sub.subscribe(this.channel);
    this.poll = setInterval(() => {
      for (const id of this.waiting.keys()) void this.check(id);
    }, 1000);
    this.poll.unref();
  }

  stop(): void {
    clearInterval(this.poll);
    for (const set of this.waiting.values()) for (const w of set) w.resolve(undefined);
    this.waiting.clear();
  }

  private async check(id: string): Promise<void> {
    let job: Job | undefined;
    try {
      job = await this.store.get(id);
    } catch {
      return;
    }
    if (!isFinal(job.status)) return;
    const set = this.waiting.get(id);
    if (!set) return;
    this.waiting.delete(id);
    for (const w of set) w.resolve(job);
  }

  /**
   * Resolves with the job once it has ended, or undefined after `timeoutMs` (0 = no limit) or
   * when `signal` aborts. Register before dispatching so the end cannot be missed.
   */
  wait(id: string, timeoutMs: number, signal?: AbortSignal): { promise: Promise<Job | undefined>; checkNow: () => void; cancel: () => void } {
    let timer: NodeJS.Timeout | undefined;
    let w!: Waiter;
    const promise = new Promise<Job | undefined>((resolve) => {
      const finish = (job: Job | undefined) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const set = this.waiting.get(id);
        set?.delete(w);
        if (set && set.size === 0) this.waiting.delete(id);
        resolve(job);
      };
      w = { resolve: finish };
      const onAbort = () => finish(undefined);
      let set = this.waiting.get(id);
      if (!set) this.waiting.set(id, (set = new Set()));
      set.add(w);
      if (timeoutMs > 0) timer = setTimeout(() => finish(undefined), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    return { promise, checkNow: () => void this.check(id), cancel: () => w.resolve(undefined) };
  }
}
