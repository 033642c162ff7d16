/**
 * Frame sends shared by the JSON-RPC-over-WebSocket server and client. Text frames are framed
 * here and written straight to the connection's socket as latin1 text (each character one
 * byte); after the first frame of a tick the rest go in one write. No header buffer, write
 * request or string conversion per frame. Frames are always whole, so they interleave safely
 * with the control frames `ws` writes itself (it queues frames only for compression, which both
 * ends turn off).
 */
import type net from 'node:net';
import type { WebSocket } from 'ws';

/** Frames of the current tick not written yet, on the connection (undefined: none this tick). */
const HELD = Symbol('heldFrames');
type Held = WebSocket & { [HELD]?: string | undefined };

/**
 * The header of a final text frame of `len` payload bytes. A masked (client) frame carries an
 * all-zero key: the payload is then sent as is, which RFC 6455 allows; masking defends proxy
 * caches, and these frames go to the bus or a connection the caller chose.
 */
function header(len: number, masked: boolean): string {
  const m = masked ? 0x80 : 0;
  let h: string;
  if (len < 126) h = String.fromCharCode(0x81, m | len);
  else if (len < 65536) h = String.fromCharCode(0x81, m | 126, len >>> 8, len & 255);
  else {
    const hi = Math.floor(len / 2 ** 32);
    const lo = len >>> 0;
    const be = (n: number) => String.fromCharCode(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
    h = String.fromCharCode(0x81, m | 127) + be(hi) + be(lo);
  }
  return masked ? h + '\0\0\0\0' : h;
}

/** A whole text frame carrying `text` (UTF-8), as a latin1 string of its bytes. */
export function textFrame(text: string, masked: boolean): string {
  // as many UTF-8 bytes as UTF-16 units: every character is ASCII, one byte in latin1 too
  if (Buffer.byteLength(text, 'utf8') === text.length) return header(text.length, masked) + text;
  const bytes = Buffer.from(text, 'utf8');
  return header(bytes.length, masked) + bytes.toString('latin1');
}

/** The socket under a connection (`ws` keeps it in a private field). */
export function socketOf(ws: WebSocket | undefined): net.Socket | undefined {
  return (ws as unknown as { _socket?: net.Socket } | undefined)?._socket;
}

/**
 * Writes the frames held for `ws` now (at the end of the tick otherwise), unless it has begun
 * closing meanwhile. Call it before closing a connection whose answers must still go out.
 */
export function release(ws: Held): void {
  const out = ws[HELD];
  ws[HELD] = undefined;
  if (out === undefined || out === '' || ws.readyState !== ws.OPEN) return;
  const sock = socketOf(ws);
  if (sock && !sock.destroyed && sock.writable) sock.write(out, 'latin1');
}

/** A tick's frames are joined into one string up to this length; longer text is written on its own. */
const JOIN_MAX = 1 << 20;

/**
 * Sends a text frame on an open connection; `masked` is true on the client side. The first
 * frame of a tick leaves at once, so the peer can start on it while this side is still busy;
 * the frames after it in the same tick leave together in one write at the end of the tick.
 */
export function send(ws: Held, text: string, masked: boolean): void {
  const sock = socketOf(ws);
  if (!sock || ws.readyState !== ws.OPEN || sock.destroyed || !sock.writable) return;
  const out = ws[HELD];
  if (out === undefined) process.nextTick(release, ws);
  if (text.length > JOIN_MAX) {
    // its header, then the text itself: no copy into a frame string (which could also pass
    // V8's limit on string length); what is held goes first, to keep the order
    if (out) sock.write(out, 'latin1');
    ws[HELD] = '';
    sock.cork();
    sock.write(header(Buffer.byteLength(text, 'utf8'), masked), 'latin1');
    sock.write(text, 'utf8');
    sock.uncork();
    return;
  }
  const frame = textFrame(text, masked);
  if (out === undefined) {
    ws[HELD] = '';
    sock.write(frame, 'latin1');
  } else if (out.length + frame.length > JOIN_MAX) {
    sock.write(out, 'latin1');
    ws[HELD] = frame;
  } else {
    ws[HELD] = out + frame;
  }
}
