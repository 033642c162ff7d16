/**
 * Program entry of the built-in command runner as the supervisor starts it: settings come from
 * HERO_RUNNER_NAME, HERO_REDIS_URL, HERO_NAMESPACE, HERO_RUNNER_CONCURRENCY, HERO_RUNNER_INSTANCE.
 */
import { createRootLogger } from '@hero/core/cli';
import { runCommandRunnerProgram } from './runner-program.js';

const env = process.env;
const logger = await createRootLogger(env.HERO_RUNNER_LOG_LEVEL ?? 'info', false);
await runCommandRunnerProgram(
  {
    name: env.HERO_RUNNER_NAME ?? '',
    redis: env.HERO_REDIS_URL ?? '',
    namespace: env.HERO_NAMESPACE || 'hero',
    concurrency: Number(env.HERO_RUNNER_CONCURRENCY || 1),
    instance: env.HERO_RUNNER_INSTANCE || undefined,
    drainMs: env.HERO_RUNNER_DRAIN_MS ? Number(env.HERO_RUNNER_DRAIN_MS) : undefined,
    heartbeatMs: env.HERO_RUNNER_HEARTBEAT_MS ? Number(env.HERO_RUNNER_HEARTBEAT_MS) : undefined,
  },
  logger,
);
