import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RpcClient } from '@hero/core';
import { startProc, tempDir, waitFor, waitState } from './helpers.js';

describe('bad input', () => {
  it('reports invalid, unknown-field and cyclic service files while the others run', async () => {
    const dir = await tempDir();
    const cfg = path.join(dir, 'cfg');
    await fs.mkdir(cfg, { recursive: true });
    await fs.writeFile(path.join(cfg, 'good.toml'), 'exec = "exec sleep 1000"\n');
    await fs.writeFile(path.join(cfg, 'broken.toml'), 'exec = "sleep 1\n');
    await fs.writeFile(path.join(cfg, 'typo.toml'), 'exec = "sleep 1"\nrestrat = "always"\n');
    await fs.writeFile(path.join(cfg, 'sig.toml'), 'exec = "sleep 1"\nstop_signal = "SIGFOO"\n');
    await fs.writeFile(path.join(cfg, 'wrongname.toml'), 'name = "other"\nexec = "sleep 1"\n');
    await fs.writeFile(path.join(cfg, 'a.toml'), 'exec = "exec sleep 1000"\nafter = ["b"]\n');
    await fs.writeFile(path.join(cfg, 'b.toml'), 'exec = "exec sleep 1000"\nafter = ["a"]\n');
    await fs.writeFile(path.join(cfg, 'nodep.toml'), 'exec = "exec sleep 1000"\nafter = ["ghost"]\n');
    const p = await startProc({}, dir);
    await waitState(p.client, 'good', 'running');
    const byName = Object.fromEntries((await p.client.serviceList()).map((s) => [s.name, s]));
    expect(byName.broken!.state).toBe('failed');
    expect(byName.broken!.error).toMatch(/invalid TOML in .*broken\.toml \(line 1, column \d+\)/);
    expect(byName.typo!.error).toMatch(/unknown key\(s\) "restrat"/);
    expect(byName.sig!.error).toMatch(/stop_signal: unknown signal "SIGFOO"/);
    expect(byName.wrongname!.error).toMatch(/name: "other" does not match the file name "wrongname"/);
    expect(byName.a!.state).toBe('blocked');
    expect(byName.a!.error).toBe('dependency cycle: a → b → a');
    expect(byName.b!.error).toBe('dependency cycle: b → a → b');
    expect(byName.nodep!.error).toBe('dependency "ghost" is not defined');
    await expect(p.client.serviceStart('typo')).rejects.toMatchObject({ code: 'HERO_CONFIG' });
    // fixing the file and starting it picks the fix up
    await fs.writeFile(path.join(cfg, 'typo.toml'), 'exec = "exec sleep 1000"\nrestart = "always"\n');
    expect((await p.client.serviceStart('typo')).state).toBe('running');
  });

  it('rejects bad service specs over RPC, naming the field, and keeps the old definition', async () => {
    const p = await startProc();
    await p.client.serviceSet({ name: 'ok', exec: 'exec sleep 1000' });
    const pid = (await waitState(p.client, 'ok', 'running')).pid;
    const bad = async (spec: Record<string, unknown>, re: RegExp) => {
      const err = await p.client.call('service.set', spec).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, JSON.stringify(spec)).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(re);
    };
    await bad({ name: 'ok', exec: 'x', colour: 'red' }, /unknown key|Unrecognized key/i);
    await bad({ name: 'ok', exec: 'x', stop_signal: 'SIGNOPE' }, /stop_signal: unknown signal "SIGNOPE"/);
    await bad({ name: 'ok', cmd: ['/definitely/not/here'] }, /cmd\[0\]: executable "\/definitely\/not\/here" not found/);
    await bad({ name: 'ok', cmd: ['no-such-binary-anywhere'] }, /cmd\[0\]: executable "no-such-binary-anywhere" not found/);
    await bad({ name: 'ok', exec: 'true', cwd: '/no/such/dir' }, /cwd: directory "\/no\/such\/dir" does not exist/);
    await bad({ name: '../../etc/passwd', exec: 'true' }, /name:/);
    await bad({ name: 'ok', exec: 'true', restart: 'sometimes' }, /restart:/);
    await bad({ name: 'ok', exec: 'true', health: { kind: 'tcp' } }, /health\.target/);
    await p.client.serviceSet({ name: 'x', exec: 'exec sleep 1000', autostart: false });
    await p.client.serviceSet({ name: 'y', exec: 'exec sleep 1000', after: ['x'], autostart: false });
    await bad({ name: 'x', exec: 'true', after: ['y'] }, /after: dependency cycle x → y → x/);
    // nothing was lost: the running service and its file are untouched
    const st = await p.client.serviceStatus('ok');
    expect(st).toMatchObject({ state: 'running', pid });
    expect(await fs.readFile(path.join(p.config.config_dir, 'ok.toml'), 'utf8')).toMatch(/exec = "exec sleep 1000"/);
    expect((await p.client.serviceGet('x')).spec.after).toEqual([]);
    const bogus = await fs.readdir(p.config.config_dir);
    expect(bogus.sort()).toEqual(['ok.toml', 'x.toml', 'y.toml']);
  });

  it('refuses one of two sets arriving together that would close a cycle between them', async () => {
    const p = await startProc();
    for (let i = 0; i < 5; i++) {
      const [a, b] = [`a${i}`, `b${i}`];
      await p.client.serviceSet({ name: a, exec: 'exec sleep 1000', autostart: false });
      await p.client.serviceSet({ name: b, exec: 'exec sleep 1000', autostart: false });
      const both = await Promise.allSettled([
        p.client.serviceSet({ name: a, exec: 'exec sleep 1000', after: [b], autostart: false }),
        p.client.serviceSet({ name: b, exec: 'exec sleep 1000', after: [a], autostart: false }),
      ]);
      expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = both.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect((refused.reason as Error).message).toMatch(/dependency cycle/);
      const afters = [(await p.client.serviceGet(a)).spec.after, (await p.client.serviceGet(b)).spec.after];
      expect(afters.filter((x) => (x as string[] | undefined)?.length)).toHaveLength(1);
    }
  });

  it('fails a service whose shell command is missing, and one whose secret is missing', async () => {
    const p = await startProc();
    await p.client.serviceSet({ name: 'nocmd', exec: 'no-such-command-xyz', restart: 'never' });
    const s = await waitState(p.client, 'nocmd', 'failed');
    expect(s.exit_code).toBe(127);
    await waitFor(async () => /no-such-command-xyz.*not found/.test((await p.client.serviceLogs('nocmd')).lines.map((l) => l.line).join('\n')), 10_000, 'shell error line');
    await p.client.serviceSet({ name: 'nosecret', exec: 'exec sleep 1000', env_from_secrets: { TOKEN: 'vault/token' } });
    const ns = await waitState(p.client, 'nosecret', 'failed');
    expect(ns.error).toBe('env_from_secrets.TOKEN: secret "token" not found in context "vault"');
  });

  it('rejects invalid cron expressions, signals, jobs and unknown names', async () => {
    const p = await startProc();
    await expect(p.client.scheduleSet({ name: 's', cron: '99 * * * *', job: { exec: 'true' } })).rejects.toThrow(/cron: invalid cron expression "99 \* \* \* \*"/);
    await expect(p.client.scheduleSet({ name: 's', cron: '* * * * *', job: { exec: 'true', bogus: 1 } as never })).rejects.toThrow(/job/);
    expect(await p.client.scheduleList()).toEqual([]);
    await p.client.serviceSet({ name: 'k', exec: 'exec sleep 1000' });
    await waitState(p.client, 'k', 'running');
    await expect(p.client.serviceKill('k', 'SIGWHAT')).rejects.toThrow(/signal: unknown signal "SIGWHAT"/);
    await expect(p.client.jobCreate({ cmd: ['/nope/nope'] })).rejects.toThrow(/cmd\[0\]: executable "\/nope\/nope" not found/);
    await expect(p.client.jobCreate({ exec: 'true', timeout_ms: -5 })).rejects.toThrow(/timeout_ms/);
    await expect(p.client.jobCreate({})).rejects.toThrow(/exec: one of "exec"/);
    await expect(p.client.jobGet('nope')).rejects.toMatchObject({ code: 'HERO_NOT_FOUND', rpcCode: -32004 });
    await expect(p.client.serviceStart('ghost')).rejects.toMatchObject({ code: 'HERO_NOT_FOUND' });
    await expect(p.client.secretGet('none')).rejects.toMatchObject({ code: 'HERO_NOT_FOUND' });
    await expect(p.client.logQuery({ grep: '/([/' })).rejects.toThrow(/grep: invalid regular expression/);
    // a regex that backtracks for ever on a logged line is stopped with a clear error
    await p.client.serviceSet({ name: 'trap', exec: `echo ${'a'.repeat(40)}b; exec sleep 1000` });
    await waitFor(async () => (await p.client.logQuery({ source: 'trap', grep: 'aaab' })).lines.length > 0, 10_000, 'trap line');
    await expect(p.client.logQuery({ grep: '/^(a+)+$/' })).rejects.toMatchObject({ rpcCode: -32602, message: expect.stringContaining('backtracks too much') });
    expect((await p.client.serviceStatus('k')).state).toBe('running');
  });

  it('refuses a second instance on the same socket dir', async () => {
    const p = await startProc();
    await expect(startProc({}, p.dir)).rejects.toMatchObject({ code: 'HERO_SOCKET_IN_USE' });
    expect(await p.client.ping()).toEqual({ pong: true });
  });
});

