import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { HeroError } from '@hero/core';
import type { jobInputSchema } from './job-schema.js';
import type { Job } from './types.js';

export type NewJob = Omit<Job, 'status' | 'attempts' | 'created_at' | 'updated_at'>;

/** Turns a validated job input into the job to store: size limit, id and default timeout. */
export function newJob(input: z.output<typeof jobInputSchema>, limits: { maxPayloadBytes: number; defaultTimeout: number }): NewJob {
  const bytes = Buffer.byteLength(input.payload, 'utf8') + Buffer.byteLength(JSON.stringify(input.env_vars), 'utf8');
  if (bytes > limits.maxPayloadBytes) {
    throw new HeroError('HERO_TOO_LARGE', `job payload is ${bytes} bytes; the limit is ${limits.maxPayloadBytes}`, {
      rpcCode: -32602,
      data: { limit: limits.maxPayloadBytes },
    });
  }
  return {
    id: input.id ?? randomUUID(),
    caller_id: input.caller_id,
    context_id: input.context_id,
    payload: input.payload,
    runner: input.runner,
    executor: input.executor,
    timeout: input.timeout ?? limits.defaultTimeout,
    env_vars: input.env_vars,
  };
}
