import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Runs `fn` from `concurrency` loops for `durationMs` and returns completed calls per second
 * plus every call's latency in ms.
 */
export async function closedLoop(
  concurrency: number,
  durationMs: number,
  fn: () => Promise<unknown>,
): Promise<{ perSec: number; latencies: number[]; count: number }> {
  const latencies: number[] = [];
  const end = performance.now() + durationMs;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await fn();
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  return { perSec: latencies.length / elapsed, latencies, count: latencies.length };
}

/** A fresh temp dir under the OS temp dir. */
export function benchDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `hero-bench-${prefix}-`));
}

/** Resolves once something accepts connections on the Unix socket (or TCP port). */
export async function waitForSocket(target: string | number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = typeof target === 'number' ? net.connect(target, '127.0.0.1') : net.connect(target);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on ${target} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Starts a program in the background (its own process group) with output discarded unless `verbose`. */
export function startProcess(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; verbose?: boolean } = {}): ChildProcess {
  return spawn(cmd, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: opts.verbose ? 'inherit' : 'ignore',
    detached: true,
  });
}

/** Stops a process group started by startProcess and waits for it to exit. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    process.kill(-child.pid!, signal);
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }, 5000);
  await exited;
  clearTimeout(timer);
}

/** Resident set size of a process in bytes, from /proc. */
export async function rssOf(pid: number): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}
