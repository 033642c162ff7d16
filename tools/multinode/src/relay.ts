/**
 * A small stand-in for a Mycelium network: one HTTP server that speaks the Mycelium daemon's
 * REST message API once per node, under `/<node>/api/v1/…`. Each node's bus uses
 * `http://<relay>/<node>` as its `upstream`; a push from one node lands in the inbox of the node
 * whose public key or overlay IP it names, and replies travel back the same way.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

interface Inbound {
  id: string;
  srcIp: string;
  srcPk: string;
  dstIp: string;
  dstPk: string;
  topic?: string;
  payload: string;
}

interface NodeEntry {
  name: string;
  pk: string;
  ip: string;
  inbox: Inbound[];
  pullers: ((m: Inbound) => boolean)[];
}

export interface RelayHop {
  kind: 'message' | 'reply';
  from: string;
  to: string;
  id: string;
  topic: string;
}

/** Canonical text form of an IPv6 address (or the input when it is not one). */
function canonIp(ip: string): string {
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip;
  }
}

/** The /64 prefix of an IPv6 address: Mycelium nodes own the /64 around their address. */
function subnet64(ip: string): string {
  const full = canonIp(ip);
  const [head = '', tail] = full.split('::');
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.slice(0, 4).map((g) => g.padStart(4, '0')).join(':');
}

export class MyceliumRelay {
  readonly hops: RelayHop[] = [];
  /** Called for every message and reply the relay carries. */
  onHop: ((hop: RelayHop) => void) | undefined;
  url = '';
  private readonly nodes = new Map<string, NodeEntry>();
  private readonly replyWaiters = new Map<string, (m: Inbound) => void>();
  private server: http.Server | undefined;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The upstream URL a node's bus uses. */
  upstreamFor(node: string): string {
    return `${this.url}/${node}`;
  }

