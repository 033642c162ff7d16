import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface RedisServer {
  /** `unix://…` URL for the supervisor's `redis_url`. */
  url: string;
  socket: string;
  stop(): Promise<void>;
}

/** Starts `redis-server` on a Unix socket in `dir` (no TCP, no persistence). */
export async function startRedis(dir: string, bin = '/usr/bin/redis-server'): Promise<RedisServer> {
  await fs.mkdir(dir, { recursive: true });
  const socket = path.join(dir, 'redis.sock');
  const child: ChildProcess = spawn(bin, ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start: ${out}`));
    }, 20_000);
    const check = () => {
      if (/ready to accept connections/i.test(out)) {
        clearTimeout(t);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`redis-server exited ${code}: ${out}`));
    });
  });
  return {
    url: `unix://${socket}`,
    socket,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
