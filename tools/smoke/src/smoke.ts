/**
 * The smoke run: starts hero_bundle on a temp HOME and socket dir, checks every socket, sends a
 * job through the supervisor to a runner on hero_db, a message through the bus, calls every
 * service through the router's TCP port and through a separately started hero-router, then
 * stops the bundle with SIGTERM and checks that nothing is left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { RpcClient } from '@hero/core';

export interface SmokeOptions {
  /** The bundle command, e.g. `['/path/hero_bundle']` or `[process.execPath, 'dist/main.js']`. */
  bundle: string[];
  /** The standalone router command (without arguments). */
  router?: string[];
  /** Prints each step. */
  log?: (line: string) => void;
}

export interface SmokeReport {
  steps: string[];
  readyMs: number;
  stopMs: number;
}

interface Info {
  services: { name: string; sockets: Record<string, string> }[];
}

function waitExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
}

/** Runs a command and returns its stdout (throws on a non-zero exit). */
async function output(cmd: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(cmd[0]!, cmd.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const { code } = await waitExit(child);
  if (code !== 0) throw new Error(`${cmd.join(' ')} exited ${code}: ${err}`);
  return out;
}

/** Resolves with the first JSON log line whose `msg` matches, from a child's stdout. */
function waitForLog(child: ChildProcess, msg: string, timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`no "${msg}" log line within ${timeoutMs} ms`)), timeoutMs);
    rl.on('line', (line) => {
      try {
        const rec = JSON.parse(line) as Record<string, unknown>;
        if (rec.msg === msg) {
          clearTimeout(timer);
          resolve(rec);
        }
      } catch {
        /* not JSON */
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before "${msg}"`));
    });
  });
}

/** PIDs of live processes whose environment holds `marker`. */
export async function processesWithMarker(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const env = await fs.readFile(`/proc/${entry}/environ`, 'latin1');
      if (env.includes(marker)) {
        const stat = await fs.readFile(`/proc/${entry}/stat`, 'latin1');
        if (!/\) Z /.test(stat)) found.push(Number(entry));
      }
    } catch {
      /* gone or not ours */
    }
  }
  return found;
}

async function httpJson(url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Sends `PING` over a RESP socket and resolves with the first reply line. */
function respPing(sock: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(sock);
    let buf = '';
    const timer = setTimeout(() => c.destroy(new Error(`${sock}: no RESP reply within ${timeoutMs} ms`)), timeoutMs);
    c.once('connect', () => c.write('*1\r\n$4\r\nPING\r\n'));
    c.on('data', (d) => {
      buf += d;
      const end = buf.indexOf('\r\n');
      if (end >= 0) {
        clearTimeout(timer);
        c.end();
        resolve(buf.slice(0, end));
      }
    });
    c.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export async function runSmoke(opts: SmokeOptions): Promise<SmokeReport> {
  const log = opts.log ?? (() => {});
  const steps: string[] = [];
  const step = (s: string) => {
    steps.push(s);
    log(`✓ ${s}`);
  };
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'hero-smoke-'));
  const home = path.join(work, 'home');
  const socketDir = path.join(work, 'sockets');
  await fs.mkdir(path.join(home, 'code', 'demo'), { recursive: true });
  await fs.writeFile(path.join(home, 'code', 'demo', 'README.md'), '# demo\n');
  const configPath = path.join(work, 'hero_bundle.toml');
  await fs.writeFile(
    configPath,
    [
      'log_level = "info"',
      '[db]',
      'tcp = ""',
      '[router]',
      'listen = "127.0.0.1:0"',
      '[code]',
      `root = "${path.join(home, 'code')}"`,
      '[[supervisor.runners]]',
      'name = "shell"',
      '',
    ].join('\n'),
  );
  const marker = `HERO_SMOKE_MARKER=${randomUUID()}`;
  const env = { ...process.env, HOME: home, HERO_SOCKET_DIR: socketDir, [marker.split('=')[0]!]: marker.split('=')[1]! };
  let bundle: ChildProcess | undefined;
  let router: ChildProcess | undefined;
  try {
    const info = JSON.parse(await output([...opts.bundle, '--config', configPath, '--info'], env)) as Info;
    if (info.services.length !== 7) throw new Error(`--info lists ${info.services.length} services, expected 7`);
    step(`--info lists 7 services under ${socketDir}`);

    const t0 = performance.now();
    bundle = spawn(opts.bundle[0]!, [...opts.bundle.slice(1), '--config', configPath], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    bundle.stderr!.on('data', (d) => (stderr += d));
    const ready = await waitForLog(bundle, 'hero_bundle ready', 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${stderr}`);
    });
    const readyMs = performance.now() - t0;
    step(`bundle ready in ${Math.round(readyMs)} ms`);

    for (const svc of info.services) {
      for (const [name, sock] of Object.entries(svc.sockets)) {
        if (name === 'resp') {
          const pong = await respPing(sock);
          if (pong !== '+PONG') throw new Error(`${sock}: PING → ${pong}`);
          continue;
        }
        const c = new RpcClient(sock, { timeoutMs: 10_000 });
        try {
          const h = await c.getJson<{ status: string; service: string }>('/health');
          if (h.status !== 'ok') throw new Error(`${sock}: health ${JSON.stringify(h)}`);
          const mode = (await fs.stat(sock)).mode & 0o777;
          if (mode !== 0o600) throw new Error(`${sock}: mode ${mode.toString(8)}`);
          if (name === 'rpc') {
            const doc = await c.call<{ methods: unknown[] }>('rpc.discover');
            if (!Array.isArray(doc.methods) || doc.methods.length === 0) throw new Error(`${sock}: empty rpc.discover`);
          }
        } finally {
          await c.close();
        }
      }
    }
    step('every socket answers: /health (mode 0600) on HTTP sockets, rpc.discover on every rpc.sock, PING on resp.sock');

    const sup = new RpcClient(path.join(socketDir, 'hero_supervisor', 'rpc.sock'), { timeoutMs: 60_000 });
    const result = await sup.call<{ success?: string; error?: string }>('job.run', {
      job: { runner: 'shell', executor: 'bash', payload: 'echo "hello from $HERO_SMOKE_WORD"', env_vars: { HERO_SMOKE_WORD: 'runner' }, timeout: 30 },
    });
    await sup.close();
    if (result.success?.trim() !== 'hello from runner') throw new Error(`job.run → ${JSON.stringify(result)}`);
    step('a job went through hero_supervisor to the shell runner on hero_db and back');

    const bus = new RpcClient(path.join(socketDir, 'mycelium', 'rpc.sock'), { timeoutMs: 10_000 });
    const me = await bus.call<{ nodeSubnet: string; nodePubkey: string }>('getInfo');
    const ip = me.nodeSubnet.split('/')[0]!.replace(/::$/, '::1');
    const pushed = await bus.call<{ id: string }>('pushMessage', [{ dst: { pk: me.nodePubkey }, topic: b64('smoke'), payload: b64('ping over the bus') }]);
    const popped = await bus.call<{ id: string; payload: string } | null>('popMessage', [false, 5, b64('smoke')]);
    await bus.close();
    if (!popped || Buffer.from(popped.payload, 'base64').toString() !== 'ping over the bus' || popped.id !== pushed.id) {
      throw new Error(`bus round trip failed: ${JSON.stringify({ pushed, popped, ip })}`);
    }
    step('a message went through the bus to this node and was popped');

    const tcp = (ready.services as { service: string; tcp?: Record<string, string> }[]).find((s) => s.service === 'hero_router')?.tcp;
    const entry = tcp && Object.values(tcp)[0];
    if (!entry) throw new Error('router reported no TCP listener');
    for (const svc of info.services) {
      const res = await httpJson(`http://${entry}/${svc.name}/rpc/rpc`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'rpc.discover' }),
      });
      const body = res.body as { result?: { methods?: unknown[] } };
      if (res.status !== 200 || !body.result?.methods?.length) throw new Error(`router → ${svc.name}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    }
    step(`every service answered rpc.discover through the router at http://${entry}`);

    if (opts.router) {
      const otherDir = path.join(work, 'other-sockets');
      router = spawn(opts.router[0]!, [...opts.router.slice(1), 'serve', '--socket-dir', otherDir, '--discover-dir', socketDir, '--listen', '127.0.0.1:0'], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      await waitForLog(router, 'ready', 30_000);
      const rc = new RpcClient(path.join(otherDir, 'hero_router', 'rpc.sock'), { timeoutMs: 10_000 });
      const listed = await rc.call<{ name: string }[]>('router.services');
      await rc.close();
      const names = new Set(listed.map((s) => s.name));
      const missing = info.services.map((s) => s.name).filter((n) => !names.has(n));
      if (missing.length) throw new Error(`standalone hero-router misses ${missing.join(', ')}`);
      router.kill('SIGTERM');
      const rexit = await waitExit(router);
      if (rexit.code !== 0) throw new Error(`standalone hero-router exited ${rexit.code}`);
      step('a separately started hero-router lists every bundled service');
    }

    // the bundle and the shell runner it started carry the marker: the check after the stop can see children
    const before = await processesWithMarker(marker);
    if (!before.includes(bundle.pid!) || before.length < 2) throw new Error(`expected the bundle and its runner to carry the marker, found ${before.join(', ')}`);

    const t1 = performance.now();
    bundle.kill('SIGTERM');
    const exit = await Promise.race([
      waitExit(bundle),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('bundle did not exit within 30 s of SIGTERM')), 30_000)),
    ]);
    const stopMs = performance.now() - t1;
    if (exit.code !== 0) throw new Error(`bundle exited ${exit.code ?? exit.signal}: ${stderr}`);
    step(`SIGTERM → exit 0 in ${Math.round(stopMs)} ms`);

    const left: string[] = [];
    for (const svc of info.services) for (const sock of Object.values(svc.sockets)) await fs.access(sock).then(() => left.push(sock), () => {});
    if (left.length) throw new Error(`sockets left behind: ${left.join(', ')}`);
    const alive = await processesWithMarker(marker);
    if (alive.length) throw new Error(`processes left behind: ${alive.join(', ')}`);
    step(`every socket removed, none of the ${before.length} processes left`);
    return { steps, readyMs, stopMs };
  } finally {
    for (const c of [router, bundle]) if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await fs.rm(work, { recursive: true, force: true });
  }
}
