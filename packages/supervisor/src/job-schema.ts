import { z } from 'zod';
import { JOB_STATUSES } from './types.js';

export const JOB_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A job as callers submit it (the seeds' Job object; server-owned fields optional). */
export const jobInputSchema = z
  .object({
    id: z.string().regex(JOB_ID, 'job ids use A-Z a-z 0-9 . _ : - (1-128 chars)').optional().describe('Job id; generated when absent'),
    caller_id: z.string().max(256).default('').describe('Who submits the job'),
    context_id: z.string().max(256).default('').describe('Context the job belongs to'),
    payload: z.string().describe('What the runner executes'),
    runner: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'runner names use A-Z a-z 0-9 . _ - (1-64 chars)').describe('Runner (queue) name'),
    executor: z.string().max(64).default('bash').describe('Interpreter for the command runner: bash, sh, node, python3'),
    timeout: z.number().min(0).max(7 * 24 * 3600).optional().describe('Seconds the job may run (0 = no limit); default from config'),
    env_vars: z.record(z.string(), z.string()).default({}).describe('Environment variables for the job'),
    created_at: z.string().optional().describe('Ignored: set by the supervisor'),
    updated_at: z.string().optional().describe('Ignored: set by the supervisor'),
  })
  .describe('Job specification');

export const jobStatusSchema = z.enum(JOB_STATUSES as [string, ...string[]]);

export const jobSchema = z.object({
  id: z.string(),
  caller_id: z.string(),
  context_id: z.string(),
  payload: z.string(),
  runner: z.string(),
  executor: z.string(),
  timeout: z.number(),
  env_vars: z.record(z.string(), z.string()),
  created_at: z.string(),
  updated_at: z.string(),
  status: jobStatusSchema,
  result: z.string().optional(),
  error: z.string().optional(),
  started_at: z.string().optional(),
  finished_at: z.string().optional(),
  attempts: z.number(),
});

export const jobResultSchema = z.union([z.object({ success: z.string() }), z.object({ error: z.string() })]);
