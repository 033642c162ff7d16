/**
 * The service supervisor: one state machine per service (inactive → blocked → starting →
 * running → stopping …), dependencies, restart policy with backoff, health checks, desired
 * state persisted in `state.json`, output into the log hub.
 */
import fs from 'node:fs/promises';
import { statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, ConflictError, NotFoundError, isErrnoException } from '@hero/core';
import type { Logger } from './logger.js';
import { backoffDelay } from './backoff.js';
import { Child, checkCommand, terminateTree } from './child.js';
import type { ServiceState, ServiceStats, ServiceStatus } from './client.js';
import { cycleThrough, dependentsOf, namesInCycles } from './deps.js';
import { probe } from './health.js';
import { DebouncedWriter, readJsonFile } from './json-file.js';
import type { LogHub } from './log-hub.js';
import { bootUptimeSecs, CLK_TCK, getPageSize, membersOf, readProcTable, readStat, type ProcEntry } from './proc-table.js';
import type { SecretStore } from './secrets.js';
import { listServiceFiles, readServiceFile, removeServiceFile, serviceFile, validateService, writeServiceFile } from './service-files.js';
import { maskLine, secretEnv } from './secret-env.js';
import { restartPolicy, type ServiceDef } from './spec.js';

export interface ServiceManagerOptions {
  configDir: string;
  dataDir: string;
  logDir: string;
  logMaxBytes: number;
  logKeep: number;
  /** Environment every child starts from (before its own `env` and secrets). */
  baseEnv: Record<string, string>;
  hub: LogHub;
  secrets: SecretStore;
  logger?: Logger | undefined;
}

interface Unit {
  name: string;
  def: ServiceDef;
  raw: Record<string, unknown>;
  file: string;
  /** mtime/size/inode of the file when last read or written: unchanged files are not re-parsed. */
  fileStamp: string | undefined;
  desired: 'up' | 'down';
  state: ServiceState;
  since: number;
  child: Child | undefined;
  pid: number | null;
  startedAt: number | null;
  exitCode: number | null;
  exitSignal: string | null;
  restarts: number;
  crashes: number;
  nextRestartAt: number | null;
  health: 'none' | 'unknown' | 'ok' | 'failing';
  healthFails: number;
  /** Why the health check had the current process stopped; the crash path reports it. */
  healthFailure: string | null;
  error: string | null;
  backoffTimer: NodeJS.Timeout | undefined;
  stableTimer: NodeJS.Timeout | undefined;
  healthTimer: NodeJS.Timeout | undefined;
  /** Bumped whenever a start attempt begins or the unit is stopped; stale callbacks check it. */
  generation: number;
  launching: Promise<void> | undefined;
  stopping: Promise<void> | undefined;
  cpuSample: { ticks: number; at: number; pid: number; percent: number } | undefined;
}

interface PersistedState {
  version: 1;
  services: Record<string, { desired: 'up' | 'down'; pid?: number | null; start_ticks?: number }>;
}

/** `service.get` as sent: the spec is the stored TOML table. */
export interface ServiceDetailWire {
  spec: Record<string, unknown>;
  file: string;
  status: ServiceStatus;
}

/** Supervises every service of one hero_proc instance. */
export class ServiceManager {
  private readonly units = new Map<string, Unit>();
  /** Definitions accepted by `set` whose file is still being written. */
  private readonly setting = new Map<string, ServiceDef>();
  /** Files that failed to load: name → error. */
  private readonly broken = new Map<string, { file: string; error: string }>();
  private cycles = new Set<string>();
  private persisted: PersistedState = { version: 1, services: {} };
  private readonly stateWriter: DebouncedWriter;
  private closing = false;
  private evalScheduled = false;
  private readonly listeners = new Set<(s: ServiceStatus) => void>();

  constructor(private readonly o: ServiceManagerOptions) {
    // fsync'd: it changes only on start/stop/exit, and the desired state must survive a power cut
    this.stateWriter = new DebouncedWriter(path.join(o.dataDir, 'state.json'), () => this.snapshotState(), 50, 0o600, true);
  }

  // ---- loading ------------------------------------------------------------------------------

