import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { LogLine } from './types.js';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
}

export type ProcessState = 'stopped' | 'starting' | 'running' | 'restarting' | 'stopping';

/** What a runner process manager offers the supervisor. */
export interface ManagedProcess {
  readonly kind: 'simple' | 'proc';
  readonly state: string;
  readonly pid: number | undefined;
  readonly restarts: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  logs(lines: number): Promise<LogLine[]>;
}

const MAX_LOG_LINES = 1000;

/**
 * `process_manager = "simple"`: a child process in its own process group, restarted with
 * backoff when it dies; each start gets a fresh runner instance id (`HERO_RUNNER_INSTANCE`).
 */
export class SimpleProcess implements ManagedProcess {
  readonly kind = 'simple' as const;
  state: ProcessState = 'stopped';
  restarts = 0;
  private child: ChildProcess | undefined;
  private instance: string | undefined;
  private readonly lines: LogLine[] = [];
  private backoffMs = 200;
  private restartTimer: NodeJS.Timeout | undefined;
  private exited: Promise<void> | undefined;

  constructor(
    private readonly spec: ProcessSpec,
    private readonly hooks: { onExit: (instance: string) => void; baseEnv?: Record<string, string>; logger?: Logger; stopGraceMs?: number },
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private push(stream: LogLine['stream'], text: string) {
    for (const line of text.split('\n')) {
      if (!line) continue;
      this.lines.push({ ts: new Date().toISOString(), stream, line: line.slice(0, 4096) });
    }
    if (this.lines.length > MAX_LOG_LINES) this.lines.splice(0, this.lines.length - MAX_LOG_LINES);
  }

  private spawnOnce(): void {
    const instance = randomUUID();
    const startedAt = Date.now();
    const child = spawn(this.spec.command, this.spec.args, {
      env: { ...this.hooks.baseEnv, ...this.spec.env, HERO_RUNNER_INSTANCE: instance },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    this.instance = instance;
    this.state = 'running';
    child.stdout?.setEncoding('utf8').on('data', (t: string) => this.push('stdout', t));
    child.stderr?.setEncoding('utf8').on('data', (t: string) => this.push('stderr', t));
    this.exited = new Promise<void>((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
        if (this.child !== child) return resolve();
        this.child = undefined;
        this.push('system', error ? `cannot start: ${error.message}` : `exited (code ${code}, signal ${signal})`);
        this.hooks.onExit(instance);
        if (this.state === 'stopping' || this.state === 'stopped') {
          this.state = 'stopped';
        } else {
          if (Date.now() - startedAt > 10_000) this.backoffMs = 200;
          this.state = 'restarting';
          this.restarts++;
          this.hooks.logger?.warn({ runner: this.spec.name, code, signal, err: error }, 'runner exited; restarting');
          this.restartTimer = setTimeout(() => {
            this.restartTimer = undefined;
            if (this.state === 'restarting') this.spawnOnce();
          }, this.backoffMs);
          this.backoffMs = Math.min(this.backoffMs * 2, 10_000);
        }
        resolve();
      };
      child.once('exit', (code, signal) => done(code, signal));
      child.once('error', (err) => done(null, null, err));
    });
  }

  async start(): Promise<void> {
    if (this.state === 'running' || this.state === 'starting') return;
    clearTimeout(this.restartTimer);
    this.backoffMs = 200;
    this.spawnOnce();
  }

  async stop(): Promise<void> {
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    const group = (sig: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        /* gone */
      }
    };
    group('SIGTERM');
    const timer = setTimeout(() => group('SIGKILL'), this.hooks.stopGraceMs ?? 15_000);
    await this.exited;
    clearTimeout(timer);
    this.state = 'stopped';
  }

  /** The current instance id (for tests and status). */
  get currentInstance(): string | undefined {
    return this.instance;
  }

  async logs(lines: number): Promise<LogLine[]> {
    return this.lines.slice(-lines);
  }
}
