import { Deque } from './deque.js';
import type { Engine } from './engine.js';
import { ZSet } from './zset.js';
import { Stream } from './stream/stream.js';
import { streamCommandsFor } from './stream/serialize.js';

const BATCH = 512;

/** RESP encoding of one command (latin1 strings are written byte for byte). */
export function encodeCommand(argv: string[]): string {
  let out = `*${argv.length}\r\n`;
  for (const a of argv) out += `$${a.length}\r\n${a}\r\n`;
  return out;
}

function scoreText(s: number): string {
  return s === Infinity ? 'inf' : s === -Infinity ? '-inf' : String(s);
}

/**
 * The whole dataset as RESP commands that rebuild it (SELECT, SET/RPUSH/HSET/SADD/ZADD,
 * PEXPIREAT), taken synchronously so it is one point in time. Used for snapshots and AOF rewrite.
 */
export function serializeDataset(engine: Engine): Buffer[] {
  const chunks: Buffer[] = [];
  let buf: string[] = [];
  let size = 0;
  const emit = (argv: string[]) => {
    const s = encodeCommand(argv);
    buf.push(s);
    size += s.length;
    if (size > 1 << 20) {
      chunks.push(Buffer.from(buf.join(''), 'latin1'));
      buf = [];
      size = 0;
    }
  };
  const now = Date.now();
  for (const db of engine.dbs) {
    if (db.size === 0) continue;
    emit(['SELECT', String(db.id)]);
    for (const [key, e] of db.data) {
      if (e.exp !== 0 && e.exp <= now) continue;
      const v = e.v;
      if (typeof v === 'string') emit(['SET', key, v]);
      else if (v instanceof Deque) {
        const items = v.toArray();
        for (let i = 0; i < items.length; i += BATCH) emit(['RPUSH', key, ...items.slice(i, i + BATCH)]);
      } else if (v instanceof Map) {
        let args: string[] = [];
        for (const [f, x] of v) {
          args.push(f, x);
          if (args.length >= BATCH * 2) {
            emit(['HSET', key, ...args]);
            args = [];
          }
        }
        if (args.length) emit(['HSET', key, ...args]);
      } else if (v instanceof Set) {
        let args: string[] = [];
        for (const m of v) {
          args.push(m);
          if (args.length >= BATCH) {
            emit(['SADD', key, ...args]);
            args = [];
          }
        }
        if (args.length) emit(['SADD', key, ...args]);
      } else if (v instanceof ZSet) {
        let args: string[] = [];
        for (const z of v.arr) {
          args.push(scoreText(z.s), z.m);
          if (args.length >= BATCH * 2) {
            emit(['ZADD', key, ...args]);
            args = [];
          }
        }
        if (args.length) emit(['ZADD', key, ...args]);
      } else if (v instanceof Stream) {
        for (const argv of streamCommandsFor(key, v)) emit(argv);
      }
      if (e.exp !== 0) emit(['PEXPIREAT', key, String(e.exp)]);
    }
  }
  if (buf.length) chunks.push(Buffer.from(buf.join(''), 'latin1'));
  return chunks;
}