  /** Loads state.json and every service file, kills orphans of a previous run, starts what should run. */
  async init(): Promise<void> {
    const st = await readJsonFile<PersistedState>(path.join(this.o.dataDir, 'state.json'), { version: 1, services: {} }, { logger: this.o.logger });
    this.persisted = { version: 1, services: st && typeof st.services === 'object' ? st.services : {} };
    for (const file of await listServiceFiles(this.o.configDir)) {
      const name = path.basename(file, '.toml');
      try {
        const loaded = await readServiceFile(file);
        this.addUnit(loaded.def, loaded.raw, file);
      } catch (err) {
        this.broken.set(name, { file, error: (err as Error).message });
        this.o.logger?.warn({ service: name, file, err }, 'service file invalid');
      }
    }
    await this.killOrphans();
    this.recomputeCycles();
    for (const u of this.units.values()) {
      const p = this.persisted.services[u.name];
      u.desired = p ? p.desired : u.def.autostart ? 'up' : 'down';
    }
    this.stateWriter.schedule();
    this.evaluate();
  }

  /** Children recorded in state.json that are still alive (hero_proc was killed) are stopped. */
  private async killOrphans(): Promise<void> {
    const jobs: Promise<unknown>[] = [];
    for (const [name, p] of Object.entries(this.persisted.services)) {
      if (!p.pid || !p.start_ticks) continue;
      const e = readStat(p.pid);
      if (!e || e.startTicks !== p.start_ticks) continue;
      this.o.logger?.warn({ service: name, pid: p.pid }, 'stopping process left from a previous run');
      const u = this.units.get(name);
      const gone = () => {
        const x = readStat(p.pid!);
        return !x || x.state === 'Z' || x.state === 'X';
      };
      jobs.push(terminateTree(p.pid, u?.def.stop_signal ?? 'SIGTERM', u?.def.stop_timeout_ms ?? 5000, gone));
    }
    await Promise.all(jobs);
  }

  private addUnit(def: ServiceDef, raw: Record<string, unknown>, file: string): Unit {
    const u: Unit = {
      name: def.name,
      def,
      raw,
      file,
      fileStamp: fileStamp(file),
      desired: 'down',
      state: 'inactive',
      since: Date.now(),
      child: undefined,
      pid: null,
      startedAt: null,
      exitCode: null,
      exitSignal: null,
      restarts: 0,
      crashes: 0,
      nextRestartAt: null,
      health: def.health ? 'unknown' : 'none',
      healthFails: 0,
      healthFailure: null,
      error: null,
      backoffTimer: undefined,
      stableTimer: undefined,
      healthTimer: undefined,
      generation: 0,
      launching: undefined,
      stopping: undefined,
      cpuSample: undefined,
    };
    this.units.set(def.name, u);
    this.broken.delete(def.name);
    this.attachLog(u);
    return u;
  }

  private attachLog(u: Unit) {
    this.o.hub.attachFile(
      `svc:${u.name}`,
      path.join(this.o.logDir, `${u.name}.log`),
      u.def.log.max_bytes ?? this.o.logMaxBytes,
      u.def.log.keep ?? this.o.logKeep,
    );
  }

  /**
   * Dependency edges: every unit's, then definitions being set (their file still being
   * written: two sets arriving together must not close a cycle neither saw), then `extra`.
   */
  private graph(extra?: ServiceDef): Map<string, string[]> {
    const g = new Map<string, string[]>();
    for (const u of this.units.values()) g.set(u.name, u.def.after);
    for (const d of this.setting.values()) g.set(d.name, d.after);
    if (extra) g.set(extra.name, extra.after);
    return g;
  }

  private recomputeCycles() {
    this.cycles = namesInCycles(this.graph());
  }

  // ---- state ----------------------------------------------------------------------------------

  private snapshotState(): PersistedState {
    const services: PersistedState['services'] = {};
    for (const u of this.units.values()) {
      services[u.name] = { desired: u.desired, pid: u.child && !u.child.done ? u.pid : null, start_ticks: u.child?.startTicks ?? 0 };
    }
    return { version: 1, services };
  }

  private setState(u: Unit, state: ServiceState, error: string | null = u.error) {
    const changed = u.state !== state || u.error !== error;
    if (u.state !== state) u.since = Date.now();
    u.state = state;
    u.error = error;
    if (changed) {
      if (this.listeners.size) {
        const s = this.status(u);
        for (const l of this.listeners) l(s);
      }
      this.scheduleEvaluate();
    }
  }

