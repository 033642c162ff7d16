/**
 * Starting and stopping one child: its own session and process group (so stopping reaches
 * every process it forked), output split into lines, stop signal → timeout → SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LogStream } from './client.js';
import { LineSplitter } from './line-splitter.js';
import { membersOf, readProcTable, readStat, signalGroup } from './proc-table.js';

export interface ChildOptions {
  exec?: string | undefined;
  cmd?: string[] | undefined;
  cwd?: string | undefined;
  env: Record<string, string>;
  stdin?: string | undefined;
  onLine: (stream: LogStream, line: string) => void;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Why a command cannot be started, with the field at fault; undefined when it can. */
export function checkCommand(opts: { exec?: string | undefined; cmd?: string[] | undefined; cwd?: string | undefined; env: Record<string, string> }): string | undefined {
  if (opts.cwd !== undefined) {
    const st = fs.statSync(opts.cwd, { throwIfNoEntry: false });
    if (!st) return `cwd: directory "${opts.cwd}" does not exist`;
    if (!st.isDirectory()) return `cwd: "${opts.cwd}" is not a directory`;
  }
  if (opts.cmd) {
    const exe = opts.cmd[0]!;
    if (!resolveExecutable(exe, opts.env.PATH, opts.cwd)) return `cmd[0]: executable "${exe}" not found`;
  }
  return undefined;
}

/** Absolute path of an executable (`PATH` search for bare names), or undefined. */
export function resolveExecutable(exe: string, pathVar: string | undefined, cwd?: string): string | undefined {
  const candidates = exe.includes('/')
    ? [path.resolve(cwd ?? '.', exe)]
    : (pathVar ?? '/usr/local/bin:/usr/bin:/bin').split(':').filter(Boolean).map((d) => path.join(d, exe));
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      if (fs.statSync(c).isFile()) return c;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** A started child process and its whole group. */
export class Child {
  readonly pid: number;
  private ticks: number | undefined;
  readonly exited: Promise<ChildExit>;
  private exitInfo: ChildExit | undefined;
  private terminating: Promise<boolean> | undefined;
  /** Resolves once stdout and stderr are closed (every writer of the pipes is gone). */
  readonly drained: Promise<void>;

  private constructor(private readonly proc: ChildProcess) {
    this.pid = proc.pid!;
    this.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
    this.drained = new Promise((resolve) => proc.once('close', () => resolve()));
  }

  /** Spawns the command in a new session; rejects (with the reason) if it cannot be started. */
  static spawn(opts: ChildOptions): Promise<Child> {
    return new Promise((resolve, reject) => {
      const argv = opts.cmd ?? ['/bin/sh', '-c', opts.exec ?? 'true'];
      let proc: ChildProcess;
      try {
        proc = spawn(argv[0]!, argv.slice(1), {
          cwd: opts.cwd,
          env: opts.env,
          detached: true,
          stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        });
      } catch (err) {
        reject(err);
        return;
      }
      const fail = (err: Error) => reject(err);
      proc.once('error', fail);
      proc.once('spawn', () => {
        proc.off('error', fail);
        // errors after spawn (e.g. EPIPE on stdin) must not crash the manager
        proc.on('error', () => {});
        const child = new Child(proc);
        for (const [name, stream] of [
          ['stdout', proc.stdout],
          ['stderr', proc.stderr],
        ] as const) {
          if (!stream) continue;
          const split = new LineSplitter((line) => opts.onLine(name, line));
          stream.on('data', (c: Buffer) => split.push(c));
          stream.once('end', () => split.flush());
          stream.on('error', () => {});
        }
        if (proc.stdin) {
          proc.stdin.on('error', () => {});
          proc.stdin.end(opts.stdin);
        }
        resolve(child);
      });
    });
  }

  /**
   * Start time (clock ticks after boot) — with the pid, identifies the process across restarts.
   * Read from /proc the first time it is asked for (when state is persisted), not on the start
   * path; the pid cannot be reused before the exit is seen, so a live child's entry is its own.
   */
  get startTicks(): number {
    if (this.ticks === undefined) {
      if (this.done) return 0;
      this.ticks = readStat(this.pid)?.startTicks ?? 0;
    }
    return this.ticks;
  }

  get exit(): ChildExit | undefined {
    return this.exitInfo;
  }

  /** Whether the main process has exited. */
  get done(): boolean {
    return this.exitInfo !== undefined;
  }

  /** Sends a signal to the whole group. */
  signal(sig: NodeJS.Signals): void {
    signalGroup(this.pid, sig);
  }

  /**
   * Stops the main process and everything it started: `sig` to the group (and to descendants
   * that left it), then SIGKILL after `timeoutMs`. Resolves once none is alive; true when it
   * had to SIGKILL.
   */
  terminate(sig: NodeJS.Signals, timeoutMs: number): Promise<boolean> {
    this.terminating ??= terminateTree(this.pid, sig, timeoutMs, () => this.done);
    return this.terminating;
  }
}

function groupGone(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function pidGone(pid: number): boolean {
  const e = readStat(pid);
  return !e || e.state === 'Z' || e.state === 'X';
}

/** Stops a process tree rooted at `leader` (see Child.terminate); also used for orphans of a previous run. */
export async function terminateTree(leader: number, sig: NodeJS.Signals, timeoutMs: number, mainDone: () => boolean): Promise<boolean> {
  // fast path: the main process is gone and left nobody behind in its group
  if (mainDone() && groupGone(leader)) return false;
  // every member found through /proc is also signalled by pid: one that leaves the group (setsid)
  // between the scan and the group signal is reached all the same
  const outside = new Set<number>();
  const scan = async () => {
    for (const m of membersOf(await readProcTable(0), leader, outside)) if (m.pid !== leader) outside.add(m.pid);
  };
  const remaining = async (full: boolean): Promise<boolean> => {
    for (const pid of outside) if (pidGone(pid)) outside.delete(pid);
    if (!mainDone()) return true;
    if (groupGone(leader)) return outside.size > 0;
    // the group still answers: only zombies (waiting for init to reap them) or real members?
    if (!full) return true;
    return membersOf(await readProcTable(), leader, outside).length > 0;
  };
  await scan();
  signalGroup(leader, sig, outside);
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (let i = 0; ; i++) {
    if (!(await remaining(i % 8 === 7))) return false;
    if (Date.now() >= deadline) break;
    await sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
    delay = Math.min(delay * 2, 100);
  }
  // escalate: everything still alive gets SIGKILL, repeated until nothing is left
  for (let i = 0; i < 200; i++) {
    await scan();
    signalGroup(leader, 'SIGKILL', outside);
    await sleep(i < 10 ? 10 : 50);
    if (!(await remaining(true))) return true;
  }
  return true;
}
