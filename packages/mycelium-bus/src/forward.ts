/**
 * Topic forward sockets: the payload of a message is written to a Unix stream socket, the
 * writing side is closed, and whatever the peer writes back before closing is the answer
 * (sent back to the message's sender as its reply when not empty).
 */
import net from 'node:net';
import { HeroError } from '@hero/core';

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
