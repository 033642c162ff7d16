import { randomUUID } from 'node:crypto';
import { ReplyError, type Redis } from 'ioredis';
import type { Logger } from 'pino';
import { exec, type JobStore } from './job-store.js';
import { instanceMember, parseInstanceMember, type Keys } from './keys.js';

/**
 * Gives the jobs of dead runner instances (no heartbeat) back to their queue, or fails them
 * once they have been tried `maxAttempts` times. One supervisor reaps at a time (a lock), so
 * several supervisors can share a Redis.
 */
export class Reaper {
  private readonly token = randomUUID();
  private readonly lockKey: string;

  constructor(
    private readonly redis: Redis,
    private readonly k: Keys,
    private readonly store: JobStore,
    private readonly opts: { maxAttempts: number; ns: string; logger?: Logger },
  ) {
    this.lockKey = `${opts.ns}:reaper_lock`;
  }

  /** One pass; returns how many jobs were put back or failed. */
  async sweep(): Promise<number> {
    const got = await this.redis.set(this.lockKey, this.token, 'PX', 10_000, 'NX');
    if (!got) return 0;
    let n = 0;
    try {
      const members = await this.redis.smembers(this.k.instances);
      for (const member of members) {
        // one bad instance (a key of the wrong type, say) must not keep the others' jobs stuck
        try {
          const parsed = parseInstanceMember(member);
          if (!parsed) {
            await this.redis.srem(this.k.instances, member);
            continue;
          }
          if (await this.redis.exists(this.k.alive(parsed.runner, parsed.instance))) continue;
          n += await this.reapInstance(parsed.runner, parsed.instance);
        } catch (err) {
          this.opts.logger?.warn({ err, instance: member.replace('\u0000', ':') }, 'could not reap a runner instance');
        }
      }
    } finally {
      if ((await this.redis.get(this.lockKey)) === this.token) await this.redis.del(this.lockKey);
    }
    return n;
  }

  /** Empties the processing list of a dead instance. */
  private async reapInstance(runner: string, instance: string): Promise<number> {
    const processing = this.k.processing(runner, instance);
    const work = this.k.workQueue(runner);
    let n = 0;
    for (;;) {
      const id = await this.redis.lindex(processing, -1);
      if (!id) break;
      n++;
      try {
        await this.reapJob(runner, processing, work, id);
      } catch (err) {
        // only a reply error (WRONGTYPE, …) is the job's fault; a lost connection ends the sweep
        if (!(err instanceof ReplyError)) throw err;
        // the id sits at the tail, so every sweep would hit it first: move it out of the way
        this.opts.logger?.error({ err, runner, instance, job: id }, 'could not reap a job; its id is dropped from the processing list');
        await this.redis.lrem(processing, 1, id);
      }
    }
    const m = this.redis.multi();
    m.srem(this.k.instances, instanceMember(runner, instance));
    m.del(this.k.instanceStopQueue(runner, instance));
    await exec(m);
    if (n) this.opts.logger?.warn({ runner, instance, jobs: n }, 'reaped jobs of a dead runner instance');
    return n;
  }

  /** Requeues, fails or drops one job of a dead instance and takes its id out of `processing`. */
  private async reapJob(runner: string, processing: string, work: string, id: string): Promise<void> {
    const key = this.k.job(id);
    const [status, attempts, stop] = await this.redis.hmget(key, 'status', 'attempts', 'stop_requested');
    if (status !== 'dispatched' && status !== 'started') {
      await this.redis.lrem(processing, 1, id);
      return;
    }
    const tries = Number(attempts ?? 0);
    if (stop) {
      await this.store.finish(id, 'stopped', { error: 'stopped' }, (m) => m.lrem(processing, 1, id));
    } else if (tries >= this.opts.maxAttempts) {
      await this.store.finish(id, 'error', { error: `runner ${runner} died while running the job (${tries} attempts)` }, (m) =>
        m.lrem(processing, 1, id),
      );
    } else {
      const m = this.redis.multi();
      m.hset(key, { status: 'dispatched', updated_at: new Date().toISOString() });
      m.hdel(key, 'worker', 'started_at');
      m.lrem(processing, 1, id);
      m.lpush(work, id);
      await exec(m);
    }
  }
}
