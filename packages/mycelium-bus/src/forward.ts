/**
 * Topic forward sockets: the payload of a message is written to a Unix stream socket, the
 * writing side is closed, and whatever the peer writes back before closing is the answer
 * (sent back to the message's sender as its reply when not empty).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { HeroError } from '@hero/core';

/** A path with its existing part resolved through symlinks (the rest kept as written). */
function real(p: string): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(real(parent), path.basename(abs));
  }
}

/**
 * Why a forward socket set over RPC is refused, or undefined: it must be absolute and outside
 * the Hero socket dir, whose sockets (every service's RPC) the bus must never relay senders'
 * bytes into. Checked again at each forward (a symlink may change in between).
 */
export function refusedForwardSocket(socketPath: string, socketDir: string): string | undefined {
  if (!path.isAbsolute(socketPath)) return 'socket_path must be an absolute path';
  const rel = path.relative(real(socketDir), real(socketPath));
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
    return `socket_path must be outside the Hero socket dir ${socketDir} (those sockets are the services' own)`;
  }
  return undefined;
}

/** Sends `payload` to the socket at `socketPath` and resolves with its answer. */
export function forwardToSocket(socketPath: string, payload: Buffer, timeoutMs: number, maxAnswer: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const sock = net.connect(socketPath);
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(Buffer.concat(chunks, size));
    };
    const timer = setTimeout(
      () => finish(new HeroError('HERO_TIMEOUT', `forward socket ${socketPath} did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    sock.once('connect', () => sock.end(payload));
    sock.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxAnswer) {
        finish(new HeroError('HERO_TOO_LARGE', `forward socket ${socketPath} answered more than ${maxAnswer} bytes`));
        return;
      }
      chunks.push(c);
    });
    sock.once('end', () => finish());
    sock.once('error', (err) => finish(new HeroError('HERO_UNAVAILABLE', `forward socket ${socketPath}: ${err.message}`, { cause: err })));
  });
}
