/**
 * JSON-RPC over WebSocket on the same socket (as Mycelium's JSON-RPC server also accepts): one
 * connection carries many concurrent calls, so long polls and replies skip per-request HTTP.
 */
import type http from 'node:http';
import type net from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { RpcHandler } from '@hero/core';
import { mayWait } from './may-wait.js';
import { isFastCall, type FastConn, type FastPath } from './ws-fast.js';
import { release, send, socketOf } from './ws-send.js';

const PATHS = new Set(['/', '/rpc', '/ws']);

/** Notification that cancels one call of the same connection: `{"method":"$/cancelRequest","params":{"id":…}}`. */
export const CANCEL = '$/cancelRequest';

/** Calls in one batch frame at most (as `@hero/core`'s RPC server allows). */
export const MAX_BATCH = 1000;
/** Calls waiting on one connection at most (long polls, pushes awaiting a reply). */
export const MAX_WAITING = 1000;

const rpcError = (id: unknown, code: number, message: string) =>
  JSON.stringify({ jsonrpc: '2.0', id: typeof id === 'number' || typeof id === 'string' ? id : null, error: { code, message } });

export interface WsRpc {
  onUpgrade: (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => void;
  /** Set once the RPC handler exists; `fast` serves the hot calls without the generic dispatch. */
  bind(handler: RpcHandler, fast?: FastPath): void;
  close(): void;
}

/** Creates the upgrade handler; calls on a connection are aborted when it closes. */
export function createWsRpc(maxPayload: number): WsRpc {
  const wss = new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false, skipUTF8Validation: true });
  let rpc: RpcHandler | undefined;
  let fast: FastPath | undefined;

  const serve = (ws: WebSocket, req: http.IncomingMessage) => {
    const ac = new AbortController();
    const calls = new Map<string | number, { abort(): void }>();
    const transport = (req.socket as net.Socket).remoteFamily ? 'tcp' : 'unix';
    ws.on('close', () => {
      ac.abort();
      for (const c of calls.values()) c.abort();
      calls.clear();
    });
    ws.on('error', () => ws.terminate());
    const conn: FastConn = {
      wait(id) {
        const own = new AbortController();
        calls.set(id, own);
        if (ac.signal.aborted) own.abort();
        return own.signal;
      },
      onCancel(id, cancel) {
        if (ac.signal.aborted) cancel();
        else calls.set(id, { abort: cancel });
      },
      done(id) {
        calls.delete(id);
      },
      answer(out) {
        if (ws.readyState !== ws.OPEN) return;
        send(ws, out, false);
        hold();
      },
    };
    // answers a client does not read are not buffered without end: past the high-water mark its
    // requests are not read until the answers drained, and a client that keeps asking (frames
    // already read) without reading is dropped
    const sock = socketOf(ws);
    const highWater = 2 * maxPayload;
    let held = false;
    const hold = () => {
      if (!sock) return;
      const pending = sock.writableLength;
      if (pending > 4 * highWater) {
        ws.terminate();
        return;
      }
      if (held || pending <= highWater) return;
      held = true;
      sock.pause();
      sock.once('drain', () => {
        held = false;
        sock.resume();
      });
    };
    const answer = conn.answer;
    const answerLater = (out: Promise<string>) => {
      out.then(answer, () => ws.terminate());
    };
    ws.on('message', (data, isBinary) => {
      let msg: unknown;
      try {
        msg = JSON.parse(isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString());
      } catch {
        answer(rpcError(null, -32700, 'Parse error'));
        return;
      }
      try {
        onCall(msg);
      } catch {
        // nothing one frame does may take the bus down (an answer past V8's string limit, …)
        const id = typeof msg === 'object' && msg !== null && !Array.isArray(msg) ? (msg as { id?: unknown }).id : null;
        answer(rpcError(id, -32603, 'Internal error'));
      }
    });
    /**
     * Refuses what would leave a call waiting without a way to end it: an id already waiting
     * on this connection (the first would be orphaned) or more waiting calls than the limit.
     */
    const refuseWait = (calls_: Record<string, unknown>[]): string | undefined => {
      let waiting = 0;
      const ids = new Set<unknown>();
      for (const c of calls_) {
        if (!mayWait(c.method, c.params)) continue;
        waiting++;
        if (calls.has(c.id as string | number) || ids.has(c.id)) return rpcError(c.id, -32600, `Invalid Request: id ${JSON.stringify(c.id)} is already in use by a waiting call`);
        ids.add(c.id);
      }
      if (waiting > 0 && calls.size + waiting > MAX_WAITING) {
        return rpcError(calls_.length === 1 ? calls_[0]!.id : null, -32000, `too many waiting calls on this connection (at most ${MAX_WAITING})`);
      }
      return undefined;
    };
    const onCall = (msg: unknown) => {
      const one = typeof msg === 'object' && msg !== null && !Array.isArray(msg) ? (msg as Record<string, unknown>) : undefined;
      if (one?.method === CANCEL) {
        const id = (one.params as { id?: unknown } | undefined)?.id;
        if (typeof id === 'number' || typeof id === 'string') calls.get(id)?.abort();
        return;
      }
      if (Array.isArray(msg) && msg.length > MAX_BATCH) {
        answer(rpcError(null, -32600, `Invalid Request: a batch holds at most ${MAX_BATCH} calls (got ${msg.length})`));
        return;
      }
      const refused = refuseWait(one ? [one] : Array.isArray(msg) ? msg.filter((m): m is Record<string, unknown> => typeof m === 'object' && m !== null) : []);
      if (refused) {
        answer(refused);
        return;
      }
      if (fast) {
        if (one) {
          if (isFastCall(one)) {
            const out = fast(one, conn, true);
            if (typeof out === 'string') answer(out);
            else if (out) answerLater(out);
            return;
          }
        } else if (Array.isArray(msg) && msg.length > 0 && msg.every(isFastCall)) {
          // a batch of hot calls: one array answer once every call is done (JSON-RPC 2.0)
          const outs = msg.map((m) => fast!(m, conn));
          if (outs.every((o) => typeof o === 'string')) answer(`[${outs.join(',')}]`);
          else answerLater(Promise.all(outs as (string | Promise<string>)[]).then((all) => `[${all.join(',')}]`));
          return;
        }
      }
      // a call that can wait gets its own signal so a client can cancel it alone
      const callId = one && (typeof one.id === 'number' || typeof one.id === 'string') && mayWait(one.method, one.params) ? one.id : undefined;
      let signal = ac.signal;
      if (callId !== undefined) {
        const own = new AbortController();
        calls.set(callId, own);
        signal = own.signal;
      }
      void rpc!
        .dispatch(msg, { headers: req.headers, signal, transport })
        .then((out) => {
          if (callId !== undefined) calls.delete(callId);
          if (out !== undefined && ws.readyState === ws.OPEN) answer(JSON.stringify(out));
        })
        .catch(() => ws.terminate());
    };
  };

  return {
    onUpgrade(req, socket, head) {
      const path = (req.url ?? '/').split('?')[0]!;
      if (!rpc || !PATHS.has(path)) {
        socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      // browsers always send Origin: refusing it keeps web pages from driving the bus through
      // a loopback TCP listener (WebSockets are not covered by CORS)
      if (req.headers.origin !== undefined) {
        socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => serve(ws, req));
    },
    bind(handler, fastPath) {
      rpc = handler;
      fast = fastPath;
    },
    close() {
      // answers already produced still go out; then the connections end
      const open = [...wss.clients];
      for (const ws of open) {
        release(ws);
        ws.close(1001, 'shutting down');
      }
      setTimeout(() => open.forEach((ws) => ws.terminate()), 1000).unref();
      wss.close();
    },
  };
}
