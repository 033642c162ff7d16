/** Frame sends shared by the JSON-RPC-over-WebSocket server and client. */
import type net from 'node:net';
import type { WebSocket } from 'ws';

/** Connections that wrote their first frame of the current tick; later ones are corked. */
const started = new WeakSet<WebSocket>();

/**
 * Sends a frame. The first frame of a tick leaves at once, so the peer can start on it while
 * this side is still busy; the frames after it in the same tick are corked and leave together
 * in one write at the end of the tick.
 */
export function send(ws: WebSocket, text: string): void {
  const sock = (ws as unknown as { _socket?: net.Socket })._socket;
  if (sock && !started.has(ws)) {
    started.add(ws);
    ws.send(text);
    sock.cork();
    process.nextTick(() => {
      started.delete(ws);
      sock.uncork();
    });
    return;
  }
  ws.send(text);
}
