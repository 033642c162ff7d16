import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ProcClient } from '../src/client.js';
import { readStat } from '../src/proc-table.js';
import { alive, startProc, survivors, tempDir, waitFor } from './helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/run-proc.ts', import.meta.url));

/** hero_proc in a child process (with startProc's dir layout under `dir`), to be SIGKILLed. */
async function spawnProc(dir: string) {
  const config = { socket_dir: path.join(dir, 'sock'), data_dir: path.join(dir, 'data'), config_dir: path.join(dir, 'cfg'), job_kill_grace_ms: 2000 };
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@hero/source', fixture, JSON.stringify(config)], {
    cwd: path.dirname(fixture),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  const sockets = await new Promise<Record<string, string>>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf('\n');
      if (nl !== -1) resolve(JSON.parse(out.slice(0, nl)) as Record<string, string>);
    });
    child.once('exit', (code) => reject(new Error(`hero_proc exited with ${code} before it was ready`)));
  });
  const client = new ProcClient(sockets.rpc!, { timeoutMs: 20_000 });
  onTestFinished(() => client.close());
  return { child, client, config };
}

describe('jobs', () => {
  it('runs a command with stdin, env and cwd and keeps its output and exit code', async () => {
    const p = await startProc();
    const job = await p.client.jobCreate({
      name: 'greet',
      exec: 'read who; echo "hello $who from $PLACE in $(pwd)"; echo oops >&2; exit 7',
      stdin: 'world\n',
      env: { PLACE: 'hero' },
      cwd: p.dir,
      context: 'ctx1',
    });
    expect(job).toMatchObject({ name: 'greet', context: 'ctx1' });
    expect(['pending', 'running']).toContain(job.state);
    const done = await p.client.jobWait(job.id, 20_000);
    expect(done).toMatchObject({ state: 'failed', exit_code: 7, attempts: 1, error: 'exit code 7' });
    expect(done.finished_at).not.toBeNull();
    const { lines } = await p.client.jobLogs(job.id);
    expect(lines.map((l) => [l.stream, l.line])).toEqual([
      ['stdout', `hello world from hero in ${p.dir}`],
      ['stderr', 'oops'],
    ]);
    const ok = await p.client.jobWait((await p.client.jobCreate({ cmd: ['/bin/echo', 'fine'] })).id);
    expect(ok).toMatchObject({ state: 'succeeded', exit_code: 0, name: '/bin/echo fine' });
    expect((await p.client.jobList({ context: 'ctx1' })).map((j) => j.id)).toEqual([job.id]);
    expect((await p.client.jobList({ state: 'succeeded' })).map((j) => j.id)).toEqual([ok.id]);
  });

  it('times out, killing the whole group, and retries', async () => {
    const p = await startProc();
    const pids = path.join(p.dir, 'pids');
    const job = await p.client.jobCreate({
      exec: `echo $$ >> ${pids}; sleep 1000 & echo $! >> ${pids}; wait`,
      timeout_ms: 300,
      retries: 1,
    });
    const done = await p.client.jobWait(job.id, 30_000);
    expect(done.state).toBe('timeout');
    expect(done.attempts).toBe(2);
    expect(done.error).toMatch(/timed out after 300 ms/);
    expect((await fs.readFile(pids, 'utf8')).trim().split('\n')).toHaveLength(4);
    expect(await survivors(pids)).toEqual([]);
  });

  it('retries a failing job until it succeeds', async () => {
    const p = await startProc();
    const cnt = path.join(p.dir, 'n');
    const job = await p.client.jobCreate({
      exec: `n=$(cat ${cnt} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${cnt}; [ $n -ge 3 ]`,
      retries: 5,
    });
    const done = await p.client.jobWait(job.id, 20_000);
    expect(done).toMatchObject({ state: 'succeeded', attempts: 3, exit_code: 0 });
  });

  it('cancels a running job and its children; wait returns early at its timeout', async () => {
    const p = await startProc();
    const pids = path.join(p.dir, 'pids');
    const job = await p.client.jobCreate({ exec: `echo $$ >> ${pids}; sh -c 'sleep 1000 & echo $! >> ${pids}; wait' & wait` });
    await waitFor(async () => (await survivors(pids)).length === 2, 10_000, 'job children');
    const waited = await p.client.jobWait(job.id, 100);
    expect(waited.state).toBe('running');
    expect(waited.pid).toBeGreaterThan(0);
    const cancelled = await p.client.jobCancel(job.id);
    expect(cancelled.state).toBe('cancelled');
    expect(await survivors(pids)).toEqual([]);
    // cancelling a finished job changes nothing
    expect((await p.client.jobCancel(job.id)).state).toBe('cancelled');
  });

  it('persists history across restarts with a retention limit', async () => {
    const p = await startProc({ job_history: 3 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const j = await p.client.jobCreate({ exec: `echo run-${i}` });
      await p.client.jobWait(j.id);
      ids.push(j.id);
    }
    const running = await p.client.jobCreate({ exec: 'sleep 1000' });
    await waitFor(async () => (await p.client.jobGet(running.id)).state === 'running');
    await waitFor(async () => (await p.client.jobList()).length === 4);
    await p.stop();

    const p2 = await startProc({ job_history: 3 }, p.dir);
    const list = await p2.client.jobList();
    expect(list.map((j) => j.id).sort()).toEqual([...ids.slice(3), running.id].sort());
    expect((await p2.client.jobGet(running.id)).state).toBe('cancelled');
    expect((await p2.client.jobLogs(ids[4]!)).lines.map((l) => l.line)).toEqual(['run-4']);
    await expect(p2.client.jobGet(ids[0]!)).rejects.toMatchObject({ code: 'HERO_NOT_FOUND' });
    const files = await fs.readdir(path.join(p.config.data_dir, 'jobs'));
    expect(files.filter((f) => f.endsWith('.log')).length).toBeLessThanOrEqual(3);
  });

  it('stops the processes of jobs left running by a crash of hero_proc', async () => {
    const dir = await tempDir();
    const pids = path.join(dir, 'pids');
    // whatever the assertions say, no sleep 4242 outlives the test
    onTestFinished(async () => {
      for (const pid of await survivors(pids)) process.kill(pid, 'SIGKILL');
    });
    const crashed = await spawnProc(dir);
    const job = await crashed.client.jobCreate({ exec: `echo $$ >> ${pids}; sleep 4242 & echo $! >> ${pids}; wait` });
    const [sh, sleeper] = await waitFor(async () => {
      const live = await survivors(pids);
      return live.length === 2 ? live : undefined;
    }, 10_000, 'the job and its child');
    // what a crash finds on disk: the running job with its pid and start time
    const file = path.join(crashed.config.data_dir, 'jobs', 'jobs.json');
    await waitFor(async () => {
      const data = JSON.parse(await fs.readFile(file, 'utf8')) as { jobs: { id: string; pid: number | null; start_ticks?: number }[] };
      const j = data.jobs.find((x) => x.id === job.id);
      return j?.pid === sh && (j?.start_ticks ?? 0) > 0;
    }, 5_000, 'jobs.json to record the running job');
    crashed.child.kill('SIGKILL');
    await once(crashed.child, 'exit');
    expect(alive(sh!) && alive(sleeper!)).toBe(true);

    const p = await startProc({}, dir);
    // gone by the time the restarted hero_proc answers
    expect(await survivors(pids)).toEqual([]);
    expect(await p.client.jobGet(job.id)).toMatchObject({ state: 'failed', pid: null, error: expect.stringMatching(/^interrupted/) });
    expect(p.logs.some((l) => l.includes('stopping job process left from a previous run') && l.includes(`"pid":${sh}`))).toBe(true);
    // and the history says so on disk
    await waitFor(async () => {
      const text = await fs.readFile(file, 'utf8');
      return text.includes('interrupted') && !text.includes('start_ticks');
    }, 5_000, 'jobs.json to record the interrupted job');
  });

  it('leaves alone the processes of jobs recorded in another boot (or with no boot id)', async () => {
    const dir = await tempDir();
    // stand-ins for processes that got the recorded pids after a reboot
    const sleepers = [spawn('sleep', ['4243'], { stdio: 'ignore' }), spawn('sleep', ['4243'], { stdio: 'ignore' })];
    onTestFinished(() => {
      for (const c of sleepers) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    });
    const pids = sleepers.map((c) => c.pid!);
    const ticks = await waitFor(() => {
      const t = pids.map((pid) => readStat(pid)?.startTicks ?? 0);
      return t.every((x) => x > 0) ? t : undefined;
    }, 5_000, 'the sleepers');
    const job = (id: string, i: number, boot: string | undefined) => ({
      id,
      name: 'old',
      state: 'running',
      exit_code: null,
      attempts: 1,
      created_at: new Date().toISOString(),
      started_at: new Date().toISOString(),
      finished_at: null,
      pid: pids[i],
      error: null,
      context: null,
      schedule: null,
      spec: { exec: 'sleep 4243', env: {}, retries: 0, timeout_ms: 0 },
      start_ticks: ticks[i],
      ...(boot === undefined ? {} : { boot_id: boot }),
    });
    const jobsDir = path.join(dir, 'data', 'jobs');
    await fs.mkdir(jobsDir, { recursive: true, mode: 0o700 });
    const other = '00000000-0000-4000-8000-000000000000';
    await fs.writeFile(path.join(jobsDir, 'jobs.json'), JSON.stringify({ version: 1, jobs: [job('0otherboot', 0, other), job('0noboot', 1, undefined)] }));

    const p = await startProc({}, dir);
    expect(pids.map(alive)).toEqual([true, true]);
    expect(p.logs.some((l) => l.includes('stopping job process left from a previous run'))).toBe(false);
    for (const id of ['0otherboot', '0noboot']) {
      expect(await p.client.jobGet(id)).toMatchObject({ state: 'failed', pid: null, error: expect.stringMatching(/^interrupted/) });
    }
    for (const pid of pids) process.kill(pid, 'SIGKILL');
  });

  it('passes secrets to jobs from their context', async () => {
    const p = await startProc();
    await p.client.secretSet('API_KEY', 's3cr3t-value', 'team');
    const j = await p.client.jobCreate({ exec: 'printf %s "$API_KEY" | wc -c', env_from_secrets: ['API_KEY'], context: 'team' });
    expect((await p.client.jobWait(j.id)).state).toBe('succeeded');
    expect((await p.client.jobLogs(j.id)).lines[0]!.line.trim()).toBe('12');
    // any label is a valid context; only name-like ones double as the secret context
    const free = await p.client.jobCreate({ exec: 'true', context: 'session 42 / repo main' });
    expect((await p.client.jobWait(free.id)).context).toBe('session 42 / repo main');
    await expect(p.client.jobCreate({ exec: 'true', env_from_secrets: ['MISSING'] })).rejects.toThrow(
      /env_from_secrets\.MISSING: secret "MISSING" not found in context "default"/,
    );
  });

  it('masks the secret values it was given in every record of its output', async () => {
    const p = await startProc();
    await p.client.secretSet('k', 's3cret-value-123');
    await p.client.secretSet('pem', '-----BEGIN-----\nc2VjcmV0LWJvZHk=\n-----END-----');
    const j = await p.client.jobCreate({
      exec: 'echo "token=$TOK"; echo "again $TOK$TOK" >&2; printf "%s\\n" "$PEM"; echo "short ${#TOK}"; exec sleep 1000',
      env_from_secrets: { TOK: 'k', PEM: 'pem' },
    });
    const want = [
      ['stdout', 'token=***'],
      ['stderr', 'again ******'],
      ['stdout', '***'],
      ['stdout', '***'],
      ['stdout', '***'],
      ['stdout', 'short 16'],
    ];
    // the ring (log.tail, log.query) while the job runs
    const tail = await waitFor(async () => {
      const { lines } = await p.client.logTail({ source: `job:${j.id}` });
      return lines.length === want.length ? lines : undefined;
    });
    expect(tail.map((l) => [l.stream, l.line]).sort()).toEqual([...want].sort());
    expect((await p.client.logQuery({ grep: 's3cret' })).lines).toEqual([]);
    const done = await p.client.jobCancel(j.id);
    expect(done.state).toBe('cancelled');
    // job.logs reads the job's log file
    expect((await p.client.jobLogs(j.id)).lines.map((l) => [l.stream, l.line]).sort()).toEqual([...want].sort());
    await p.stop();
    const file = await fs.readFile(path.join(p.config.data_dir, 'jobs', `${j.id}.log`), 'utf8');
    expect(file).toMatch(/ stdout token=\*\*\*$/m);
    const history = await fs.readFile(path.join(p.config.data_dir, 'jobs', 'jobs.json'), 'utf8');
    const all = [file, history, JSON.stringify(done), ...p.logs].join('\n');
    for (const leak of ['s3cret-value-123', 'c2VjcmV0LWJvZHk=']) expect(all).not.toContain(leak);
  });
});

describe('schedules', () => {
  it('fires a cron schedule that creates jobs, and persists it', async () => {
    const p = await startProc();
    const out = path.join(p.dir, 'ticks');
    const s = await p.client.scheduleSet({ name: 'tick', cron: '* * * * * *', job: { exec: `echo tick >> ${out}` } });
    expect(s.next_run).not.toBeNull();
    const job = await waitFor(async () => (await p.client.jobList()).find((j) => j.schedule === 'tick' && j.state === 'succeeded'), 10_000, 'a scheduled job');
    expect(job.name).toBe(`echo tick >> ${out}`);
    expect(await fs.readFile(out, 'utf8')).toMatch(/tick/);
    const listed = await p.client.scheduleList();
    expect(listed).toHaveLength(1);
    expect(listed[0]!.last_job).not.toBeNull();
    await p.stop();

    const p2 = await startProc({}, p.dir);
    expect((await p2.client.scheduleList()).map((x) => x.name)).toEqual(['tick']);
    expect(await p2.client.scheduleDelete('tick')).toEqual({ deleted: true });
    expect(await p2.client.scheduleList()).toEqual([]);
  });

  it('skips a firing while the previous job still runs', async () => {
    const p = await startProc();
    await p.client.scheduleSet({ name: 'long', cron: '* * * * * *', job: { exec: 'sleep 2.5' } });
    await waitFor(async () => p.logs.some((l) => l.includes('schedule skipped')), 10_000, 'a skipped firing');
    const jobs = (await p.client.jobList()).filter((j) => j.schedule === 'long');
    expect(jobs.filter((j) => j.state === 'running')).toHaveLength(1);
  });
});
