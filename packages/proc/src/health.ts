import net from 'node:net';
import { parseHostPort } from '@hero/core';
import { Child } from './child.js';

export interface HealthProbe {
  kind: 'tcp' | 'http' | 'exec';
  target: string;
  timeout_ms: number;
}

/** Runs one health probe; resolves true when healthy. Never rejects. */
export async function probe(h: HealthProbe, ctx: { env: Record<string, string>; cwd?: string | undefined }): Promise<boolean> {
  try {
    switch (h.kind) {
      case 'tcp':
        return await probeTcp(h.target, h.timeout_ms);
      case 'http':
        return await probeHttp(h.target, h.timeout_ms);
      case 'exec':
        return await probeExec(h.target, h.timeout_ms, ctx);
    }
  } catch {
    return false;
  }
}

function probeTcp(target: string, timeoutMs: number): Promise<boolean> {
  const { host, port } = parseHostPort(target);
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

async function probeHttp(url: string, timeoutMs: number): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  await res.body?.cancel();
  return res.status >= 200 && res.status < 400;
}

async function probeExec(command: string, timeoutMs: number, ctx: { env: Record<string, string>; cwd?: string | undefined }): Promise<boolean> {
  const child = await Child.spawn({ exec: command, env: ctx.env, cwd: ctx.cwd, onLine: () => {} });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((r) => {
    timer = setTimeout(() => r('timeout'), timeoutMs);
  });
  const r = await Promise.race([child.exited, timedOut]);
  clearTimeout(timer);
  if (r === 'timeout') {
    await child.terminate('SIGKILL', 0);
    return false;
  }
  // the probe's own children must not outlive it
  await child.terminate('SIGKILL', 0);
  return r.code === 0;
}
