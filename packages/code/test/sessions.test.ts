import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { RpcError } from '@hero/core';
import type { HistoryEntry } from '../src/client.js';
import { startFakeProc, waitFor } from './fake-proc.js';
import { makeFixture, startCode, tempDir } from './helpers.js';

async function rpcErr(p: Promise<unknown>): Promise<RpcError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(RpcError);
  return err as RpcError;
}

const TERMINAL = ['succeeded', 'failed', 'timeout', 'cancelled', 'error'];

async function prepared(overrides: Record<string, unknown> = {}) {
  const dir = await tempDir();
  const fx = await makeFixture(dir);
  const fake = await startFakeProc(path.join(dir, 'sockets'));
  const s = await startCode(overrides, { dir, ...fx });
  return { ...s, fake };
}

describe('sessions with a stub agent', () => {
  it('runs a prompt as a job with contexts and prompt on stdin and records its output', async () => {
    const { client, fake, root } = await prepared({ agent_command: 'echo agent {session} in "$(basename "$PWD")"; cat; echo warn >&2' });
    await client.contextSet({ name: 'readme', paths: ['alpha/README.md'] });
    const s = await client.sessionCreate({ name: 'fix bugs', repo: 'alpha', contexts: ['readme'] });
    expect(s).toMatchObject({ name: 'fix bugs', repo: 'alpha', contexts: ['readme'], prompts: 0, history: [] });
    const r = await client.sessionPrompt(s.id, 'Please fix the bug.');
    expect(r).toMatchObject({ session: s.id, seq: 1 });
    expect(r.job_id).toMatch(/^job-/);
    const spec = fake.jobs.get(r.job_id)!.spec;
    expect(spec).toMatchObject({ cwd: path.join(await fs.realpath(root), 'alpha'), env: { HERO_CODE_SESSION: s.id, HERO_CODE_REPO: 'alpha' } });
    const [entry] = await waitFor(async () => {
      const h = await client.sessionHistory(s.id);
      return TERMINAL.includes(h[0]!.state) && h;
    });
    expect(entry).toMatchObject({
      seq: 1,
      prompt: 'Please fix the bug.',
      contexts: ['readme'],
      job_id: r.job_id,
      state: 'succeeded',
      exit_code: 0,
      stderr: 'warn\n',
      output_truncated: false,
      error: null,
    });
    expect(entry!.output).toBe(
      `agent ${s.id} in alpha\n===== alpha/README.md (27 bytes) =====\n# Alpha\nThe alpha project.\n\nPlease fix the bug.\n`,
    );
    expect(entry!.finished_at).not.toBeNull();
    const got = await client.sessionGet('fix bugs');
    expect(got).toMatchObject({ id: s.id, prompts: 1, last_state: 'succeeded' });
    expect((await client.sessionList()).map((x) => x.id)).toEqual([s.id]);
  });

  it('records a failing agent with its exit code; per-prompt contexts override', async () => {
    const { client } = await prepared({ agent_command: 'cat >/dev/null; echo nope; exit 3' });
    const s = await client.sessionCreate({ name: 'x' });
    const r = await client.sessionPrompt(s.id, 'go', []);
    const entry = await waitFor(async () => {
      const [e] = await client.sessionHistory(s.id);
      return e && TERMINAL.includes(e.state) && e;
    });
    expect(entry).toMatchObject({ job_id: r.job_id, state: 'failed', exit_code: 3, output: 'nope\n', contexts: [] });
    expect((await client.sessionHistory(s.id, 1))).toEqual([]);
  });

  it('cuts output over the cap and marks it', async () => {
    const { client } = await prepared({ agent_command: 'cat >/dev/null; for i in 1 2 3 4 5 6 7 8 9 10; do echo line-$i; done', output_max_bytes: 20 });
    const s = await client.sessionCreate({ name: 'x' });
    await client.sessionPrompt(s.id, 'go');
    const entry = await waitFor(async () => {
      const [e] = await client.sessionHistory(s.id);
      return e && TERMINAL.includes(e.state) && e;
    });
    expect(entry.output).toBe('line-1\nline-2\n');
    expect(entry.output_truncated).toBe(true);
  });

  it('keeps history across a restart and resumes watching a prompt still running', async () => {
    const dir = await tempDir();
    const fx = await makeFixture(dir);
    await startFakeProc(path.join(dir, 'sockets'));
    const gate = path.join(dir, 'gate');
    const cmd = `cat >/dev/null; echo waiting; while [ ! -e ${gate} ]; do sleep 0.05; done; echo released`;
    const first = await startCode({ agent_command: cmd }, { dir, ...fx });
    const s = await first.client.sessionCreate({ name: 'long' });
    await first.client.sessionPrompt(s.id, 'wait for it');
    await first.stop();
    const second = await startCode({ agent_command: cmd }, { dir, ...fx });
    const [before] = await second.client.sessionHistory(s.id);
    expect(before).toMatchObject({ seq: 1, prompt: 'wait for it', state: 'running' });
    // output so far is shown while the prompt runs
    const live = await waitFor(async () => {
      const [e] = await second.client.sessionHistory(s.id);
      return e?.output === 'waiting\n' && e;
    });
    expect(live.state).toBe('running');
    await fs.writeFile(gate, '');
    const entry = await waitFor(async () => {
      const [e] = await second.client.sessionHistory(s.id);
      return e && TERMINAL.includes(e.state) && e;
    });
    expect(entry).toMatchObject({ state: 'succeeded', output: 'waiting\nreleased\n' });
  });

  it('marks a prompt as error when hero_proc no longer knows its job', async () => {
    const dir = await tempDir();
    const fx = await makeFixture(dir);
    const fake = await startFakeProc(path.join(dir, 'sockets'));
    const first = await startCode({ agent_command: 'cat >/dev/null; sleep 30' }, { dir, ...fx });
    const s = await first.client.sessionCreate({ name: 'lost' });
    const r = await first.client.sessionPrompt(s.id, 'go');
    await first.stop();
    fake.jobs.delete(r.job_id);
    const second = await startCode({}, { dir, ...fx });
    const entry = await waitFor(async () => {
      const [e] = await second.client.sessionHistory(s.id);
      return e?.state === 'error' && e;
    });
    expect(entry.error).toContain(`hero_proc no longer knows job ${r.job_id}`);
  });

  it('validates sessions and prompts', async () => {
    const { client } = await prepared();
    for (const repo of ['../outside', 'alpha/../..', '/tmp', 'alpha\0', 'alpha/dir-out']) {
      expect((await rpcErr(client.sessionCreate({ name: 'x', repo }))).code).toBe('HERO_PATH_REFUSED');
    }
    expect((await rpcErr(client.sessionCreate({ name: 'x', repo: 'alpha/link-out' }))).code).toBe('HERO_PATH_REFUSED');
    expect((await rpcErr(client.sessionCreate({ name: 'x', repo: 'alpha/README.md' }))).code).toBe('HERO_PATH_REFUSED');
    expect((await rpcErr(client.sessionCreate({ name: 'x', repo: 'nope' }))).code).toBe('HERO_NOT_FOUND');
    expect((await rpcErr(client.sessionCreate({ name: 'x', contexts: ['missing'] }))).code).toBe('HERO_NOT_FOUND');
    expect((await rpcErr(client.sessionGet('s-nope'))).code).toBe('HERO_NOT_FOUND');
    expect((await rpcErr(client.sessionPrompt('s-nope', 'hi'))).code).toBe('HERO_NOT_FOUND');
    const s = await client.sessionCreate({ name: 'y' });
    expect((await rpcErr(client.sessionPrompt(s.id, ''))).rpcCode).toBe(-32602);
    expect((await client.sessionList()).length).toBe(1);
  });
});

