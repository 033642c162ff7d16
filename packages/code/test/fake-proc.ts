import { spawn } from 'node:child_process';
import path from 'node:path';
import { NotFoundError, method, serveRpc } from '@hero/core';
import { onTestFinished } from 'vitest';
import { z } from 'zod';

interface FakeJob {
  id: string;
  name: string;
  state: 'pending' | 'running' | 'succeeded' | 'failed' | 'timeout' | 'cancelled';
  exit_code: number | null;
  attempts: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  lines: { ts: string; stream: 'stdout' | 'stderr'; line: string }[];
  done: Promise<void>;
  spec: Record<string, unknown>;
}

/**
 * A minimal stand-in for hero_proc's job API (job.create/get/wait/logs) on
 * `<socketDir>/hero_proc/rpc.sock`, running each job with /bin/sh. Used only where the real
 * hero_proc is not the subject of the test.
 */
export async function startFakeProc(socketDir: string) {
  const jobs = new Map<string, FakeJob>();
  const children = new Set<ReturnType<typeof spawn>>();
  let n = 0;
  const view = (j: FakeJob) => {
    const { lines: _l, done: _d, spec: _s, ...rest } = j;
    return rest;
  };
  const get = (id: string) => {
    const j = jobs.get(id);
    if (!j) throw new NotFoundError(`no job ${id}`);
    return j;
  };
  const server = await serveRpc({
    info: { name: 'hero_proc', title: 'fake', version: '0', description: 'fake hero_proc' },
    socket: { path: path.join(socketDir, 'hero_proc', 'rpc.sock'), service: 'hero_proc' },
    methods: {
      'job.create': method({
        params: z.looseObject({ exec: z.string(), cwd: z.string().optional(), stdin: z.string().optional(), env: z.record(z.string(), z.string()).optional(), name: z.string().optional() }),
        result: z.any(),
        handler: (spec) => {
          const id = `job-${++n}`;
          const job: FakeJob = {
            id,
            name: spec.name ?? id,
            state: 'running',
            exit_code: null,
            attempts: 1,
            created_at: new Date().toISOString(),
            started_at: new Date().toISOString(),
            finished_at: null,
            lines: [],
            done: Promise.resolve(),
            spec,
          };
          const child = spawn('/bin/sh', ['-c', spec.exec], { cwd: spec.cwd, env: { ...process.env, ...spec.env }, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
          const collect = (stream: 'stdout' | 'stderr') => {
            let buf = '';
            child[stream].on('data', (c: Buffer) => {
              buf += c.toString();
              const parts = buf.split('\n');
              buf = parts.pop()!;
              for (const line of parts) job.lines.push({ ts: new Date().toISOString(), stream, line });
            });
            child[stream].on('end', () => {
              if (buf) job.lines.push({ ts: new Date().toISOString(), stream, line: buf });
            });
          };
          children.add(child);
          child.on('close', () => children.delete(child));
          collect('stdout');
          collect('stderr');
          child.stdin.on('error', () => {});
          child.stdin.end(spec.stdin ?? '');
          job.done = new Promise((resolve) =>
            child.on('close', (code) => {
              job.exit_code = code;
              job.state = code === 0 ? 'succeeded' : 'failed';
              job.finished_at = new Date().toISOString();
              resolve();
            }),
          );
          jobs.set(id, job);
          return view(job);
        },
      }),
      'job.get': method({ params: z.object({ id: z.string() }), result: z.any(), handler: ({ id }) => view(get(id)) }),
      'job.wait': method({
        params: z.object({ id: z.string(), timeout_ms: z.number().optional() }),
        result: z.any(),
        handler: async ({ id, timeout_ms }) => {
          const j = get(id);
          await Promise.race([j.done, new Promise((r) => setTimeout(r, timeout_ms ?? 60_000))]);
          return view(j);
        },
      }),
      'job.logs': method({ params: z.object({ id: z.string() }), result: z.any(), handler: ({ id }) => ({ lines: get(id).lines }) }),
    },
  });
  onTestFinished(async () => {
    for (const c of children) {
      try {
        process.kill(-c.pid!, 'SIGKILL'); // the whole group: sh and what it started
      } catch {
        /* already gone */
      }
    }
    await server.close();
  });
  return { server, jobs };
}

/** Polls `fn` until it returns a truthy value (generous deadline for a loaded machine). */
export async function waitFor<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
