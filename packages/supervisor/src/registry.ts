import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ConflictError, NotFoundError } from '@hero/core';
import type { ProcClient } from '@hero/proc/client';
import type { RunnerConfig } from './config.js';
import { parseInstanceMember, type Keys } from './keys.js';
import { SimpleProcess, type ManagedProcess, type ProcessSpec } from './process-manager.js';
import { ProcProcess } from './proc-process.js';
import type { LogLine, RunnerStatus } from './types.js';

export interface RegistryOptions {
  redis: Redis;
  k: Keys;
  /** What `simple` runner processes start from (hero_proc gives `proc` runners its own). */
  baseEnv: Record<string, string>;
  /** Set for every runner process (redis url, namespace); kept in a `proc` runner's service. */
  runnerEnv: Record<string, string>;
  builtinCommand: string[];
  proc: () => Promise<ProcClient>;
  logger?: Logger;
}

interface Managed {
  config: RunnerConfig;
  proc: ManagedProcess;
  builtin: boolean;
}

/**
 * The runners a supervisor knows: those it starts (`[[runners]]`) and those registered over
 * RPC that run elsewhere (kept in Redis, so every supervisor sharing it sees them).
 */
export class RunnerRegistry {
  private readonly managed = new Map<string, Managed>();
  private registered = new Set<string>();

  constructor(
    runners: readonly RunnerConfig[],
    private readonly opts: RegistryOptions,
  ) {
    for (const r of runners) {
      if (this.managed.has(r.name)) throw new ConflictError(`runner ${r.name} is configured twice`);
      this.managed.set(r.name, this.build(r));
    }
  }

  private build(r: RunnerConfig): Managed {
    const builtin = !r.command;
    const [command, ...baseArgs] = builtin ? this.opts.builtinCommand : [r.command!];
    const spec: ProcessSpec = {
      name: r.name,
      command: command!,
      args: builtin ? baseArgs : r.args,
      env: {
        ...this.opts.runnerEnv,
        HERO_RUNNER_NAME: r.name,
        HERO_RUNNER_CONCURRENCY: String(r.concurrency),
        ...r.env,
      },
    };
    const proc =
      r.process_manager === 'proc'
        ? new ProcProcess(spec, this.opts.proc)
        : new SimpleProcess(spec, {
            baseEnv: this.opts.baseEnv,
            logger: this.opts.logger,
            onExit: (instance) => void this.onExit(r.name, instance),
          });
    return { config: r, proc, builtin };
  }

  /** A managed child died: its heartbeat is dropped so the reaper takes its jobs back now. */
  onExitHook: ((runner: string, instance: string) => void) | undefined;
  private async onExit(runner: string, instance: string) {
    try {
      await this.opts.redis.del(this.opts.k.alive(runner, instance));
    } catch {
      /* the heartbeat expires by itself */
    }
    this.onExitHook?.(runner, instance);
  }

  /** Reloads the names registered in Redis. */
  async refresh(): Promise<void> {
    this.registered = new Set(await this.opts.redis.hkeys(this.opts.k.runners));
  }

  /** True when jobs may be sent to `name`. */
  async exists(name: string): Promise<boolean> {
    if (this.managed.has(name) || this.registered.has(name)) return true;
    const yes = (await this.opts.redis.hexists(this.opts.k.runners, name)) === 1;
    if (yes) this.registered.add(name);
    return yes;
  }

  /** True for runners started here with the built-in command runner. */
  isBuiltin(name: string): boolean {
    return this.managed.get(name)?.builtin ?? false;
  }

  names(): string[] {
    return [...new Set([...this.managed.keys(), ...this.registered])].sort();
  }

  async register(name: string, queue: string | undefined): Promise<void> {
    await this.opts.redis.hset(this.opts.k.runners, name, JSON.stringify({ name, queue: queue ?? name, registered_at: new Date().toISOString() }));
    this.registered.add(name);
  }

  /** Records a configured runner in Redis (kept as is when already registered). */
  async announce(name: string): Promise<void> {
    await this.opts.redis.hsetnx(this.opts.k.runners, name, JSON.stringify({ name, queue: name, registered_at: new Date().toISOString() }));
  }

  async remove(name: string): Promise<void> {
    const m = this.managed.get(name);
    const n = await this.opts.redis.hdel(this.opts.k.runners, name);
    this.registered.delete(name);
    if (m) {
      await m.proc.stop();
      this.managed.delete(name);
    } else if (n === 0) {
      throw new NotFoundError(`unknown runner ${name}`);
    }
  }

  private get(name: string): Managed {
    const m = this.managed.get(name);
    if (m) return m;
    if (this.registered.has(name)) throw new ConflictError(`runner ${name} runs elsewhere; this supervisor does not start or stop it`);
    throw new NotFoundError(`unknown runner ${name}`);
  }

  async start(name: string): Promise<void> {
    await this.get(name).proc.start();
  }

  async stop(name: string): Promise<void> {
    await this.get(name).proc.stop();
  }

  /** Starts every managed runner with `autostart` (or all of them with `all`). */
  async startAll(all = false): Promise<void> {
    for (const m of this.managed.values()) {
      if (!all && !m.config.autostart) continue;
      try {
        await m.proc.start();
      } catch (err) {
        this.opts.logger?.error({ err, runner: m.config.name }, 'runner failed to start');
        if (all) throw err;
      }
    }
  }

  async stopAll(): Promise<void> {
    const errors: unknown[] = [];
    await Promise.all(
      [...this.managed.values()].map((m) =>
        m.proc.stop().catch((err) => {
          errors.push(err);
          this.opts.logger?.error({ err, runner: m.config.name }, 'runner failed to stop');
        }),
      ),
    );
    if (errors.length) throw errors[0];
  }

  async logs(name: string, lines: number): Promise<LogLine[]> {
    return this.get(name).proc.logs(lines);
  }

  /** Pid of a managed runner's current process (tests, status). */
  pid(name: string): number | undefined {
    return this.managed.get(name)?.proc.pid;
  }

  async status(name: string): Promise<RunnerStatus> {
    const m = this.managed.get(name);
    if (!m && !(await this.exists(name))) throw new NotFoundError(`unknown runner ${name}`);
    if (m && m.proc instanceof ProcProcess) await m.proc.refresh();
    const { redis, k } = this.opts;
    const members = (await redis.smembers(k.instances)).map(parseInstanceMember).filter((x) => x?.runner === name) as {
      runner: string;
      instance: string;
    }[];
    const p = redis.pipeline();
    p.llen(k.workQueue(name));
    for (const x of members) {
      p.exists(k.alive(name, x.instance));
      p.llen(k.processing(name, x.instance));
    }
    const res = ((await p.exec()) ?? []).map(([err, v]) => {
      if (err) throw err;
      return Number(v);
    });
    let instances = 0;
    let processing = 0;
    members.forEach((_, i) => {
      instances += res[1 + i * 2] ?? 0;
      processing += res[2 + i * 2] ?? 0;
    });
    return {
      name,
      manager: m ? m.proc.kind : 'external',
      state: m ? m.proc.state : instances > 0 ? 'running' : 'unknown',
      ...(m?.proc.pid ? { pid: m.proc.pid } : {}),
      restarts: m?.proc.restarts ?? 0,
      instances,
      queued: res[0] ?? 0,
      processing,
    };
  }
}