describe('hero_proc unavailable', () => {
  it('fails a prompt at once with HERO_UNAVAILABLE when nothing listens', async () => {
    const { client } = await startCode();
    const s = await client.sessionCreate({ name: 'x' });
    const err = await rpcErr(client.sessionPrompt(s.id, 'hello'));
    expect(err.code).toBe('HERO_UNAVAILABLE');
    expect(err.message).toContain('hero_proc is not available');
    expect(await client.sessionHistory(s.id)).toEqual([]);
  });

  it('fails a prompt with HERO_UNAVAILABLE when hero_proc hangs, instead of hanging', async () => {
    const dir = await tempDir();
    const fx = await makeFixture(dir);
    const sock = path.join(dir, 'hang.sock');
    const conns = new Set<net.Socket>();
    const hang = net.createServer((c) => conns.add(c));
    await new Promise<void>((r) => hang.listen(sock, r));
    onTestFinished(() => {
      for (const c of conns) c.destroy();
      return new Promise<void>((r) => hang.close(() => r()));
    });
    const { client } = await startCode({ proc_socket: sock, proc_timeout_ms: 300 }, { dir, ...fx });
    const s = await client.sessionCreate({ name: 'x' });
    const err = await rpcErr(client.sessionPrompt(s.id, 'hello'));
    expect(err.code).toBe('HERO_UNAVAILABLE');
    expect(await client.sessionHistory(s.id)).toEqual([] as HistoryEntry[]);
  });
});
