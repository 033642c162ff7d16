/** The built-in command runner: runs a job's payload with its executor's interpreter. */
import { spawn } from 'node:child_process';
import type { Logger } from 'pino';
import { createRunner, type Runner, type RunnerHandler } from './runner.js';
import type { RedisTarget } from './redis.js';
import { EXECUTORS } from './types.js';

export interface CommandHandlerOptions {
  /** Largest stdout kept as the result (default 1 MiB; the rest is cut). */
  maxOutputBytes?: number;
  /** Time between SIGTERM and SIGKILL when a job is stopped or times out (default 2 s). */
  killGraceMs?: number;
  /** Base environment of jobs (default: this process's, minus the runner's own HERO_* settings). */
  baseEnv?: NodeJS.ProcessEnv;
}

const PRIVATE_ENV = /^HERO_(REDIS_URL|RUNNER_|NAMESPACE$)/;

function interpreter(executor: string, payload: string): [string, string[]] {
  switch (executor) {
    case 'bash':
      return ['bash', ['-c', payload]];
    case 'sh':
      return ['sh', ['-c', payload]];
    case 'node':
      return [process.execPath, ['-e', payload]];
    case 'python3':
      return ['python3', ['-c', payload]];
    default:
      throw new Error(`unsupported executor "${executor}" (expected ${EXECUTORS.join(', ')})`);
  }
}

/** A handler that executes the payload; stdout is the result, a non-zero exit an error (stderr). */
export function commandHandler(opts: CommandHandlerOptions = {}): RunnerHandler {
  const maxOut = opts.maxOutputBytes ?? 1024 * 1024;
  const grace = opts.killGraceMs ?? 2000;
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(opts.baseEnv ?? process.env)) if (!PRIVATE_ENV.test(k)) base[k] = v;
  return (job, { signal }) =>
    new Promise<string>((resolve, reject) => {
      const [cmd, args] = interpreter(job.executor || 'bash', job.payload);
      const child = spawn(cmd, args, { env: { ...base, ...job.env_vars }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const out: Buffer[] = [];
      let outLen = 0;
      let err = '';
      child.stdout.on('data', (c: Buffer) => {
        if (outLen < maxOut) out.push(c.subarray(0, maxOut - outLen));
        outLen += c.length;
      });
      child.stderr.on('data', (c: Buffer) => {
        if (err.length < 64 * 1024) err += c.toString('utf8');
      });
      let killTimer: NodeJS.Timeout | undefined;
      const kill = () => {
        const group = (sig: NodeJS.Signals) => {
          try {
            if (child.pid) process.kill(-child.pid, sig);
          } catch {
            /* gone */
          }
        };
        group('SIGTERM');
        killTimer = setTimeout(() => group('SIGKILL'), grace);
        killTimer.unref();
      };
      if (signal.aborted) kill();
      else signal.addEventListener('abort', kill, { once: true });
      child.once('error', (e) => {
        signal.removeEventListener('abort', kill);
        reject(new Error(`cannot run ${cmd}: ${e.message}`));
      });
      child.once('close', (code, sig) => {
        signal.removeEventListener('abort', kill);
        clearTimeout(killTimer);
        if (signal.aborted) return reject(new Error(String(signal.reason)));
        if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
        const tail = err.trim().slice(-4096);
        reject(new Error(tail || (sig ? `killed by ${sig}` : `exit code ${code}`)));
      });
    });
}

export interface CommandRunnerOptions {
  name: string;
  redis: string | RedisTarget;
  namespace?: string;
  concurrency?: number;
  instance?: string;
  logger?: Logger;
  drainMs?: number;
  heartbeatMs?: number;
}

/** Starts the built-in command runner under `name`. */
export function createCommandRunner(opts: CommandRunnerOptions): Runner {
  return createRunner({ ...opts, handler: commandHandler() });
}
