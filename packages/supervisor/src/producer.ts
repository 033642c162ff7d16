import type { Redis } from 'ioredis';
import { ConflictError, HeroError, NotFoundError } from '@hero/core';
import { newJob } from './job-input.js';
import { jobInputSchema } from './job-schema.js';
import { JobStore } from './job-store.js';
import { keys } from './keys.js';
import { connectRedis, openRedis, parseRedisTarget, withRedis, type RedisTarget } from './redis.js';
import type { JobInput } from './types.js';

export interface ProducerOptions {
  /** `redis://…`, `unix:///path`, a socket path, or a parsed target: the supervisors' Redis. */
  redis: string | RedisTarget;
  namespace?: string;
  /** Timeout (s) for jobs that give none; use the supervisors' `default_timeout`. */
  defaultTimeout?: number;
  maxPayloadBytes?: number;
  connectTimeoutMs?: number;
  /** Use Lua scripts where the server runs them (default true). */
  scripts?: boolean;
}

/** Adds jobs straight into the supervisors' Redis, in the layout they read. */
export interface Producer {
  /** Stores jobs (queued at once with `start`); the same checks as `jobs.create`. */
  add(jobs: readonly JobInput[], opts?: { start?: boolean }): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * A job producer for high rates: no RPC hop, jobs of one tick written in one MULTI. Runner
 * names are checked against the runners registered in Redis (known names are cached).
 */
export async function createProducer(opts: ProducerOptions): Promise<Producer> {
  const where = typeof opts.redis === 'string' ? opts.redis : 'path' in opts.redis ? opts.redis.path : opts.redis.url;
  const target = typeof opts.redis === 'string' ? parseRedisTarget(opts.redis) : opts.redis;
  const redis: Redis = openRedis(target, { name: 'hero-producer' });
  await connectRedis(redis, where, opts.connectTimeoutMs ?? 5000);
  const k = keys(opts.namespace ?? 'hero');
  const store = new JobStore(redis, k, 3600);
  if (opts.scripts !== false) await store.useScripts();
  const known = new Set<string>();
  const limits = { maxPayloadBytes: opts.maxPayloadBytes ?? 1024 * 1024, defaultTimeout: opts.defaultTimeout ?? 300 };
  return {
    async add(jobs, { start = false } = {}) {
      const prepared = jobs.map((input, i) => {
        const r = jobInputSchema.safeParse(input);
        if (!r.success) {
          const why = r.error.issues.map((x) => `${x.path.join('.') || '(job)'}: ${x.message}`).join('; ');
          throw new HeroError('HERO_INVALID', `job ${i}: ${why}`, { rpcCode: -32602 });
        }
        return { job: newJob(r.data, limits), fresh: r.data.id === undefined };
      });
      return withRedis(async () => {
        for (const runner of new Set(prepared.map((p) => p.job.runner))) {
          if (known.has(runner)) continue;
          if ((await redis.hexists(k.runners, runner)) !== 1) throw new NotFoundError(`unknown runner ${runner}`);
          known.add(runner);
        }
        // ids given by the caller must be new (generated ones are)
        const given = prepared.filter((p) => !p.fresh).map((p) => p.job.id);
        if (new Set(given).size !== given.length) throw new ConflictError('the same job id is given twice');
        if (given.length) {
          const n = await redis.exists(...given.map((id) => k.job(id)));
          if (n > 0) {
            const taken = await Promise.all(given.map(async (id) => ((await redis.exists(k.job(id))) ? id : '')));
            throw new ConflictError(`job ${taken.find((id) => id)} already exists`);
          }
        }
        await store.createMany(
          prepared.map((p) => p.job),
          start,
        );
        return prepared.map((p) => p.job.id);
      });
    },
    async close() {
      redis.disconnect();
    },
  };
}
