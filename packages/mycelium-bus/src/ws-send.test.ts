import { describe, expect, it } from 'vitest';
import * as wsModule from 'ws';
import type { WebSocket } from 'ws';
import { release, send, textFrame } from './ws-send.js';

/** ws' frame parser (a Writable emitting 'message'); its types do not declare it. */
interface FrameReceiver {
  on(event: 'message', f: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'error', f: (err: Error) => void): void;
  write(chunk: Buffer): void;
}
const { Receiver } = wsModule as unknown as { Receiver: new (o: object) => FrameReceiver };

/** Parses `frames` (latin1 strings of bytes) with ws' own receiver, as the peer does. */
function parse(frames: string[], isServer: boolean): string[] {
  const got: string[] = [];
  const r = new Receiver({ isServer, maxPayload: 0, skipUTF8Validation: false });
  r.on('message', (data, isBinary) => {
    expect(isBinary).toBe(false);
    got.push(data.toString('utf8'));
  });
  r.on('error', (err) => {
    throw err;
  });
  r.write(Buffer.from(frames.join(''), 'latin1'));
  return got;
}

describe('textFrame', () => {
  const texts = ['', 'a', 'x'.repeat(125), 'x'.repeat(126), 'y'.repeat(65535), 'z'.repeat(65536), 'q'.repeat(200_000)];

  it('frames every length class as the peer reads it, masked (client) or not (server)', () => {
    for (const masked of [true, false]) expect(parse(texts.map((t) => textFrame(t, masked)), masked)).toEqual(texts);
  });

  it('sends non-ASCII text as its UTF-8 bytes', () => {
    const texts = ['{"m":"grüße 你好 🚀"}', 'é'.repeat(70), '✓'.repeat(30_000)];
    for (const masked of [true, false]) expect(parse(texts.map((t) => textFrame(t, masked)), masked)).toEqual(texts);
    // 70 two-byte characters: 140 bytes, a 16-bit length
    const f = Buffer.from(textFrame('é'.repeat(70), false), 'latin1');
    expect([f[0], f[1], f.readUInt16BE(2)]).toEqual([0x81, 126, 140]);
  });

  it('writes a final text frame header with an all-zero mask on the client side', () => {
    const f = Buffer.from(textFrame('hi', true), 'latin1');
    expect([...f]).toEqual([0x81, 0x80 | 2, 0, 0, 0, 0, 0x68, 0x69]);
  });
});

describe('send', () => {
  it('writes the first frame of a tick at once and the rest in one write, at release or the tick end', async () => {
    const writes: string[] = [];
    const sock = { destroyed: false, writable: true, write: (s: string) => writes.push(s), cork() {}, uncork() {} };
    const conn = { OPEN: 1, readyState: 1, _socket: sock };
    const ws = conn as unknown as WebSocket;
    const f = (t: string) => textFrame(t, false);
    send(ws, 'a', false);
    send(ws, 'b', false);
    send(ws, 'c', false);
    expect(writes).toEqual([f('a')]);
    release(ws);
    expect(writes).toEqual([f('a'), f('b') + f('c')]);
    await new Promise((r) => setImmediate(r));
    expect(writes).toHaveLength(2);
    send(ws, 'd', false);
    send(ws, 'e', false);
    await new Promise((r) => setImmediate(r));
    expect(writes.slice(2)).toEqual([f('d'), f('e')]);
    // frames held when the connection begins closing are not written after its close frame
    send(ws, 'f', false);
    send(ws, 'g', false);
    conn.readyState = 2;
    await new Promise((r) => setImmediate(r));
    expect(writes.slice(4)).toEqual([f('f')]);
    send(ws, 'h', false);
    expect(writes).toHaveLength(5);
  });

  it('writes text longer than the join limit on its own, in order', async () => {
    const writes: Buffer[] = [];
    const write = (s: string, enc: BufferEncoding) => writes.push(Buffer.from(s, enc));
    const sock = { destroyed: false, writable: true, write, cork() {}, uncork() {} };
    const ws = { OPEN: 1, readyState: 1, _socket: sock } as unknown as WebSocket;
    const texts = ['first', 'held', 'b'.repeat(3 << 20) + 'ü', 'after', 'c'.repeat(700_000), 'd'.repeat(700_000), 'last'];
    for (const t of texts) send(ws, t, true);
    await new Promise((r) => setImmediate(r));
    expect(parse([Buffer.concat(writes).toString('latin1')], true)).toEqual(texts);
  });
});
