/**
 * One Hero node on this machine: a hero_bundle child process with its own HOME, socket dir and
 * router port, plus optional extra service processes (e.g. the example master or worker
 * agent). Everything the node starts carries a marker in its environment, so "killing the
 * node" can take down the runners its supervisor started too, like a machine that fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { processesWithMarker } from '@hero/smoke';

/** The repository root (this file is tools/multinode/src/node.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** `node` with the flags that run a TypeScript entry from source. */
export const TSX_NODE = [process.execPath, '--conditions=@hero/source', '--import', 'tsx'];

export interface RouterToken {
  token: string;
  context: string;
  name?: string;
}

export interface ExtraService {
  /** Label in logs and errors. */
  name: string;
  /** TypeScript entry, relative to the repository root (e.g. `examples/master/master.ts`). */
  script: string;
  /** TOML keys of its config (socket_dir is added). */
  config: Record<string, string | number | boolean | string[]>;
}

export interface NodeOptions {
  name: string;
  /** Directory holding this node's HOME and socket dir. */
  root: string;
  /** Shared Redis of the supervisors (`unix://…` or `redis://…`). */
  redisUrl: string;
  /** Mycelium REST API the bus forwards other nodes' messages to. */
  upstream?: string;
  routerTokens?: RouterToken[];
  routerUpstreamTimeoutMs?: number;
  /** Admin secret of the supervisor; `''` configures none (local socket calls are then trusted). */
  supervisorSecret: string;
  /** Register secret of every supervisor (workers register their runners with it). */
  registerSecret?: string;
  /** Serve the supervisor on the bus too. */
  supervisorBus?: boolean;
  /** Runners started by this node's supervisor (the example mock runner). */
  runners?: { name: string; concurrency?: number }[];
  extras?: ExtraService[];
  log?: (line: string) => void;
}

const str = (s: string) => JSON.stringify(s);
const tomlValue = (v: string | number | boolean | string[]): string =>
  Array.isArray(v) ? `[${v.map(str).join(', ')}]` : typeof v === 'string' ? str(v) : String(v);

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

/** Resolves with the first JSON stdout line whose `msg` is `msg`; keeps the last lines for errors. */
function waitForLine(child: ChildProcess, msg: string, what: string, tail: string[], timeoutMs = 90_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`${what}: no "${msg}" within ${timeoutMs} ms\n${tail.join('\n')}`)), timeoutMs);
    let found = false;
    rl.on('line', (line) => {
      tail.push(line.slice(0, 500));
      if (tail.length > 40) tail.shift();
      if (found) return;
      try {
        const rec = JSON.parse(line) as Record<string, unknown>;
        if (rec.msg === msg) {
          found = true;
          clearTimeout(timer);
          resolve(rec);
        }
      } catch {
        /* not JSON */
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!found) reject(new Error(`${what} exited (${code ?? signal}) before "${msg}"\n${tail.join('\n')}`));
    });
  });
}

export class HeroNode {
  readonly name: string;
  readonly home: string;
  readonly socketDir: string;
  readonly configPath: string;
  /** `http://127.0.0.1:<port>` of this node's router, once started. */
  routerUrl = '';
  private readonly marker = `HERO_MULTINODE_MARK_${randomUUID().replace(/-/g, '')}`;
  private bundle: ChildProcess | undefined;
  private extras: ChildProcess[] = [];
  private readonly tail: string[] = [];

  constructor(readonly opts: NodeOptions) {
    this.name = opts.name;
    this.home = path.join(opts.root, 'home');
    this.socketDir = path.join(opts.root, 'sockets');
    this.configPath = path.join(opts.root, 'hero_bundle.toml');
  }

  /** Path of `<socket_dir>/<service>/<name>.sock`. */
  socket(service: string, name = 'rpc'): string {
    return path.join(this.socketDir, service, `${name}.sock`);
  }

  /** The hero_bundle.toml this node runs with. */
  bundleToml(): string {
    const o = this.opts;
    const lines = [
      'log_level = "info"',
      '',
      '[mycelium]',
      ...(o.upstream ? [`upstream = ${str(o.upstream)}`, 'upstream_poll_secs = 10'] : []),
      '',
      '[db]',
      'tcp = ""',
      '',
      '[code]',
      `root = ${str(path.join(this.home, 'code'))}`,
      '',
      '[router]',
      'listen = "127.0.0.1:0"',
      'scan_interval_ms = 2000',
      ...(o.routerUpstreamTimeoutMs ? [`upstream_timeout_ms = ${o.routerUpstreamTimeoutMs}`] : []),
      '',
      ...(o.routerTokens ?? []).flatMap((t) => [
        '[[router.auth.tokens]]',
        `token = ${str(t.token)}`,
        `context = ${str(t.context)}`,
        `name = ${str(t.name ?? t.context)}`,
        '',
      ]),
      '[supervisor]',
      `redis_url = ${str(o.redisUrl)}`,
      ...(o.supervisorSecret ? [`admin_secrets = [${str(o.supervisorSecret)}]`] : []),
      ...(o.registerSecret ? [`register_secrets = [${str(o.registerSecret)}]`] : []),
      `bus = ${o.supervisorBus ? 'true' : 'false'}`,
      'reap_interval_ms = 500',
      '',
      ...(o.runners ?? []).flatMap((r) => [
        '[[supervisor.runners]]',
        `name = ${str(r.name)}`,
        `command = ${str(process.execPath)}`,
        `args = ${tomlValue([...TSX_NODE.slice(1), path.join(REPO_ROOT, 'examples/supervisor/mock-runner.ts')])}`,
        `env = { HERO_NODE_NAME = ${str(o.name)} }`,
        `concurrency = ${r.concurrency ?? 1}`,
        '',
      ]),
    ];
    return lines.join('\n');
  }