  /** Tells the relay which public key and overlay IP belong to `node` (from its `getInfo`). */
  register(node: string, info: { nodePubkey: string; nodeSubnet: string }): void {
    const e = this.entry(node);
    e.pk = info.nodePubkey.toLowerCase();
    e.ip = info.nodeSubnet.split('/')[0]!;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private entry(name: string): NodeEntry {
    let e = this.nodes.get(name);
    if (!e) {
      e = { name, pk: '', ip: '', inbox: [], pullers: [] };
      this.nodes.set(name, e);
    }
    return e;
  }

  private find(dst: { pk?: string; ip?: string }): NodeEntry | undefined {
    for (const e of this.nodes.values()) {
      if (!e.pk) continue;
      if (dst.pk && dst.pk.toLowerCase() === e.pk) return e;
      if (dst.ip && subnet64(dst.ip) === subnet64(e.ip)) return e;
    }
    return undefined;
  }

  private deliver(to: NodeEntry, m: Inbound): void {
    while (to.pullers.length) {
      if (to.pullers.shift()!(m)) return;
    }
    to.inbox.push(m);
  }

  private hop(kind: RelayHop['kind'], from: string, to: string, m: Inbound): void {
    const hop = { kind, from, to, id: m.id, topic: m.topic ? Buffer.from(m.topic, 'base64').toString() : '' };
    this.hops.push(hop);
    this.onHop?.(hop);
  }

  private send(res: http.ServerResponse, status: number, body?: unknown): void {
    if (res.destroyed) return;
    if (body === undefined) res.writeHead(status).end();
    else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://relay');
    const m = /^\/([A-Za-z0-9_.-]+)(\/api\/v1\/.*)$/.exec(url.pathname);
    if (!m) return this.send(res, 404, { error: 'not_found' });
    const self = this.entry(m[1]!);
    const route = decodeURIComponent(m[2]!);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString();

    if (req.method === 'POST' && route === '/api/v1/messages') {
      const body = JSON.parse(text) as { dst: { pk?: string; ip?: string }; topic?: string; payload: string };
      const to = this.find(body.dst);
      const id = randomBytes(8).toString('hex');
      const replyTimeout = url.searchParams.get('reply_timeout');
      const msg: Inbound = {
        id,
        srcIp: self.ip,
        srcPk: self.pk,
        dstIp: to?.ip ?? body.dst.ip ?? '',
        dstPk: to?.pk ?? body.dst.pk ?? '',
        payload: body.payload,
        ...(body.topic ? { topic: body.topic } : {}),
      };
      // like Mycelium, a message to an unknown node is accepted and never arrives
      const reply =
        replyTimeout !== null
          ? new Promise<Inbound | undefined>((resolve) => {
              const t = setTimeout(() => {
                this.replyWaiters.delete(id);
                resolve(undefined);
              }, Number(replyTimeout) * 1000);
              this.replyWaiters.set(id, (r) => {
                clearTimeout(t);
                this.replyWaiters.delete(id);
                resolve(r);
              });
              res.once('close', () => {
                clearTimeout(t);
                this.replyWaiters.delete(id);
                resolve(undefined);
              });
            })
          : undefined;
      if (to) {
        this.hop('message', self.name, to.name, msg);
        this.deliver(to, msg);
      }
      if (!reply) return this.send(res, 201, { id });
      const r = await reply;
      return r ? this.send(res, 200, r) : this.send(res, 408, { id });
    }

    if (req.method === 'GET' && route === '/api/v1/messages') {
      const timeout = Number(url.searchParams.get('timeout') ?? 0);
      const now = self.inbox.shift();
      if (now || timeout <= 0) return now ? this.send(res, 200, now) : this.send(res, 204);
      const got = await new Promise<Inbound | undefined>((resolve) => {
        let done = false;
        const puller = (msg: Inbound) => {
          if (done || res.destroyed) return false;
          done = true;
          clearTimeout(t);
          resolve(msg);
          return true;
        };
        const finish = () => {
          if (done) return;
          done = true;
          clearTimeout(t);
          self.pullers = self.pullers.filter((p) => p !== puller);
          resolve(undefined);
        };
        const t = setTimeout(finish, timeout * 1000);
        res.once('close', finish);
        self.pullers.push(puller);
      });
      return got ? this.send(res, 200, got) : this.send(res, 204);
    }

    const reply = /^\/api\/v1\/messages\/reply\/([0-9a-f]{16})$/.exec(route);
    if (req.method === 'POST' && reply) {
      const id = reply[1]!;
      const body = JSON.parse(text) as { dst: { pk?: string; ip?: string }; topic?: string; payload: string };
      const to = this.find(body.dst);
      const msg: Inbound = {
        id,
        srcIp: self.ip,
        srcPk: self.pk,
        dstIp: to?.ip ?? body.dst.ip ?? '',
        dstPk: to?.pk ?? body.dst.pk ?? '',
        payload: body.payload,
        ...(body.topic ? { topic: body.topic } : {}),
      };
      this.hop('reply', self.name, to?.name ?? '?', msg);
      const waiter = this.replyWaiters.get(id);
      if (waiter) waiter(msg);
      else if (to) this.deliver(to, msg);
      return this.send(res, 204);
    }

    const status = /^\/api\/v1\/messages\/status\/([0-9a-f]{16})$/.exec(route);
    if (req.method === 'GET' && status) {
      const known = this.hops.some((h) => h.id === status[1]);
      if (!known) return this.send(res, 404);
      return this.send(res, 200, { dst: '', state: { sending: { pending: 0, sent: 1, acked: 1 } }, created: 0, deadline: 0, msgLen: 0 });
    }

    const pub = /^\/api\/v1\/pubkey\/(.+)$/.exec(route);
    if (req.method === 'GET' && pub) {
      const e = this.find({ ip: pub[1]! });
      return e ? this.send(res, 200, { NodePubKey: e.pk }) : this.send(res, 404);
    }
    this.send(res, 404, { error: 'not_found' });
  }
}
