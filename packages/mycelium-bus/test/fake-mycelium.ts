import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InboundMessage, PushMessageBody } from '../src/client.js';

/** A tiny stand-in for a Mycelium daemon's REST message API, on 127.0.0.1 port 0. */
export class FakeMycelium {
  readonly pushed: { body: PushMessageBody; replyTimeout: string | null; id: string }[] = [];
  readonly replies: { id: string; body: PushMessageBody }[] = [];
  readonly inbox: InboundMessage[] = [];
  /** When set, a push with reply_timeout is answered with this payload (base64). */
  replyPayload: string | undefined;
  /** When set, a push is answered 201 with this body instead of `{id}` (a broken upstream). */
  pushAnswer: unknown = undefined;
  readonly nodeIp = '5fd:7636:b80:9ad0::1';
  readonly nodePk = 'ab'.repeat(32);
  private waiters: (() => void)[] = [];
  private n = 0;
  private server!: http.Server;
  url = '';

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Puts a message in the fake's inbox (as if it came over the network). */
  receive(m: InboundMessage): void {
    this.inbox.push(m);
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async stop(): Promise<void> {
    for (const f of this.waiters) f();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private send(res: http.ServerResponse, status: number, body?: unknown) {
    if (body === undefined) return void res.writeHead(status).end();
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString();
    const p = decodeURIComponent(url.pathname);
    if (req.method === 'POST' && p === '/api/v1/messages') {
      const body = JSON.parse(text) as PushMessageBody;
      const id = (++this.n).toString(16).padStart(16, 'f');
      const replyTimeout = url.searchParams.get('reply_timeout');
      this.pushed.push({ body, replyTimeout, id });
      if (this.pushAnswer !== undefined) return this.send(res, 201, this.pushAnswer);
      if (replyTimeout !== null && this.replyPayload) {
        return this.send(res, 200, {
          id,
          srcIp: this.nodeIp,
          srcPk: this.nodePk,
          dstIp: '400::1',
          dstPk: 'cd'.repeat(32),
          payload: this.replyPayload,
        });
      }
      return this.send(res, replyTimeout !== null ? 408 : 201, { id });
    }
    if (req.method === 'GET' && p === '/api/v1/messages') {
      const timeout = Number(url.searchParams.get('timeout') ?? 0);
      if (!this.inbox.length && timeout > 0) {
        await new Promise<void>((r) => {
          const t = setTimeout(r, timeout * 1000);
          this.waiters.push(() => (clearTimeout(t), r()));
        });
      }
      const m = this.inbox.shift();
      return m ? this.send(res, 200, m) : this.send(res, 204);
    }
    const reply = /^\/api\/v1\/messages\/reply\/([0-9a-f]{16})$/.exec(p);
    if (req.method === 'POST' && reply) {
      this.replies.push({ id: reply[1]!, body: JSON.parse(text) as PushMessageBody });
      return this.send(res, 204);
    }
    const status = /^\/api\/v1\/messages\/status\/([0-9a-f]{16})$/.exec(p);
    if (req.method === 'GET' && status) {
      if (!this.pushed.some((x) => x.id === status[1])) return this.send(res, 404);
      return this.send(res, 200, { dst: this.nodeIp, state: { sending: { pending: 0, sent: 2, acked: 1 } }, created: 1, deadline: 301, msgLen: 3 });
    }
    if (req.method === 'GET' && p === `/api/v1/pubkey/${this.nodeIp}`) return this.send(res, 200, { NodePubKey: this.nodePk });
    this.send(res, 404);
  }
}