  private env(): NodeJS.ProcessEnv {
    return { ...process.env, HOME: this.home, HERO_SOCKET_DIR: this.socketDir, [this.marker]: '1', NODE_OPTIONS: '' };
  }

  /** Starts (or restarts) the bundle and the extra services; resolves when all are ready. */
  async start(): Promise<void> {
    await fs.mkdir(path.join(this.home, 'code'), { recursive: true });
    await fs.writeFile(this.configPath, this.bundleToml());
    const bundle = spawn(TSX_NODE[0]!, [...TSX_NODE.slice(1), path.join(REPO_ROOT, 'apps/hero-bundle/src/main.ts'), '--config', this.configPath], {
      cwd: REPO_ROOT,
      env: this.env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.bundle = bundle;
    bundle.stderr!.on('data', (d: Buffer) => {
      for (const l of d.toString().split('\n')) if (l) this.tail.push(`[stderr] ${l.slice(0, 300)}`);
    });
    const ready = await waitForLine(bundle, 'hero_bundle ready', `node ${this.name}`, this.tail);
    const services = ready.services as { service: string; tcp?: Record<string, string> }[];
    const tcp = services.find((s) => s.service === 'hero_router')?.tcp;
    const addr = tcp && Object.values(tcp)[0];
    if (!addr) throw new Error(`node ${this.name}: the router reported no TCP address`);
    this.routerUrl = `http://${addr}`;
    this.opts.log?.(`node ${this.name}: hero_bundle ready, router at ${this.routerUrl}`);
    this.extras = [];
    for (const x of this.opts.extras ?? []) await this.startExtra(x);
  }

  private async startExtra(x: ExtraService): Promise<void> {
    const file = path.join(this.opts.root, `${x.name}.toml`);
    const keys = { socket_dir: this.socketDir, ...x.config };
    await fs.writeFile(file, Object.entries(keys).map(([k, v]) => `${k} = ${tomlValue(v)}`).join('\n') + '\n');
    const child = spawn(TSX_NODE[0]!, [...TSX_NODE.slice(1), path.join(REPO_ROOT, x.script), '--config', file], {
      cwd: REPO_ROOT,
      env: this.env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    child.stderr!.on('data', (d: Buffer) => tail.push(d.toString().slice(0, 500)));
    this.extras.push(child);
    await waitForLine(child, 'ready', `node ${this.name} ${x.name}`, tail);
    this.opts.log?.(`node ${this.name}: ${x.name} ready`);
  }

  /** The process of an extra service, by its position in `extras`. */
  extraProcess(i = 0): ChildProcess | undefined {
    return this.extras[i];
  }

  /** Restarts one extra service (after it was killed). */
  async restartExtra(i = 0): Promise<void> {
    const x = this.opts.extras?.[i];
    if (!x) throw new Error(`node ${this.name} has no extra service ${i}`);
    const old = this.extras[i];
    if (old) {
      if (old.exitCode === null && old.signalCode === null) old.kill('SIGKILL');
      await waitExit(old);
    }
    this.extras.splice(i, 1);
    await this.startExtra(x);
    // keep the order of `extras`
    const started = this.extras.pop()!;
    this.extras.splice(i, 0, started);
  }

  /** SIGKILLs everything of this node at once (bundle, runners, extras), as a machine failure would. */
  async kill(): Promise<void> {
    const pids = await processesWithMarker(this.marker);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await Promise.all([this.bundle, ...this.extras].filter((c): c is ChildProcess => !!c).map(waitExit));
    await this.waitNoProcesses();
    this.opts.log?.(`node ${this.name}: killed (${pids.length} processes)`);
  }

  /** Stops the node gracefully (SIGTERM), then makes sure nothing of it is left. */
  async stop(): Promise<void> {
    const children = [...this.extras, this.bundle].filter((c): c is ChildProcess => !!c && c.exitCode === null && c.signalCode === null);
    for (const c of children) c.kill('SIGTERM');
    const all = Promise.all(children.map(waitExit));
    const late = await Promise.race([all.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 30_000))]);
    if (late) for (const c of children) c.kill('SIGKILL');
    for (const pid of await processesWithMarker(this.marker)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await all;
  }

  private async waitNoProcesses(): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if ((await processesWithMarker(this.marker)).length === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Recent output lines of the bundle (for error messages). */
  recentOutput(): string {
    return this.tail.join('\n');
  }
}
