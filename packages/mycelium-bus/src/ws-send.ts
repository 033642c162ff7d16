/** Corked WebSocket sends, shared by the JSON-RPC-over-WebSocket server and client. */
import type net from 'node:net';
import type { WebSocket } from 'ws';

const corked = new WeakSet<WebSocket>();

/**
 * Sends a frame, corking the socket until the current batch of callbacks is done so that
 * answers produced together leave in one write.
 */
export function send(ws: WebSocket, text: string): void {
  const sock = (ws as unknown as { _socket?: net.Socket })._socket;
  if (sock && !corked.has(ws)) {
    corked.add(ws);
    sock.cork();
    process.nextTick(() => {
      corked.delete(ws);
      sock.uncork();
    });
  }
  ws.send(text);
}