  /** Called on every status change (dashboard live updates). */
  onChange(fn: (s: ServiceStatus) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private scheduleEvaluate() {
    if (this.evalScheduled || this.closing) return;
    this.evalScheduled = true;
    queueMicrotask(() => {
      this.evalScheduled = false;
      this.evaluate();
    });
  }

  /** Starts every wanted service whose dependencies are satisfied; marks the rest blocked. */
  private evaluate() {
    if (this.closing) return;
    for (const u of this.units.values()) {
      if (u.desired !== 'up' || (u.state !== 'inactive' && u.state !== 'blocked')) continue;
      if (u.launching || u.stopping) continue;
      const why = this.blockedReason(u);
      if (why === undefined) this.launch(u);
      else if (u.state !== 'blocked' || u.error !== why) this.setState(u, 'blocked', why);
    }
  }

  private blockedReason(u: Unit): string | undefined {
    if (this.cycles.has(u.name)) {
      const c = cycleThrough(this.graph(), u.name);
      return `dependency cycle: ${(c ?? [u.name]).join(' → ')}`;
    }
    for (const d of u.def.after) {
      const du = this.units.get(d);
      if (!du) return this.broken.has(d) ? `dependency "${d}" has an invalid service file` : `dependency "${d}" is not defined`;
      if (du.def.oneshot ? du.state === 'exited' && du.exitCode === 0 : du.state === 'running') continue;
      if (du.state === 'failed') return du.error ? `dependency "${d}" failed: ${du.error}` : `dependency "${d}" failed`;
      if (du.def.oneshot && du.state === 'exited') return `dependency "${d}" failed (exit code ${du.exitCode ?? du.exitSignal})`;
      if (du.desired === 'down') return `dependency "${d}" is stopped`;
      return `waiting for dependency "${d}" (${du.state})`;
    }
    return undefined;
  }

  // ---- starting -----------------------------------------------------------------------------

  private launch(u: Unit): void {
    const gen = ++u.generation;
    this.setState(u, 'starting', null);
    u.health = u.def.health ? 'unknown' : 'none';
    u.launching = this.doLaunch(u, gen).finally(() => {
      u.launching = undefined;
    });
  }

  private async doLaunch(u: Unit, gen: number): Promise<void> {
    const stale = () => gen !== u.generation || this.closing;
    // the definition is re-read from its file on every start: edits take effect on restart
    const stamp = fileStamp(u.file);
    if (stamp !== undefined && stamp !== u.fileStamp) {
      try {
        const loaded = await readServiceFile(u.file);
        if (loaded.def.name === u.name) {
          u.def = loaded.def;
          u.raw = loaded.raw;
          u.fileStamp = stamp;
        }
      } catch (err) {
        if (!stale()) this.fail(u, (err as Error).message);
        return;
      }
    }
    if (stale()) return;
    this.attachLog(u);
    // secrets are re-read on every start; the values given are masked in what the child prints
    let env: Record<string, string>;
    let masks: string[];
    try {
      ({ env, masks } = secretEnv(this.o.secrets, this.o.baseEnv, u.def.env, u.def.env_from_secrets, u.def.secret_context));
    } catch (err) {
      this.fail(u, (err as Error).message);
      return;
    }
    const source = `svc:${u.name}`;
    let child: Child;
    try {
      child = await Child.spawn({
        exec: u.def.exec,
        cmd: u.def.cmd,
        cwd: u.def.cwd,
        env,
        onLine: (stream, line) => this.o.hub.append(source, stream, maskLine(line, masks)),
      });
    } catch (err) {
      // say which field is at fault (a missing cwd and a missing executable look alike to spawn)
      const problem = checkCommand({ exec: u.def.exec, cmd: u.def.cmd, cwd: u.def.cwd, env });
      if (!stale()) this.fail(u, problem ?? `cannot start: ${(err as Error).message}`);
      return;
    }
    if (stale()) {
      await child.terminate(u.def.stop_signal, u.def.stop_timeout_ms);
      return;
    }
    u.child = child;
    u.pid = child.pid;
    u.startedAt = Date.now();
    u.exitCode = null;
    u.exitSignal = null;
    u.cpuSample = undefined;
    u.healthFails = 0;
    u.healthFailure = null;
    this.stateWriter.schedule();
    this.o.logger?.info({ service: u.name, pid: child.pid }, 'service started');
    void child.exited.then((exit) => this.onExit(u, child, gen, exit));
    if (u.def.health) {
      this.setState(u, 'starting', null);
      this.scheduleHealth(u, child, 0);
    } else {
      this.becameRunning(u, child);
    }
  }

  /** `running` from now; the backoff resets after `stable_after_ms` of it (not of merely being alive). */
  private becameRunning(u: Unit, child: Child) {
    this.setState(u, 'running', null);
    clearTimeout(u.stableTimer);
    u.stableTimer = setTimeout(() => {
      if (u.child === child && u.state === 'running') u.crashes = 0;
    }, u.def.stable_after_ms);
    u.stableTimer.unref();
  }

  private fail(u: Unit, error: string) {
    u.child = undefined;
    u.pid = null;
    this.o.logger?.warn({ service: u.name, reason: error }, 'service failed');
    this.setState(u, 'failed', error);
  }

  private scheduleHealth(u: Unit, child: Child, delay: number) {
    const h = u.def.health;
    if (!h) return;
    u.healthTimer = setTimeout(() => {
      void (async () => {
        if (u.child !== child || child.done) return;
        const ok = await probe(h, { env: { ...this.o.baseEnv, ...u.def.env }, cwd: u.def.cwd });
        if (u.child !== child || child.done || this.closing || u.state === 'stopping') return;
        if (ok) {
          u.health = 'ok';
          u.healthFails = 0;
          if (u.state === 'starting') {
            this.o.logger?.info({ service: u.name }, 'service healthy');
            this.becameRunning(u, child);
          }
        } else {
          u.health = 'failing';
          // a service that never becomes healthy must not stay `starting` for ever: failures
          // count in `starting` too, except during the start period (a pass ends it early)
          const inStartPeriod = u.state === 'starting' && Date.now() - (u.startedAt ?? 0) < h.start_period_ms;
          if (!inStartPeriod) u.healthFails++;
          if (u.healthFails >= h.retries) {
            const reason = `health check (${h.kind} ${h.target}) failed ${u.healthFails} times${u.state === 'starting' ? ' while starting' : ''}`;
            this.o.logger?.warn({ service: u.name, failures: u.healthFails, state: u.state }, 'health check failing, stopping the service');
            u.healthFailure = reason;
            this.setState(u, u.state, reason);
            // the crash path (onExit) applies the restart policy once the group is gone
            void child.terminate(u.def.stop_signal, u.def.stop_timeout_ms);
            return;
          }
        }
        this.scheduleHealth(u, child, h.interval_ms);
      })();
    }, delay);
    u.healthTimer.unref();
  }

  private clearTimers(u: Unit) {
    clearTimeout(u.backoffTimer);
    clearTimeout(u.stableTimer);
    clearTimeout(u.healthTimer);
    u.backoffTimer = u.stableTimer = u.healthTimer = undefined;
    u.nextRestartAt = null;
  }

  private async onExit(u: Unit, child: Child, gen: number, exit: { code: number | null; signal: NodeJS.Signals | null }) {
    if (u.child !== child || gen !== u.generation || u.state === 'stopping') return;
    clearTimeout(u.stableTimer);
    clearTimeout(u.healthTimer);
    u.exitCode = exit.code;
    u.exitSignal = exit.signal;
    // whatever the main process left behind in its group goes too, before any restart
    await child.terminate(u.def.stop_signal, u.def.stop_timeout_ms);
    if (u.child !== child || gen !== u.generation) return;
    u.child = undefined;
    u.pid = null;
    this.stateWriter.schedule();
    if (this.closing) return;
    const ok = exit.code === 0;
    const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
    const healthErr = u.healthFailure;
    u.healthFailure = null;
    this.o.logger?.info({ service: u.name, code: exit.code, signal: exit.signal }, 'service exited');
    const policy = restartPolicy(u.def);
    if (u.desired === 'down') return this.setState(u, 'inactive', null);
    if (u.def.oneshot && ok && !healthErr) return this.setState(u, 'exited', null);
    if (policy === 'never' || (policy === 'on-failure' && ok && !healthErr)) {
      if (healthErr) return this.setState(u, 'failed', healthErr);
      return this.setState(u, ok ? 'exited' : 'failed', ok ? null : `${how}`);
    }
    u.crashes++;
    if (u.def.max_restarts > 0 && u.crashes > u.def.max_restarts) {
      return this.setState(u, 'failed', `gave up after ${u.def.max_restarts} restarts (last: ${healthErr ?? how})`);
    }
    const delay = backoffDelay(u.crashes, u.def.restart_delay_ms, u.def.restart_delay_max_ms);
    u.nextRestartAt = Date.now() + delay;
    this.o.logger?.warn({ service: u.name, code: exit.code, signal: exit.signal, crashes: u.crashes, delay_ms: delay }, 'service crashed, restarting after backoff');
    this.setState(u, 'backoff', `${healthErr ?? how}; restarting in ${delay} ms`);
    const restart = () => {
      u.backoffTimer = undefined;
      u.nextRestartAt = null;
      if (u.generation !== gen || u.state !== 'backoff' || u.desired !== 'up' || this.closing) return;
      u.restarts++;
      this.launch(u);
    };
    if (delay === 0) restart();
    else {
      u.backoffTimer = setTimeout(restart, delay);
    }
  }

  // ---- stopping -----------------------------------------------------------------------------

  /** Stops the unit's processes (the desired state is the caller's business). */
  private stopUnit(u: Unit): Promise<void> {
    u.stopping ??= (async () => {
      u.generation++;
      this.clearTimers(u);
      if (u.launching) await u.launching;
      const child = u.child;
      if (child) {
        if (!child.done) this.setState(u, 'stopping', null);
        this.o.logger?.info({ service: u.name, pid: child.pid }, 'stopping service');
        const killed = await child.terminate(u.def.stop_signal, u.def.stop_timeout_ms);
        if (killed) this.o.logger?.warn({ service: u.name, pid: child.pid }, 'stop timeout, killed with SIGKILL');
        const exit = await child.exited;
        u.exitCode = exit.code;
        u.exitSignal = exit.signal;
      }
      u.child = undefined;
      u.pid = null;
      this.stateWriter.schedule();
    })().finally(() => {
      u.stopping = undefined;
    });
    return u.stopping;
  }

  // ---- public API ---------------------------------------------------------------------------

  private unit(name: string): Unit {
    const u = this.units.get(name);
    if (u) return u;
    const b = this.broken.get(name);
    if (b) throw new ConfigError(b.error);
    throw new NotFoundError(`service "${name}" not found`);
  }

  /** A unit, loading `<config_dir>/<name>.toml` if it appeared since startup. */
  private async unitOrFile(name: string): Promise<Unit> {
    if (this.units.has(name)) return this.units.get(name)!;
    const file = serviceFile(this.o.configDir, name);
    try {
      await fs.access(file);
    } catch {
      return this.unit(name);
    }
    try {
      const loaded = await readServiceFile(file);
      if (this.units.has(name)) return this.units.get(name)!;
      const cycle = cycleThrough(this.graph(loaded.def), name);
      if (cycle) throw new ConfigError(`invalid service file ${file}`, [`after: dependency cycle ${cycle.join(' → ')}`]);
      return this.addUnit(loaded.def, loaded.raw, file);
    } catch (err) {
      this.broken.set(name, { file, error: (err as Error).message });
      throw err;
    }
  }

  /**
   * Creates or replaces a service definition (written to its TOML file). `validated` is `raw`
   * already parsed by the spec schema (as the RPC layer does), so it is not checked twice.
   */
  async set(raw: Record<string, unknown>, validated?: ServiceDef): Promise<ServiceDetailWire> {
    const def = validated ?? validateService(raw, `"${String(raw.name)}"`);
    // a service with no dependencies closes no cycle (the common case: skip the graph walk)
    const cycle = def.after.length ? cycleThrough(this.graph(def), def.name) : undefined;
    if (cycle) throw new ConfigError(`invalid service "${def.name}"`, [`after: dependency cycle ${cycle.join(' → ')}`]);
    const problem = checkCommand({ exec: def.exec, cmd: def.cmd, cwd: def.cwd, env: { ...this.o.baseEnv, ...def.env } });
    if (problem) throw new ConfigError(`invalid service "${def.name}"`, [problem]);
    const file = serviceFile(this.o.configDir, def.name);
    this.setting.set(def.name, def);
    try {
      await writeServiceFile(file, raw);
    } catch (err) {
      if (!isErrnoException(err, 'ENOENT')) throw err;
      await fs.mkdir(this.o.configDir, { recursive: true, mode: 0o700 });
      await writeServiceFile(file, raw);
    } finally {
      if (this.setting.get(def.name) === def) this.setting.delete(def.name);
    }
    let u = this.units.get(def.name);
    const created = !u;
    const edgesChanged = def.after.length > 0 || (u !== undefined && u.def.after.length > 0);
    if (u) {
      u.def = def;
      u.raw = raw;
      u.fileStamp = fileStamp(file);
      if (u.state === 'inactive' || u.state === 'blocked') u.health = def.health ? 'unknown' : 'none';
      this.attachLog(u);
    } else {
      u = this.addUnit(def, raw, file);
    }
    if (edgesChanged) this.recomputeCycles();
    this.o.logger?.info({ service: def.name, created }, 'service defined');
    if (created && def.autostart) return { ...(await this.detail(u.name)), status: await this.start(def.name) };
    this.scheduleEvaluate();
    return this.detail(def.name);
  }

  async detail(name: string): Promise<ServiceDetailWire> {
    const u = await this.unitOrFile(name);
    return { spec: u.raw, file: u.file, status: this.status(u) };
  }

  /** Marks a service (and its dependencies) up and starts it; resolves once it was launched. */
  async start(name: string): Promise<ServiceStatus> {
    const u = await this.unitOrFile(name);
    if (u.stopping) await u.stopping;
    const pull = (x: Unit, seen: Set<string>) => {
      if (seen.has(x.name)) return;
      seen.add(x.name);
      if (x.desired !== 'up' || x.state === 'failed' || x.state === 'exited' || x.state === 'inactive') {
        if (!(x.def.oneshot && x.state === 'exited' && x.exitCode === 0 && x !== u)) this.reset(x);
      }
      x.desired = 'up';
      for (const d of x.def.after) {
        const du = this.units.get(d);
        if (du) pull(du, seen);
      }
    };
    pull(u, new Set());
    this.stateWriter.schedule();
    this.evaluate();
    if (u.launching) await u.launching;
    return this.status(u);
  }

  private reset(u: Unit) {
    if (u.child || u.launching) return;
    this.clearTimers(u);
    u.restarts = 0;
    u.crashes = 0;
    u.generation++;
    if (u.state !== 'inactive') this.setState(u, 'inactive', null);
  }

  /** Marks a service down and stops its whole process group. */
  async stop(name: string): Promise<ServiceStatus> {
    const u = this.unit(name);
    u.desired = 'down';
    this.stateWriter.schedule();
    await this.stopUnit(u);
    if (u.desired === 'down') this.setState(u, 'inactive', null);
    return this.status(u);
  }

  async restart(name: string): Promise<ServiceStatus> {
    const u = await this.unitOrFile(name);
    await this.stopUnit(u);
    u.restarts = 0;
    u.crashes = 0;
    this.setState(u, 'inactive', null);
    return this.start(name);
  }

  /** Sends a signal to the service's group; the restart policy decides what happens next. */
  kill(name: string, signal: NodeJS.Signals): ServiceStatus {
    const u = this.unit(name);
    if (!u.child || u.child.done) throw new ConflictError(`service "${name}" is not running`);
    u.child.signal(signal);
    return this.status(u);
  }

  /** Stops a service and removes its file. Refused while other services depend on it. */
  async delete(name: string): Promise<{ deleted: boolean }> {
    const b = this.broken.get(name);
    if (!this.units.has(name) && b) {
      await removeServiceFile(b.file);
      this.broken.delete(name);
      return { deleted: true };
    }
    const u = this.unit(name);
    const dependents = dependentsOf(this.graph(), name);
    if (dependents.length) throw new ConflictError(`service "${name}" is needed by ${dependents.map((d) => `"${d}"`).join(', ')}`);
    u.desired = 'down';
    await this.stopUnit(u);
    await removeServiceFile(u.file);
    this.units.delete(name);
    this.o.hub.drop(`svc:${name}`);
    this.recomputeCycles();
    this.stateWriter.schedule();
    this.o.logger?.info({ service: name }, 'service deleted');
    return { deleted: true };
  }

  status(u: Unit | string): ServiceStatus {
    if (typeof u === 'string') {
      const b = this.broken.get(u);
      if (!this.units.has(u) && b) return brokenStatus(u, b.error);
      u = this.unit(u);
    }
    return {
      name: u.name,
      state: u.state,
      desired: u.desired,
      pid: u.child && !u.child.done ? u.pid : null,
      restarts: u.restarts,
      exit_code: u.exitCode,
      exit_signal: u.exitSignal,
      started_at: u.startedAt && u.child ? new Date(u.startedAt).toISOString() : null,
      since: new Date(u.since).toISOString(),
      next_restart_at: u.nextRestartAt ? new Date(u.nextRestartAt).toISOString() : null,
      health: u.health,
      error: u.error,
      oneshot: u.def.oneshot,
      autostart: u.def.autostart,
    };
  }

  list(): ServiceStatus[] {
    const out = [...this.units.values()].map((u) => this.status(u));
    for (const [name, b] of this.broken) if (!this.units.has(name)) out.push(brokenStatus(name, b.error));
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  has(name: string): boolean {
    return this.units.has(name);
  }

  /** CPU, memory and process counts from /proc for one or all services. */
  async stats(name?: string): Promise<ServiceStats[]> {
    const units = name === undefined ? [...this.units.values()] : [this.unit(name)];
    const table = units.some((u) => u.child && !u.child.done) ? await readProcTable() : [];
    return units.map((u) => this.statsOf(u, table));
  }

  private statsOf(u: Unit, table: ProcEntry[]): ServiceStats {
    const base = { name: u.name, state: u.state, restarts: u.restarts };
    if (!u.child || u.child.done || u.pid === null) {
      return { ...base, pid: null, cpu_percent: 0, rss_bytes: 0, children: 0, uptime_ms: 0 };
    }
    const members = membersOf(table, u.pid);
    const ticks = members.reduce((s, m) => s + m.cpuTicks, 0);
    const rss = members.reduce((s, m) => s + m.rssPages, 0) * getPageSize();
    const now = Date.now();
    let percent: number;
    const prev = u.cpuSample;
    if (prev && prev.pid === u.pid && now - prev.at >= 200) {
      percent = ((ticks - prev.ticks) / CLK_TCK / ((now - prev.at) / 1000)) * 100;
    } else if (prev && prev.pid === u.pid) {
      percent = prev.percent;
    } else {
      const main = members.find((m) => m.pid === u.pid);
      const lifeSecs = main ? bootUptimeSecs() - main.startTicks / CLK_TCK : NaN;
      percent = lifeSecs > 0 ? (ticks / CLK_TCK / lifeSecs) * 100 : 0;
    }
    percent = Math.max(0, Math.round(percent * 10) / 10);
    if (!prev || prev.pid !== u.pid || now - prev.at >= 200) u.cpuSample = { ticks, at: now, pid: u.pid, percent };
    return {
      ...base,
      pid: u.pid,
      cpu_percent: percent,
      rss_bytes: rss,
      children: Math.max(0, members.length - 1),
      uptime_ms: u.startedAt ? now - u.startedAt : 0,
    };
  }

  /** Stops every service (dependents before their dependencies) without changing desired state. */
  async close(): Promise<void> {
    this.closing = true;
    const done = new Map<string, Promise<void>>();
    const graph = this.graph();
    const stopOrdered = (name: string, seen: Set<string>): Promise<void> => {
      const existing = done.get(name);
      if (existing) return existing;
      const u = this.units.get(name)!;
      seen.add(name);
      const deps = dependentsOf(graph, name).filter((d) => !seen.has(d));
      const p = Promise.all(deps.map((d) => stopOrdered(d, new Set(seen)))).then(() => this.stopUnit(u));
      done.set(name, p);
      return p;
    };
    await Promise.all([...this.units.keys()].map((n) => stopOrdered(n, new Set())));
    for (const u of this.units.values()) this.clearTimers(u);
    await this.stateWriter.close();
  }
}

function fileStamp(file: string): string | undefined {
  const st = statSync(file, { throwIfNoEntry: false });
  return st ? `${st.mtimeMs}:${st.size}:${st.ino}` : undefined;
}

function brokenStatus(name: string, error: string): ServiceStatus {
  return {
    name,
    state: 'failed',
    desired: 'down',
    pid: null,
    restarts: 0,
    exit_code: null,
    exit_signal: null,
    started_at: null,
    since: new Date().toISOString(),
    next_restart_at: null,
    health: 'none',
    error,
    oneshot: false,
    autostart: false,
  };
}
