import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { EXIT_USAGE, cliSocketDir, createRootLogger, reportError } from '@hero/core/cli';
import { socketPath } from '@hero/core';

/** `hero-runner`: the built-in command runner as a standalone program. */
const program = new Command('hero-runner')
  .description('run jobs from <ns>:work_queue:<name> with bash, sh, node or python3')
  .exitOverride()
  .showHelpAfterError(false)
  .option('--name <name>', 'runner (queue) name (env HERO_RUNNER_NAME)')
  .option('--redis-url <url>', 'redis://…, unix:///path or a socket path (env HERO_REDIS_URL; default hero_db resp.sock)')
  .option('--namespace <ns>', 'Redis key prefix (env HERO_NAMESPACE)', process.env.HERO_NAMESPACE || 'hero')
  .option('--concurrency <n>', 'jobs at once (env HERO_RUNNER_CONCURRENCY)', (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('--concurrency must be a positive integer');
    return n;
  })
  .option('--socket-dir <dir>', 'socket directory for the default Redis (default $HERO_SOCKET_DIR or ~/hero/var/sockets)')
  .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent', 'info')
  .action(async (o: { name?: string; redisUrl?: string; namespace: string; concurrency?: number; socketDir?: string; logLevel: string }) => {
    const env = process.env;
    const name = o.name ?? env.HERO_RUNNER_NAME;
    if (!name) throw new InvalidArgumentError('--name is required');
    const { runCommandRunnerProgram } = await import('@hero/supervisor');
    const logger = await createRootLogger(o.logLevel);
    await runCommandRunnerProgram(
      {
        name,
        redis: o.redisUrl ?? env.HERO_REDIS_URL ?? socketPath(cliSocketDir(o.socketDir), 'hero_db', 'resp'),
        namespace: o.namespace,
        concurrency: o.concurrency ?? Number(env.HERO_RUNNER_CONCURRENCY || 1),
        instance: env.HERO_RUNNER_INSTANCE || undefined,
        drainMs: env.HERO_RUNNER_DRAIN_MS ? Number(env.HERO_RUNNER_DRAIN_MS) : undefined,
        heartbeatMs: env.HERO_RUNNER_HEARTBEAT_MS ? Number(env.HERO_RUNNER_HEARTBEAT_MS) : undefined,
      },
      logger,
    );
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError || err instanceof InvalidArgumentError) {
    if ((err as CommanderError).code === 'commander.helpDisplayed' || (err as CommanderError).exitCode === 0) process.exitCode = 0;
    else {
      if (err instanceof InvalidArgumentError && !(err as CommanderError).code) process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = EXIT_USAGE;
    }
  } else reportError(err);
}