describe('rpc surface', () => {
  it('serves every method of the design in openrpc.json', async () => {
    const p = await startProc();
    const rpc = new RpcClient(p.rpcSock);
    const doc = await rpc.getJson<{ methods: { name: string }[] }>('/openrpc.json');
    await rpc.close();
    const names = doc.methods.map((m) => m.name);
    const want = [
      ...'list get set delete start stop restart kill status stats logs'.split(' ').map((m) => `service.${m}`),
      ...'create get list cancel wait logs'.split(' ').map((m) => `job.${m}`),
      'schedule.set', 'schedule.list', 'schedule.delete',
      'secret.set', 'secret.get', 'secret.list', 'secret.delete',
      'log.tail', 'log.query', 'system.ping', 'system.info',
    ];
    for (const m of want) expect(names).toContain(m);
    const info = await p.client.info();
    expect(info).toMatchObject({ service: 'hero_proc', services: 0, config_dir: p.config.config_dir });
  });

  it('stores secrets in a 0600 file and never logs their values', async () => {
    const p = await startProc();
    await p.client.secretSet('db_password', 'correct-horse-battery', 'prod');
    await p.client.secretSet('api', 'another-secret-value');
    expect(await p.client.secretGet('db_password', 'prod')).toBe('correct-horse-battery');
    expect(await p.client.secretList()).toEqual([
      { context: 'default', key: 'api' },
      { context: 'prod', key: 'db_password' },
    ]);
    expect(await p.client.secretList('prod')).toEqual([{ context: 'prod', key: 'db_password' }]);
    expect(await p.client.secretDelete('api')).toEqual({ deleted: true });
    expect(await p.client.secretDelete('api')).toEqual({ deleted: false });
    const file = path.join(p.config.data_dir, 'secrets.json');
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    await p.stop();
    expect(p.logs.length).toBeGreaterThan(0);
    expect(p.logs.join('\n')).not.toContain('correct-horse-battery');
    expect(p.logs.join('\n')).not.toContain('another-secret-value');
    expect(p.logs.some((l) => l.includes('db_password'))).toBe(true);
  });

  it('keeps every secret of a burst of sets and deletes on disk', async () => {
    const dir = await tempDir();
    const p = await startProc({}, dir);
    await Promise.all(Array.from({ length: 40 }, (_, i) => p.client.secretSet(`k${i}`, `value-${i}`)));
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => p.client.secretDelete(`k${i}`)),
      ...Array.from({ length: 10 }, (_, i) => p.client.secretSet(`late${i}`, `v${i}`)),
    ]);
    await p.stop();
    const again = await startProc({}, dir);
    const keys = (await again.client.secretList()).map((e) => e.key).sort();
    expect(keys).toEqual([...Array.from({ length: 30 }, (_, i) => `k${i + 10}`), ...Array.from({ length: 10 }, (_, i) => `late${i}`)].sort());
    expect(await again.client.secretGet('k39')).toBe('value-39');
  });

  it('treats keys and contexts named like Object.prototype members as ordinary names', async () => {
    const dir = await tempDir();
    const data = path.join(dir, 'data');
    await fs.mkdir(data, { recursive: true });
    // a file written before (same format) loads, odd keys included
    await fs.writeFile(
      path.join(data, 'secrets.json'),
      '{"version":1,"contexts":{"default":{"__proto__x":"a","old":"old-value"},"constructor":{"toString":"ctor-tostring","__proto__":"disk-proto"}}}',
      { mode: 0o600 },
    );
    const p = await startProc({}, dir);
    expect(await p.client.secretGet('old')).toBe('old-value');
    expect(await p.client.secretGet('toString', 'constructor')).toBe('ctor-tostring');
    expect(await p.client.secretGet('__proto__', 'constructor')).toBe('disk-proto');
    for (const key of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf']) {
      await expect(p.client.secretGet(key)).rejects.toMatchObject({ code: 'HERO_NOT_FOUND' });
      expect(await p.client.secretDelete(key)).toEqual({ deleted: false });
    }
    await expect(p.client.secretGet('k', 'toString')).rejects.toMatchObject({ code: 'HERO_NOT_FOUND' });
    await p.client.secretSet('__proto__', 'proto-value');
    await p.client.secretSet('constructor', 'ctor-value');
    await p.client.secretSet('__proto__', 'proto-in-hasOwnProperty', 'hasOwnProperty');
    expect(await p.client.secretGet('__proto__')).toBe('proto-value');
    expect(await p.client.secretGet('constructor')).toBe('ctor-value');
    expect(await p.client.secretGet('__proto__', 'hasOwnProperty')).toBe('proto-in-hasOwnProperty');
    expect(await p.client.secretList('default')).toEqual([
      { context: 'default', key: '__proto__' },
      { context: 'default', key: '__proto__x' },
      { context: 'default', key: 'constructor' },
      { context: 'default', key: 'old' },
    ]);
    // usable from env_from_secrets like any key; unset ones are "not found"
    const j = await p.client.jobCreate({ exec: 'printf %s "$X" | wc -c', env_from_secrets: { X: '__proto__' } });
    expect((await p.client.jobWait(j.id)).state).toBe('succeeded');
    expect((await p.client.jobLogs(j.id)).lines[0]!.line.trim()).toBe('11');
    await expect(p.client.jobCreate({ exec: 'true', env_from_secrets: { X: 'valueOf' } })).rejects.toThrow(
      /env_from_secrets\.X: secret "valueOf" not found in context "default"/,
    );
    // references are held to the key/context rules of secret.set
    await expect(p.client.jobCreate({ exec: 'true', env_from_secrets: { X: '../etc/k' } })).rejects.toThrow(/env_from_secrets.*secret context "\.\."/);
    await expect(p.client.jobCreate({ exec: 'true', env_from_secrets: ['ctx/KEY'] })).rejects.toThrow(/env_from_secrets.*invalid environment variable name/);
    expect(await p.client.secretDelete('constructor')).toEqual({ deleted: true });
    await p.stop();

    const p2 = await startProc({}, dir);
    expect(await p2.client.secretGet('__proto__')).toBe('proto-value');
    expect(await p2.client.secretGet('__proto__', 'hasOwnProperty')).toBe('proto-in-hasOwnProperty');
    await expect(p2.client.secretGet('constructor')).rejects.toMatchObject({ code: 'HERO_NOT_FOUND' });
    const saved = JSON.parse(await fs.readFile(path.join(data, 'secrets.json'), 'utf8'));
    expect(Object.keys(saved.contexts.default).sort()).toEqual(['__proto__', '__proto__x', 'old']);
  });

  it('tails and queries logs across sources', async () => {
    const p = await startProc();
    await p.client.serviceSet({ name: 'a', exec: 'echo alpha-1; echo alpha-2 >&2; exec sleep 1000' });
    const j = await p.client.jobCreate({ exec: 'echo job-line' });
    await p.client.jobWait(j.id);
    const { lines } = await p.client.logTail({ source: 'a', lines: 10 });
    await expect.poll(async () => (await p.client.logTail({ source: 'svc:a' })).lines.length).toBe(2);
    expect(lines.every((l) => l.source === 'svc:a')).toBe(true);
    const err = await p.client.logQuery({ source: 'a', stream: 'stderr' });
    expect(err.lines.map((l) => l.line)).toEqual(['alpha-2']);
    const all = await p.client.logQuery({ grep: 'alpha' });
    expect(all.lines.map((l) => l.line).sort()).toEqual(['alpha-1', 'alpha-2']);
    const re = await p.client.logQuery({ source: 'a', grep: '/^alpha-\\d$/' });
    expect(re.lines).toHaveLength(2);
  });
});
