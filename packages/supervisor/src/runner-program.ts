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
