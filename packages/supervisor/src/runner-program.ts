import type { Logger } from 'pino';
import { createCommandRunner, type CommandRunnerOptions } from './command-runner.js';

/**
 * Runs the command runner as a program: until SIGTERM/SIGINT (a second one forces exit).
 * Sets `process.exitCode` (1 when Redis cannot be reached, 2 for bad settings).
 */
export async function runCommandRunnerProgram(opts: CommandRunnerOptions, logger?: Logger): Promise<void> {
  if (!opts.name || !opts.redis) {
    process.stderr.write('error: the runner needs a name and a redis url\n');
    process.exitCode = 2;
    return;
  }
  let runner;
  try {
    runner = createCommandRunner({ ...opts, logger });
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  let signals = 0;
  const stop = () => {
    signals++;
    if (signals > 1) process.exit(1);
    void runner.close();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    await runner.ready;
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exitCode = 1;
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    return;
  }
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once('SIGTERM', done);
    process.once('SIGINT', done);
  });
  await runner.close();
  process.off('SIGTERM', stop);
  process.off('SIGINT', stop);
}

/**
 * The built-in runner as the supervisor starts it: settings from HERO_RUNNER_NAME,
 * HERO_REDIS_URL, HERO_NAMESPACE, HERO_RUNNER_CONCURRENCY, HERO_RUNNER_INSTANCE,
 * HERO_RUNNER_DRAIN_MS, HERO_RUNNER_HEARTBEAT_MS and HERO_RUNNER_LOG_LEVEL.
 */
export async function runCommandRunnerFromEnv(env: Record<string, string | undefined>): Promise<void> {
  const { createRootLogger } = await import('@hero/core/cli');
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
}
