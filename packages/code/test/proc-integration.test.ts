import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { configSchema as procConfigSchema, run as runProc } from '@hero/proc';
import { ProcClient } from '@hero/proc/client';
import { waitFor } from './fake-proc.js';
import { makeFixture, startCode, tempDir } from './helpers.js';

const TERMINAL = ['succeeded', 'failed', 'timeout', 'cancelled', 'error'];

/** A real hero_proc on `<dir>/sockets`, stopped when the test finishes. */
async function startProc(dir: string): Promise<{ socket: string; client: ProcClient }> {
  const config = procConfigSchema.parse({
    socket_dir: path.join(dir, 'sockets'),
    data_dir: path.join(dir, 'proc-data'),
    config_dir: path.join(dir, 'proc-cfg'),
  });
  const ac = new AbortController();
  let socket = '';
  let done!: Promise<void>;
  await new Promise<void>((resolve, reject) => {
    done = runProc(config, ac.signal, { env: process.env, onReady: (i) => ((socket = i.sockets.rpc!), resolve()) });
    done.catch(reject);
  });
  const client = new ProcClient(socket);
  onTestFinished(async () => {
    await client.close();
    ac.abort();
    await done;
  });
  return { socket, client };
}

// Each test waits up to 60 s for a job on a loaded machine: the test timeout leaves room for that.
describe('prompts as real hero_proc jobs', () => {
  it('runs a stub agent script and lands its output in the session history', async () => {
    const dir = await tempDir();
    const fx = await makeFixture(dir);
    const proc = await startProc(dir);
    const agent = path.join(dir, 'stub-agent.sh');
    await fs.writeFile(agent, '#!/bin/sh\necho "stub agent for $HERO_CODE_SESSION in $(basename "$PWD") args: $*"\nwc -l | tr -d " "\necho "done" >&2\n', { mode: 0o755 });
    const { client } = await startCode({ agent_command: `${agent} --session {session}` }, { dir, ...fx });
    await client.contextSet({ name: 'src', paths: ['alpha/src'], extensions: ['ts'] });
    const s = await client.sessionCreate({ name: 'real', repo: 'alpha', contexts: ['src'] });
    const rendered = await client.contextRender('src');
    const r = await client.sessionPrompt(s.id, 'line one\nline two');
    expect(r.job_id).toBeTruthy();

    const entry = await waitFor(async () => {
      const [e] = await client.sessionHistory(s.id);
      return e && TERMINAL.includes(e.state) && e;
    }, 60_000);
    const stdinLines = rendered.text.split('\n').length - 1 + 2; // contexts (ending in a blank line), two prompt lines
    expect(entry).toMatchObject({
      job_id: r.job_id,
      state: 'succeeded',
      exit_code: 0,
      output: `stub agent for ${s.id} in alpha args: --session ${s.id}\n${stdinLines}\n`,
      stderr: 'done\n',
    });
    const job = await proc.client.jobGet(r.job_id);
    expect(job).toMatchObject({ id: r.job_id, state: 'succeeded', exit_code: 0 });
    expect(job.name).toBe(`hero_code:${s.id}`);
  }, 120_000);

  it('records a failing agent and a timed-out one', async () => {
    const dir = await tempDir();
    const fx = await makeFixture(dir);
    await startProc(dir);
    const failing = await startCode({ agent_command: 'cat >/dev/null; echo broken >&2; exit 7' }, { dir, ...fx });
    const s = await failing.client.sessionCreate({ name: 'fail' });
    await failing.client.sessionPrompt(s.id, 'go');
    const entry = await waitFor(async () => {
      const [e] = await failing.client.sessionHistory(s.id);
      return e && TERMINAL.includes(e.state) && e;
    }, 60_000);
    expect(entry).toMatchObject({ state: 'failed', exit_code: 7, stderr: 'broken\n' });
    await failing.stop();

    const slow = await startCode({ agent_command: 'sleep 30', agent_timeout_ms: 300 }, { dir, ...fx });
    const t = await slow.client.sessionCreate({ name: 'slow' });
    await slow.client.sessionPrompt(t.id, 'go');
    const timed = await waitFor(async () => {
      const [e] = await slow.client.sessionHistory(t.id);
      return e && TERMINAL.includes(e.state) && e;
    }, 60_000);
    expect(timed.state).toBe('timeout');
  }, 120_000);

  it('cancels a running prompt', async () => {
    const dir = await tempDir();
    const fx = await makeFixture(dir);
    const proc = await startProc(dir);
    const { client } = await startCode({ agent_command: 'cat >/dev/null; echo started; sleep 60' }, { dir, ...fx });
    const s = await client.sessionCreate({ name: 'cancel me' });
    expect((await client.rpc.call('session.cancel', { session: s.id }).catch((e: { code: string }) => e.code))).toBe('HERO_NOT_FOUND');
    const r = await client.sessionPrompt(s.id, 'go');
    await waitFor(async () => (await proc.client.jobGet(r.job_id)).state === 'running');
    const c = await client.sessionCancel(s.id);
    expect(c).toMatchObject({ seq: 1, job_id: r.job_id });
    const entry = await waitFor(async () => {
      const [e] = await client.sessionHistory(s.id);
      return e && TERMINAL.includes(e.state) && e;
    }, 60_000);
    expect(entry.state).toBe('cancelled');
    expect((await client.rpc.call('session.cancel', { session: s.id, seq: 1 }).catch((e: { code: string }) => e.code))).toBe('HERO_CONFLICT');
  }, 120_000);
});
