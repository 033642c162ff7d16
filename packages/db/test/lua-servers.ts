import { spawn } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { onTestFinished } from 'vitest';
import { configSchema, run } from '../src/index.js';

export interface Servers {
  hero: string;
  redis: string;
}

async function waitFor(file: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    try {
      await fs.access(file);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`timed out waiting for ${file}`);
}

/** Starts hero_db (in process) and a real redis-server, both on Unix sockets in a temp dir. */
export async function startServers(): Promise<Servers> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hero-db-x-'));
  const ac = new AbortController();
  let ready!: (p: string) => void;
  const readyP = new Promise<string>((r) => (ready = r));
  const done = run(
    configSchema.parse({ socket_dir: path.join(dir, 'sock'), data_dir: path.join(dir, 'data'), tcp: '', appendfsync: 'no' }),
    ac.signal,
    { onReady: (info) => ready(info.sockets['resp']!) },
  );
  done.catch((err) => ready(Promise.reject(err) as never));
  const hero = await readyP;
  const redisSock = path.join(dir, 'redis.sock');
  const child = spawn('redis-server', ['--port', '0', '--unixsocket', redisSock, '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: 'ignore',
  });
  await waitFor(redisSock);
  onTestFinished(async () => {
    child.kill('SIGKILL');
    ac.abort();
    await done.catch(() => {});
    await fs.rm(dir, { recursive: true, force: true });
  });
  return { hero, redis: redisSock };
}

/** An ioredis client on a socket, closed when the test ends. */
export function client(sock: string): Redis {
  const c = new Redis({ path: sock, maxRetriesPerRequest: null, lazyConnect: false });
  onTestFinished(() => {
    c.disconnect();
  });
  return c;
}

/** Sends one raw command and returns the reply or the error text, for side-by-side comparison. */
export async function send(c: Redis, args: (string | number)[]): Promise<unknown> {
  try {
    return await c.call(String(args[0]), ...args.slice(1).map(String));
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function encode(args: (string | number)[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('');
}

/** Sends commands on a fresh raw connection and returns every reply byte (for RESP3 checks). */
export function raw(sock: string, cmds: (string | number)[][]): Promise<string> {
  const END = '$7\r\n__end__\r\n';
  return new Promise((resolve, reject) => {
    const c = net.createConnection(sock);
    let out = '';
    c.on('data', (d) => {
      out += d.toString('latin1');
      if (out.endsWith(END)) {
        c.destroy();
        resolve(out.slice(0, -END.length));
      }
    });
    c.on('error', reject);
    c.write(cmds.map(encode).join('') + encode(['ECHO', '__end__']));
  });
}

/** Removes a HELLO reply (server name and version differ) from raw output that starts with one. */
export function dropHello(s: string): string {
  const i = s.indexOf('$7\r\nmodules\r\n*0\r\n');
  return i === -1 ? s : s.slice(i + '$7\r\nmodules\r\n*0\r\n'.length);
}
