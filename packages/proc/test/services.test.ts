import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from "vitest";
import { alive, sleep, startProc, survivors, waitFor, waitState } from './helpers.js';

const read = (f: string) => fs.readFile(f, 'utf8').catch(() => '');

describe('services', () => {
  it('starts dependencies first and reports them running', async () => {
    const p = await startProc();
    const order = path.join(p.dir, 'order.txt');
    // each service is healthy once its line is in the file, so `running` means it wrote it
    const svc = (name: string, after: string[] = []) =>
      p.client.serviceSet({
        name,
        exec: `sleep 0.1; echo ${name} >> ${order}; exec sleep 1000`,
        after,
        autostart: false,
        health: { kind: 'exec', target: `grep -qx ${name} ${order}`, interval_ms: 50 },
      });
    await svc('db');
    await svc('cache');
    await svc('api', ['db', 'cache']);
    await p.client.serviceSet({ name: 'web', exec: `echo web >> ${order}; exec sleep 1000`, after: ['api'], autostart: false });
    expect((await p.client.serviceList()).map((s) => s.state)).toEqual(['inactive', 'inactive', 'inactive', 'inactive']);
    await p.client.serviceStart('web');
    await waitState(p.client, 'web', 'running');
    await waitFor(async () => (await read(order)).trim().split('\n').length === 4, 10_000, 'web output');
    const lines = (await read(order)).trim().split('\n');
    expect(lines.slice(2)).toEqual(['api', 'web']);
    expect(lines.slice(0, 2).sort()).toEqual(['cache', 'db']);
    for (const s of await p.client.serviceList()) {
      expect(s.state).toBe('running');
      expect(s.desired).toBe('up');
      expect(alive(s.pid!)).toBe(true);
    }
  });

  it('restarts a crashing service with growing delay, resetting after a stable run', async () => {
    const p = await startProc();
    const cnt = path.join(p.dir, 'count');
    // runs 1-3 crash at once; run 4 stays up past stable_after_ms then crashes; run 5+ keeps running
    const script = `n=$(cat ${cnt} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${cnt};
      if [ $n -le 3 ]; then exit 1; fi
      if [ $n -eq 4 ]; then sleep 1.5; exit 1; fi
      exec sleep 1000`;
    await p.client.serviceSet({ name: 'flaky', exec: script, restart_delay_ms: 100, restart_delay_max_ms: 10_000, stable_after_ms: 700 });
    await waitFor(async () => (await read(cnt)).trim() === '5', 30_000, 'fifth start');
    const s = await waitState(p.client, 'flaky', 'running');
    expect(s.restarts).toBe(4);
    const delays = p.logs
      .map((l) => JSON.parse(l) as { msg?: string; service?: string; delay_ms?: number })
      .filter((l) => l.msg === 'service crashed, restarting after backoff' && l.service === 'flaky')
      .map((l) => l.delay_ms);
    // 100, 200, 400 for the quick crashes; back to 100 after the stable run
    expect(delays).toEqual([100, 200, 400, 100]);
  });

  it('honours restart = never and on-failure', async () => {
    const p = await startProc();
    const f = (n: string) => path.join(p.dir, n);
    await p.client.serviceSet({ name: 'never', exec: `echo x >> ${f('never')}; exit 3`, restart: 'never', restart_delay_ms: 50 });
    await p.client.serviceSet({ name: 'okexit', exec: `echo x >> ${f('okexit')}; exit 0`, restart: 'on-failure', restart_delay_ms: 50 });
    await p.client.serviceSet({
      name: 'badexit',
      exec: `echo x >> ${f('badexit')}; exit 2`,
      restart: 'on-failure',
      restart_delay_ms: 50,
      max_restarts: 2,
    });
    const never = await waitState(p.client, 'never', 'failed');
    expect(never).toMatchObject({ exit_code: 3, restarts: 0 });
    const ok = await waitState(p.client, 'okexit', 'exited');
    expect(ok).toMatchObject({ exit_code: 0, restarts: 0 });
    const bad = await waitState(p.client, 'badexit', 'failed');
    expect(bad.restarts).toBe(2);
    expect(bad.error).toMatch(/gave up after 2 restarts/);
    await sleep(300);
    expect((await read(f('never'))).trim().split('\n')).toHaveLength(1);
    expect((await read(f('okexit'))).trim().split('\n')).toHaveLength(1);
    expect((await read(f('badexit'))).trim().split('\n')).toHaveLength(3);
  });

  it('stops every process a service forked, including ones that left the group', async () => {
    const p = await startProc();
    const pids = path.join(p.dir, 'pids');
    const script = `echo $$ >> ${pids}
      sleep 1000 & echo $! >> ${pids}
      sh -c 'sleep 1000 & echo $! >> ${pids}; wait' &
      setsid sleep 1000 & echo $! >> ${pids}
      wait`;
    await p.client.serviceSet({ name: 'forker', exec: script });
    await waitFor(async () => (await read(pids)).trim().split('\n').length >= 4, 10_000, 'pids');
    const before = await survivors(pids);
    expect(before.length).toBeGreaterThanOrEqual(4);
    const stats = await waitFor(async () => {
      const s = await p.client.serviceStats('forker');
      return s.children >= 3 ? s : undefined;
    });
    expect(stats.rss_bytes).toBeGreaterThan(0);
    const st = await p.client.serviceStop('forker');
    expect(st.state).toBe('inactive');
    expect(await survivors(pids)).toEqual([]);
  });

  it('escalates to SIGKILL when the stop signal is ignored', async () => {
    const p = await startProc();
    const pids = path.join(p.dir, 'pids');
    await p.client.serviceSet({
      name: 'stubborn',
      exec: `trap '' TERM; echo $$ >> ${pids}; while true; do sleep 0.05; done`,
      stop_timeout_ms: 400,
    });
    await waitFor(async () => (await survivors(pids)).length === 1, 10_000, 'pid');
    const st = await p.client.serviceStop('stubborn');
    expect(st.state).toBe('inactive');
    expect(st.exit_signal).toBe('SIGKILL');
    expect(await survivors(pids)).toEqual([]);
    expect(p.logs.some((l) => l.includes('stop timeout, killed with SIGKILL'))).toBe(true);
  });

  it('uses the configured stop signal', async () => {
    const p = await startProc();
    const out = path.join(p.dir, 'got');
    const ready = path.join(p.dir, 'ready');
    await p.client.serviceSet({
      name: 'hup',
      exec: `trap 'echo hup > ${out}; exit 0' HUP; touch ${ready}; while true; do sleep 0.05; done`,
      stop_signal: 'HUP',
    });
    await waitFor(() => fs.stat(ready).then(() => true), 10_000, 'trap installed');
    const st = await p.client.serviceStop('hup');
    expect(st.exit_code).toBe(0);
    expect((await read(out)).trim()).toBe('hup');
  });

  it('reports running only once the health check passes (exec and http)', async () => {
    const p = await startProc();
    const ready = path.join(p.dir, 'ready');
    await p.client.serviceSet({
      name: 'slow',
      exec: `sleep 1; touch ${ready}; exec sleep 1000`,
      // the default start period keeps its failed probes (100 ms apart) from counting as a crash
      health: { kind: 'exec', target: `test -f ${ready}`, interval_ms: 100 },
    });
    const first = await p.client.serviceStatus('slow');
    expect(first.state).toBe('starting');
    const running = await waitState(p.client, 'slow', 'running');
    expect(running.health).toBe('ok');
    expect(running.restarts).toBe(0);
    expect(await fs.stat(ready)).toBeTruthy();

    // http: a free port, served by a child after a delay
    const port = await freePort();
    const server = `setTimeout(() => require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1'), 800)`;
    await p.client.serviceSet({
      name: 'web',
      cmd: [process.execPath, '-e', server],
      health: { kind: 'http', target: `http://127.0.0.1:${port}/`, interval_ms: 100 },
    });
    expect((await p.client.serviceStatus('web')).state).toBe('starting');
    await waitState(p.client, 'web', 'running');
    const body = await new Promise<string>((resolve, reject) => {
      http.get(`http://127.0.0.1:${port}/`, (res) => {
        let b = '';
        res.on('data', (c) => (b += c));
        res.on('end', () => resolve(b));
      }).on('error', reject);
    });
    expect(body).toBe('ok');
  });

  it('restarts a running service whose health check keeps failing', async () => {
    const p = await startProc();
    const ready = path.join(p.dir, 'ready');
    const cnt = path.join(p.dir, 'count');
    await p.client.serviceSet({
      name: 'sick',
      exec: `echo x >> ${cnt}; touch ${ready}; exec sleep 1000`,
      health: { kind: 'exec', target: `test -f ${ready}`, interval_ms: 100, retries: 2 },
      restart_delay_ms: 50,
    });
    await waitState(p.client, 'sick', 'running');
    await fs.rm(ready);
    await waitFor(async () => (await read(cnt)).trim().split('\n').length >= 2, 15_000, 'restart');
    const s = await waitState(p.client, 'sick', 'running');
    expect(s.restarts).toBeGreaterThanOrEqual(1);
  });

  it('treats a health check that never passes as a crash: backoff, then failed, dependents blocked', async () => {
    const p = await startProc();
    await p.client.serviceSet({
      name: 'unhealthy',
      exec: 'exec sleep 100',
      // no start period: failures count from the first probe, so this stays fast
      health: { kind: 'tcp', target: '127.0.0.1:1', interval_ms: 50, timeout_ms: 200, retries: 2, start_period_ms: 0 },
      restart_delay_ms: 200,
      max_restarts: 2,
      autostart: false,
    });
    const depOut = path.join(p.dir, 'dep');
    await p.client.serviceSet({ name: 'consumer', exec: `echo started > ${depOut}; exec sleep 100`, after: ['unhealthy'], autostart: false });
    await p.client.serviceStart('consumer');

    const seen: string[] = [];
    const failed = await waitFor(async () => {
      const s = await p.client.serviceStatus('unhealthy');
      if (s.state === 'backoff' && s.error) seen.push(s.error);
      return s.state === 'failed' ? s : undefined;
    }, 15_000, 'unhealthy to fail');
    expect(failed.restarts).toBe(2);
    expect(failed.pid).toBeNull();
    expect(failed.health).toBe('failing');
    expect(failed.error).toBe('gave up after 2 restarts (last: health check (tcp 127.0.0.1:1) failed 2 times while starting)');
    expect(seen.length).toBeGreaterThan(0);
    for (const e of seen) expect(e).toMatch(/^health check \(tcp 127\.0\.0\.1:1\) failed 2 times while starting; restarting in (200|400) ms$/);

    // three starts, each process stopped, the delay doubling between them (hero_proc's own log)
    const records = p.logs.map((l) => JSON.parse(l) as { msg?: string; service?: string; pid?: number; delay_ms?: number });
    const mine = (msg: string) => records.filter((r) => r.service === 'unhealthy' && r.msg === msg);
    const pids = mine('service started').map((r) => r.pid!);
    expect(pids).toHaveLength(3);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(mine('service crashed, restarting after backoff').map((r) => r.delay_ms)).toEqual([200, 400]);

    const dep = await waitFor(async () => {
      const s = await p.client.serviceStatus('consumer');
      return s.state === 'blocked' && s.error?.startsWith('dependency "unhealthy" failed') ? s : undefined;
    }, 5_000, 'consumer blocked by the failure');
    expect(dep.error).toBe(`dependency "unhealthy" failed: ${failed.error}`);
    expect(dep.pid).toBeNull();
    expect(await read(depOut)).toBe('');
  });

  it('waits for a oneshot dependency and blocks dependents when it fails', async () => {
    const p = await startProc();
    const order = path.join(p.dir, 'order');
    await p.client.serviceSet({ name: 'migrate', exec: `sleep 0.3; echo migrate >> ${order}`, oneshot: true, autostart: false });
    await p.client.serviceSet({ name: 'app', exec: `echo app >> ${order}; exec sleep 1000`, after: ['migrate'], autostart: false });
    await p.client.serviceStart('app');
    await waitState(p.client, 'app', 'running');
    // `running` means spawned; its first line may still be on its way
    await waitFor(async () => (await read(order)).trim().split('\n').length === 2, 10_000, 'app output');
    expect((await read(order)).trim().split('\n')).toEqual(['migrate', 'app']);
    expect((await p.client.serviceStatus('migrate')).state).toBe('exited');

    await p.client.serviceSet({ name: 'badinit', exec: 'exit 4', oneshot: true, restart: 'never', autostart: false });
    await p.client.serviceSet({ name: 'dependent', exec: `echo started > ${path.join(p.dir, 'dep')}; exec sleep 1000`, after: ['badinit'], autostart: false });
    await p.client.serviceStart('dependent');
    const blocked = await waitFor(async () => {
      const s = await p.client.serviceStatus('dependent');
      return s.state === 'blocked' && s.error?.includes('failed') ? s : undefined;
    });
    expect(blocked.error).toBe('dependency "badinit" failed: exit code 4');
    expect(blocked.pid).toBeNull();
    expect(await read(path.join(p.dir, 'dep'))).toBe('');
    // the other services are unaffected
    expect((await p.client.serviceStatus('app')).state).toBe('running');
  });

  it('restores the desired state after hero_proc restarts', async () => {
    const p = await startProc();
    await p.client.serviceSet({ name: 'up1', exec: 'exec sleep 1000' });
    await p.client.serviceSet({ name: 'down1', exec: 'exec sleep 1000' });
    await p.client.serviceSet({ name: 'manual', exec: 'exec sleep 1000', autostart: false });
    await waitState(p.client, 'up1', 'running');
    await p.client.serviceStop('down1');
    const oldPid = (await p.client.serviceStatus('up1')).pid!;
    await p.stop();
    expect(alive(oldPid)).toBe(false);

    const p2 = await startProc({}, p.dir);
    const up = await waitState(p2.client, 'up1', 'running');
    expect(up.pid).not.toBe(oldPid);
    expect((await p2.client.serviceStatus('down1')).state).toBe('inactive');
    expect((await p2.client.serviceStatus('manual')).state).toBe('inactive');
  });

  it('re-reads its file and secrets on every start', async () => {
    const p = await startProc();
    await p.client.secretSet('TOKEN', 'first-secret-value', 'app');
    await p.client.serviceSet({
      name: 'envy',
      exec: 'echo "FOO=$FOO"; echo "TOKEN=$TOKEN"; printf %s "$TOKEN" > token.out; exec sleep 1000',
      cwd: p.dir,
      env: { FOO: 'one' },
      env_from_secrets: { TOKEN: 'app/TOKEN' },
    });
    await waitFor(async () => (await p.client.serviceLogs('envy')).lines.length >= 2);
    const file = path.join(p.config.config_dir, 'envy.toml');
    const text = await fs.readFile(file, 'utf8');
    expect(text).toMatch(/FOO = "one"/);
    await fs.writeFile(file, text.replace('FOO = "one"', 'FOO = "two"'));
    await p.client.secretSet('TOKEN', 'second-secret-value', 'app');
    await p.client.serviceRestart('envy');
    await waitFor(async () => (await p.client.serviceLogs('envy')).lines.some((l) => l.line === 'FOO=two'));
    await waitFor(async () => (await read(path.join(p.dir, 'token.out'))) === 'second-secret-value');
    const lines = (await p.client.serviceLogs('envy')).lines.map((l) => l.line);
    // secret values the service was given are masked in its captured output
    expect(lines.filter((l) => l.startsWith('TOKEN='))).toEqual(['TOKEN=***', 'TOKEN=***']);
    await p.stop();
    const all = p.logs.join('\n') + (await read(path.join(p.config.data_dir, 'logs', 'envy.log')));
    expect(all).not.toContain('first-secret-value');
    expect(all).not.toContain('second-secret-value');
  });

  it('rotates log files at the cap', async () => {
    const p = await startProc();
    await p.client.serviceSet({
      name: 'chatty',
      exec: 'i=0; while [ $i -lt 400 ]; do i=$((i+1)); echo "line-$i-padding-padding-padding"; done; exec sleep 1000',
      log: { max_bytes: 4096, keep: 2 },
    });
    await waitFor(async () => (await p.client.serviceLogs('chatty', { lines: 1 })).lines[0]?.line.startsWith('line-400-'), 15_000, 'output');
    await p.client.serviceStop('chatty');
    const dir = path.join(p.config.data_dir, 'logs');
    const files = (await fs.readdir(dir)).filter((f) => f.startsWith('chatty')).sort();
    expect(files).toEqual(['chatty.log', 'chatty.log.1', 'chatty.log.2']);
    for (const f of files) expect((await fs.stat(path.join(dir, f))).size).toBeLessThanOrEqual(4096);
    const last = (await fs.readFile(path.join(dir, 'chatty.log'), 'utf8')).trim().split('\n').at(-1)!;
    expect(last).toMatch(/ stdout line-400-padding/);
    // log.query searches the files (and their rotations)
    const q = await p.client.logQuery({ source: 'chatty', grep: 'line-39', limit: 5 });
    expect(q.lines.map((l) => l.line.split('-')[1])).toEqual(['395', '396', '397', '398', '399']);
    const ring = await p.client.serviceLogs('chatty', { lines: 1000 });
    expect(ring.lines).toHaveLength(400);
  });

  it('leaves no child alive when run resolves', async () => {
    const p = await startProc();
    const pids = path.join(p.dir, 'pids');
    await p.client.serviceSet({ name: 's1', exec: `echo $$ >> ${pids}; sleep 1000 & echo $! >> ${pids}; wait` });
    await p.client.serviceSet({ name: 's2', exec: `trap '' TERM; echo $$ >> ${pids}; while true; do sleep 0.05; done`, stop_timeout_ms: 300 });
    await p.client.serviceSet({ name: 's3', exec: `echo $$ >> ${pids}; exec sleep 1000`, after: ['s1'] });
    await p.client.jobCreate({ exec: `echo $$ >> ${pids}; sleep 1000 & echo $! >> ${pids}; wait` });
    await waitFor(async () => (await survivors(pids)).length >= 6, 15_000, 'all started');
    await p.stop();
    expect(await survivors(pids)).toEqual([]);
  });

  it('sends signals with service.kill; the restart policy applies', async () => {
    const p = await startProc();
    await p.client.serviceSet({ name: 'k', exec: 'exec sleep 1000', restart_delay_ms: 50 });
    const s = await waitState(p.client, 'k', 'running');
    await p.client.serviceKill('k', 'KILL');
    const again = await waitFor(async () => {
      const x = await p.client.serviceStatus('k');
      return x.state === 'running' && x.pid !== s.pid ? x : undefined;
    });
    expect(again.restarts).toBe(1);
    expect(alive(s.pid!)).toBe(false);
  });

  it('deletes services (refusing while others depend on them)', async () => {
    const p = await startProc();
    await p.client.serviceSet({ name: 'base', exec: 'exec sleep 1000' });
    await p.client.serviceSet({ name: 'top', exec: 'exec sleep 1000', after: ['base'] });
    await expect(p.client.serviceDelete('base')).rejects.toThrow(/needed by "top"/);
    const pid = (await waitState(p.client, 'top', 'running')).pid!;
    expect(await p.client.serviceDelete('top')).toEqual({ deleted: true });
    expect(alive(pid)).toBe(false);
    await expect(fs.stat(path.join(p.config.config_dir, 'top.toml'))).rejects.toThrow();
    await expect(p.client.serviceStatus('top')).rejects.toMatchObject({ code: 'HERO_NOT_FOUND' });
  });

  it('keeps file and service in step when sets and deletes of one service arrive together', async () => {
    const p = await startProc();
    const file = path.join(p.config.config_dir, 'busy.toml');
    const inStep = async () => {
      const text = await read(file);
      const got = await p.client.serviceGet('busy').catch((err: { code?: string }) => err.code);
      if (got === 'HERO_NOT_FOUND') expect(text).toBe('');
      else expect(text).toContain(`exec = "${(got as { spec: { exec: string } }).spec.exec}"`);
      expect((await fs.readdir(p.config.config_dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    };
    // replacements at once (on as many connections): whichever lands last is in the file too
    await Promise.all(Array.from({ length: 10 }, (_, i) => p.client.serviceSet({ name: 'busy', exec: `exec sleep ${1000 + i}`, autostart: false })));
    await inStep();
    for (let i = 0; i < 5; i++) {
      await Promise.allSettled([
        p.client.serviceSet({ name: 'busy', exec: `exec sleep ${2000 + i}`, autostart: false }),
        p.client.serviceDelete('busy'),
        p.client.serviceSet({ name: 'busy', exec: `exec sleep ${3000 + i}`, autostart: false }),
      ]);
      await inStep();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

