import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, onTestFinished } from 'vitest';
import { configSchema, run, type Config } from '../src/index.js';

export async function tempDir(prefix = 'hero-db-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

async function waitFor(file: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(file);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${file}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface HeroServer {
  dir: string;
  resp: string;
  rpc: string;
  tcp?: string;
  stop(): Promise<void>;
}

/** Runs hero_db in-process on sockets in a temp dir. */
export async function startHero(overrides: Partial<Config> = {}, dir?: string): Promise<HeroServer> {
  const d = dir ?? (await tempDir());
  const ac = new AbortController();
  let info: { resp: string; rpc: string; tcp?: string } | undefined;
  const config = configSchema.parse({
    socket_dir: path.join(d, 'sock'),
    data_dir: path.join(d, 'data'),
    tcp: '',
    appendfsync: 'no',
    save: '',
    ...overrides,
  });
  let stopped: Promise<void> = Promise.resolve();
  const ready = new Promise<void>((resolve, reject) => {
    const done = run(config, ac.signal, {
      onReady: (i) => {
        info = { resp: i.sockets.resp!, rpc: i.sockets.rpc!, tcp: i.tcp?.resp };
        resolve();
      },
    });
    stopped = done;
    done.catch(reject);
  });
  await ready;
  return {
    dir: d,
    ...info!,
    async stop() {
      ac.abort();
      await stopped;
    },
  };
}

export interface RedisServer {
  sock: string;
  stop(): Promise<void>;
}

/** Starts a real redis-server on a Unix socket (no persistence). */
export async function startRedis(dir?: string, extra: string[] = []): Promise<RedisServer> {
  const d = dir ?? (await tempDir('hero-db-redis-'));
  const sock = path.join(d, 'redis.sock');
  const child = spawn('redis-server', ['--port', '0', '--unixsocket', sock, '--save', '', '--appendonly', 'no', '--dir', d, ...extra], { stdio: 'ignore' });
  await waitFor(sock);
  return {
    sock,
    async stop() {
      child.kill('SIGKILL');
      await fs.rm(d, { recursive: true, force: true }).catch(() => {});
    },
  };
}

/** One hero_db and one redis-server for a whole test file. */
export function bothServers(overrides: Partial<Config> = {}): { hero: () => HeroServer; redis: () => RedisServer } {
  let hero: HeroServer | undefined;
  let redis: RedisServer | undefined;
  beforeAll(async () => {
    [hero, redis] = await Promise.all([startHero(overrides), startRedis()]);
  }, 60_000);
  afterAll(async () => {
    await hero?.stop();
    await redis?.stop();
    if (hero) await fs.rm(hero.dir, { recursive: true, force: true });
  });
  return { hero: () => hero!, redis: () => redis! };
}

// ---- a raw RESP client -------------------------------------------------------------------

/** A decoded reply; `t` is the RESP type byte. */
export type R = { t: string; v: unknown };

/** Parses one reply at `pos`; returns it with the end offset, or null when incomplete. */
export function parseReply(buf: Buffer, pos: number): { value: R; end: number } | null {
  if (pos >= buf.length) return null;
  const t = String.fromCharCode(buf[pos]!);
  const nl = buf.indexOf('\r\n', pos);
  if (nl === -1) return null;
  const line = buf.latin1Slice(pos + 1, nl);
  let p = nl + 2;
  switch (t) {
    case '+':
    case '-':
    case ':':
    case ',':
    case '#':
    case '_':
    case '(':
      return { value: { t, v: line }, end: p };
    case '$':
    case '=':
    case '!': {
      const n = Number(line);
      if (n < 0) return { value: { t, v: null }, end: p };
      if (p + n + 2 > buf.length) return null;
      return { value: { t, v: buf.latin1Slice(p, p + n) }, end: p + n + 2 };
    }
    case '*':
    case '~':
    case '>':
    case '%': {
      const n = Number(line);
      if (n < 0) return { value: { t, v: null }, end: p };
      const count = t === '%' ? n * 2 : n;
      const items: R[] = [];
      for (let i = 0; i < count; i++) {
        const r = parseReply(buf, p);
        if (r === null) return null;
        items.push(r.value);
        p = r.end;
      }
      return { value: { t, v: items }, end: p };
    }
    default:
      throw new Error(`bad reply type ${t} in ${JSON.stringify(buf.latin1Slice(pos, pos + 40))}`);
  }
}

export function encode(argv: string[]): Buffer {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return Buffer.from(s, 'latin1');
}

/** A raw connection: send commands or bytes, read decoded replies (and their raw text). */
export class Raw {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;
  readonly sock: net.Socket;

  constructor(target: string) {
    this.sock = net.connect(target);
    this.sock.on('data', (c) => {
      this.buf = Buffer.concat([this.buf, c]);
      this.wake();
    });
    this.sock.on('close', () => {
      this.closed = true;
      this.wake();
    });
    this.sock.on('error', () => {});
    onTestFinished(() => {
      this.sock.destroy();
    });
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static async open(target: string): Promise<Raw> {
    const r = new Raw(target);
    await new Promise<void>((resolve, reject) => {
      r.sock.once('connect', resolve);
      r.sock.once('error', reject);
    });
    return r;
  }

  write(data: string | Buffer): void {
    this.sock.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** The next reply as { value, raw }; rejects on timeout or close. */
  async read(timeoutMs = 10_000): Promise<{ value: R; raw: string }> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const r = parseReply(this.buf, 0);
      if (r) {
        const raw = this.buf.latin1Slice(0, r.end);
        this.buf = this.buf.subarray(r.end);
        return { value: r.value, raw };
      }
      if (this.closed) throw new Error('connection closed');
      const left = end - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a reply');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async call(...argv: string[]): Promise<string> {
    this.write(encode(argv));
    return (await this.read()).raw;
  }

  /** Waits for the server to close the connection. */
  async waitClosed(timeoutMs = 10_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > end) throw new Error('connection still open');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Everything received and not yet read. */
  rest(): string {
    return this.buf.latin1Slice(0, this.buf.length);
  }
}

/** Client ids differ between servers; HELLO replies are compared without them. */
function normId(raw: string): string {
  return raw.replace(/\$2\r\nid\r\n:\d+/g, '$2\r\nid\r\n:0');
}

function normR(r: R): R {
  if (!Array.isArray(r.v)) return r;
  const items = r.v as R[];
  const out = items.map(normR);
  for (let i = 0; i + 1 < out.length; i++) if (out[i]!.v === 'id' && out[i + 1]!.t === ':') out[i + 1] = { t: ':', v: '0' };
  return { t: r.t, v: out };
}

/** Sorts array-like replies (for commands whose order is unspecified). */
export function sorted(r: R): R {
  if (Array.isArray(r.v)) {
    const items = (r.v as R[]).map(sorted);
    if (r.t === '%') {
      const pairs: [R, R][] = [];
      for (let i = 0; i < items.length; i += 2) pairs.push([items[i]!, items[i + 1]!]);
      pairs.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
      return { t: r.t, v: pairs.flat() };
    }
    return { t: r.t, v: items.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) };
  }
  return r;
}

export type Step = string[] | { cmd: string[]; unordered?: boolean; ignore?: boolean };

/**
 * Sends the same commands to hero_db and redis-server over fresh raw connections and expects
 * byte-identical replies (or equal after sorting for `unordered` steps).
 */
export async function compare(heroSock: string, redisSock: string, steps: Step[], opts: { hello3?: boolean } = {}): Promise<void> {
  const [h, r] = await Promise.all([Raw.open(heroSock), Raw.open(redisSock)]);
  const all = opts.hello3 ? [{ cmd: ['HELLO', '3'], ignore: true } as Step, ...steps] : steps;
  for (const step of all) {
    const s = Array.isArray(step) ? { cmd: step } : step;
    const [hr, rr] = [await sendRead(h, s.cmd), await sendRead(r, s.cmd)];
    if (s.ignore) continue;
    const label = s.cmd.join(' ');
    if (s.unordered) expect(sorted(normR(hr.value)), label).toEqual(sorted(normR(rr.value)));
    else expect(normId(hr.raw), label).toBe(normId(rr.raw));
  }
  h.sock.destroy();
  r.sock.destroy();
}

async function sendRead(c: Raw, argv: string[]) {
  c.write(encode(argv));
  return c.read();
}

/** ioredis on a socket, closed when the test ends. */
export function ioredis(sock: string, opts: Record<string, unknown> = {}): Redis {
  const c = new Redis({ path: sock, maxRetriesPerRequest: 1, ...opts });
  // Servers killed on purpose make ioredis report errors; the tests assert on data instead.
  c.on('error', () => {});
  onTestFinished(() => {
    c.disconnect();
  });
  return c;
}

/** Runs redis-cli against a socket; resolves with stdout (stderr appended). */
export function redisCli(sock: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile('redis-cli', ['-s', sock, ...args], { timeout: 20_000 }, (_err, stdout, stderr) => resolve(stdout + stderr));
    if (input !== undefined) child.stdin!.end(input);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** One step of a multi-connection scenario: send on connection `c` and/or read `read` replies. */
export interface MultiStep {
  c: number;
  cmd?: string[];
  /** Replies to read after sending (default 1 when a command is sent, else 0). */
  read?: number;
  raw?: string;
  unordered?: boolean;
}

/** Runs the same multi-connection scenario on both servers and expects identical replies. */
export async function compareMulti(heroSock: string, redisSock: string, conns: number, steps: MultiStep[]): Promise<void> {
  const open = (sock: string) => Promise.all(Array.from({ length: conns }, () => Raw.open(sock)));
  const [hs, rs] = await Promise.all([open(heroSock), open(redisSock)]);
  for (const step of steps) {
    const label = `conn ${step.c}: ${step.cmd?.join(' ') ?? step.raw ?? 'read'}`;
    const n = step.read ?? (step.cmd || step.raw ? 1 : 0);
    const results: { value: R; raw: string }[][] = [];
    for (const side of [hs, rs]) {
      const conn = side[step.c]!;
      if (step.cmd) conn.write(encode(step.cmd));
      if (step.raw) conn.write(step.raw);
      const got: { value: R; raw: string }[] = [];
      for (let i = 0; i < n; i++) got.push(await conn.read());
      results.push(got);
    }
    const [h, r] = results as [{ value: R; raw: string }[], { value: R; raw: string }[]];
    if (step.unordered) expect(h.map((x) => sorted(normR(x.value))), label).toEqual(r.map((x) => sorted(normR(x.value))));
    else expect(h.map((x) => normId(x.raw)), label).toEqual(r.map((x) => normId(x.raw)));
  }
  for (const c of [...hs, ...rs]) c.sock.destroy();
}
