import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { RunContext } from '@hero/core';
import type { Access } from './auth.js';
import {
  ChunkScanner,
  hasNoBody,
  parseRequestHead,
  parseResponseHead,
  upstreamHead,
  type RequestHead,
  type ResponseHead,
} from './http1.js';
import { hasUnsafePath, parseRoute } from './names.js';
import { PROXY_MARK_HEADER, browserRuleBroken, browserRuleError, hostRuleFor, type HostRule } from './origin.js';
import type { Registry, SocketEntry } from './registry.js';
import { SERVICE } from './version.js';

type Logger = NonNullable<RunContext['logger']>;

export interface ProxyOptions {
  registry: Registry;
  access: Access;
  /** X-Hero-Context when access control gives none. */
  context: string;
  proto: 'http' | 'https';
  /** Time an upstream has, once the request is sent, to answer with a head (then 504); 0 = none. */
  upstreamTimeoutMs: number;
  /** Cut an exchange when no byte moved for this long; 0 = never. */
  idleTimeoutMs: number;
  /** Most idle pooled connections kept per upstream socket. */
  maxIdle: number;
  /** How long an idle pooled connection is kept. */
  keepAliveMs: number;
  /** Close a client connection that sent nothing (or only part of a head) for this long; 0 = never. */
  clientTimeoutMs: number;
  /** The router's own admin.sock and the secret that marks requests proxied to it (see PROXY_MARK_HEADER). */
  admin?: { path: string; mark: string };
  logger?: Logger;
}

const CRLF2 = Buffer.from('\r\n\r\n');
const MAX_HEAD = 64 * 1024;
/** Bodies up to this size travel in the same write as their head. */
const SMALL = 16 * 1024;
const DEAD = new Set(['ECONNREFUSED', 'ENOENT', 'ENOTSOCK', 'EACCES']);
const REASONS: Record<number, string> = {
  301: 'Moved Permanently',
  302: 'Found',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  421: 'Misdirected Request',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};
const ERROR_NAMES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  421: 'misdirected_request',
  431: 'headers_too_large',
  501: 'not_implemented',
  502: 'bad_gateway',
  503: 'unavailable',
  504: 'gateway_timeout',
  505: 'http_version_not_supported',
};

/** A pooled connection to one upstream socket. */
class UpConn {
  ex: Exchange | undefined;
  lastUsed = 0;
  /** Bytes received for the current exchange. */
  received = 0;
  reused = false;
  error: NodeJS.ErrnoException | undefined;
  /** Where bytes go once the connection became a tunnel (WebSocket). */
  tunnelTo: Duplex | undefined;
  readonly sock: net.Socket;

  constructor(readonly entry: SocketEntry, private readonly engine: ProxyEngine) {
    // reads land in one buffer shared by all upstream connections (no allocation per read):
    // anything that must outlive the callback is copied
    const sock = (this.sock = net.connect({ path: entry.path, onread: { buffer: engine.readBuffer, callback: this.onRead } }));
    sock.setNoDelay(true);
    sock.on('drain', () => this.ex?.onUpDrain());
    sock.on('error', (err: NodeJS.ErrnoException) => (this.error = err));
    sock.on('close', () => {
      this.engine.forget(this);
      const ex = this.ex;
      this.ex = undefined;
      ex?.onUpClose(this);
    });
  }

  private readonly onRead = (n: number, buf: Buffer): boolean => {
    const d = buf.subarray(0, n);
    if (this.tunnelTo) return this.tunnelTo.write(Buffer.from(d));
    if (this.ex) this.ex.onUpData(d);
    else this.sock.destroy(); // bytes on an idle connection: it is out of step, drop it
    return true;
  };

  destroy(): void {
    this.sock.destroy();
  }
}

/** One request/response through the proxy. */
class Exchange {
  up: UpConn | undefined;
  reqDone: boolean;
  private reqRemaining: number;
  private readonly reqScanner: ChunkScanner | undefined;
  private bodySent = false;
  private retried = false;
  private resHeadBuf: Buffer | undefined;
  headDone = false;
  resDone = false;
  private res: ResponseHead | undefined;
  private resRemaining = 0;
  private resScanner: ChunkScanner | undefined;
  private untilClose = false;
  private upReusable = true;
  /** Time by which the response head must have come (0: not waiting). */
  deadline = 0;
  lastActivity = 0;
  private upPaused = false;

  constructor(
    readonly engine: ProxyEngine,
    readonly conn: ClientConn,
    readonly entry: SocketEntry,
    readonly req: RequestHead,
    private readonly headOut: string,
  ) {
    this.reqScanner = req.chunked ? new ChunkScanner() : undefined;
    this.reqRemaining = req.chunked ? -1 : Math.max(0, req.contentLength);
    this.reqDone = !req.chunked && this.reqRemaining === 0;
  }

  start(): void {
    const e = this.engine;
    if (e.idleTimeoutMs > 0) this.lastActivity = Date.now();
    let pending = this.conn.buf;
    this.conn.buf = undefined;
    const len = this.reqRemaining;
    if (pending && !this.reqDone && !this.reqScanner && len <= SMALL && pending.length >= len) {
      // a small body that came with its head: one write upstream
      this.bodySent = true;
      this.reqRemaining = 0;
      this.reqDone = true;
      this.send(e.acquire(this.entry, false), pending.toString('latin1', 0, len));
      pending = pending.length > len ? pending.subarray(len) : undefined;
      this.conn.buf = pending;
      this.arm();
      return;
    }
    this.send(e.acquire(this.entry, false));
    if (pending && !this.reqDone) this.feedBody(pending);
    else if (pending) this.conn.buf = pending;
    if (this.reqDone) this.arm();
  }

  private send(up: UpConn, body = ''): void {
    this.up = up;
    up.ex = this;
    up.received = 0;
    up.sock.write(body.length === 0 ? this.headOut : this.headOut + body, 'latin1');
  }

  private arm(): void {
    if (this.engine.upstreamTimeoutMs > 0 && !this.headDone) this.deadline = Date.now() + this.engine.upstreamTimeoutMs;
  }

  /** Request body bytes from the client. */
  feedBody(chunk: Buffer): void {
    if (this.engine.idleTimeoutMs > 0) this.lastActivity = Date.now();
    const n = chunk.length;
    let end = n;
    let done = false;
    if (this.reqScanner) {
      const r = this.reqScanner.scan(chunk, 0, n);
      if (r === -2) return this.fail(400, 'malformed chunked request body');
      if (r >= 0) {
        end = r;
        done = true;
      }
    } else if (n >= this.reqRemaining) {
      end = this.reqRemaining;
      done = true;
      this.reqRemaining = 0;
    } else this.reqRemaining -= n;
    if (end > 0 && this.up && !this.resDone) {
      this.bodySent = true;
      if (!this.up.sock.write(end === n ? chunk : chunk.subarray(0, end))) this.conn.pauseFor(this);
    }
    if (done) {
      this.reqDone = true;
      if (end < n) this.conn.buf = this.conn.buf ? Buffer.concat([this.conn.buf, chunk.subarray(end)]) : chunk.subarray(end);
      if (this.resDone) this.conn.afterExchange(this);
      else this.arm();
    }
  }

  onUpDrain(): void {
    this.conn.resumeFor(this);
  }

  onClientDrain(): void {
    if (this.upPaused && this.up) {
      this.upPaused = false;
      this.up.sock.resume();
    }
  }

  onUpData(d: Buffer): void {
    const up = this.up!;
    up.received += d.length;
    if (this.engine.idleTimeoutMs > 0) this.lastActivity = Date.now();
    if (this.headDone) return this.relay(d);
    const buf = this.resHeadBuf ? Buffer.concat([this.resHeadBuf, d]) : d;
    const idx = buf.indexOf(CRLF2);
    if (idx === -1) {
      if (buf.length > MAX_HEAD) return this.fail(502, `${this.entry.prefix} sent an oversized response head`);
      this.resHeadBuf = buf === d ? Buffer.from(d) : buf;
      return;
    }
    this.resHeadBuf = undefined;
    const res = parseResponseHead(buf.toString('latin1', 0, idx));
    if (!res) return this.fail(502, `${this.entry.prefix} sent an invalid HTTP response`);
    const from = idx + 4;
    const restLen = buf.length - from;
    const client = this.conn.sock;
    if (res.status === 101) {
      if (this.req.upgrade === undefined) return this.fail(502, `${this.entry.prefix} switched protocols unasked`);
      return this.tunnel(res, buf.subarray(from));
    }
    if (res.status < 200) {
      // 100 Continue, 103 Early Hints: pass on and keep waiting for the final answer
      client.write(res.head + '\r\n\r\n', 'latin1');
      if (restLen > 0) this.onUpData(buf.subarray(from));
      return;
    }
    this.headDone = true;
    this.deadline = 0;
    this.res = res;
    if (hasNoBody(this.req.method, res.status)) this.resRemaining = 0;
    else if (res.chunked) this.resScanner = new ChunkScanner();
    else if (res.contentLength >= 0) this.resRemaining = res.contentLength;
    else this.untilClose = true;
    if (this.untilClose || !this.reqDone || this.engine.closing) this.conn.closeAfter = true;
    const head = this.conn.closeAfter ? `${res.head}\r\nConnection: close\r\n\r\n` : `${res.head}\r\n\r\n`;
    if (!this.untilClose && !this.resScanner && restLen === this.resRemaining && restLen <= SMALL) {
      // the whole response is here: one write (latin1 keeps every byte as it is)
      client.write(restLen === 0 ? head : head + buf.toString('latin1', from, buf.length), 'latin1');
      this.resRemaining = 0;
      this.responseDone();
      return;
    }
    client.cork();
    client.write(head, 'latin1');
    if (restLen > 0 || (!this.untilClose && !this.resScanner && this.resRemaining === 0)) this.relay(buf.subarray(from));
    client.uncork();
  }

  /** Response body bytes from upstream to the client. */
  private relay(b: Buffer): void {
    const n = b.length;
    let end = n;
    let done = false;
    if (this.resScanner) {
      const r = this.resScanner.scan(b, 0, n);
      if (r === -2) {
        this.conn.sock.destroy();
        this.up?.destroy();
        return;
      }
      if (r >= 0) {
        end = r;
        done = true;
      }
    } else if (!this.untilClose) {
      if (n >= this.resRemaining) {
        end = this.resRemaining;
        done = true;
      }
      this.resRemaining -= end;
    }
    if (end > 0 && !this.conn.sock.write(Buffer.from(end === n ? b : b.subarray(0, end))) && !done && this.up) {
      this.upPaused = true;
      this.up.sock.pause();
    }
    if (end < n) this.upReusable = false;
    if (done) this.responseDone();
  }

  private responseDone(): void {
    this.resDone = true;
    const up = this.up;
    this.up = undefined;
    if (up) {
      up.ex = undefined;
      if (this.upPaused) up.sock.resume();
      if (this.upReusable && this.reqDone && !this.untilClose && !this.res!.close && !this.engine.closing) this.engine.release(up);
      else up.destroy();
    }
    if (this.reqDone || this.conn.closeAfter) this.conn.afterExchange(this);
  }

  onUpClose(up: UpConn): void {
    if (this.resDone || this.up !== up) return;
    this.up = undefined;
    if (!this.headDone) {
      const code = up.error?.code ?? '';
      const noBody = !this.req.chunked && this.req.contentLength <= 0;
      // a pooled connection the upstream had closed meanwhile: once more on a fresh one
      if (!this.retried && up.reused && up.received === 0 && noBody && !this.bodySent && !this.engine.closing) {
        this.retried = true;
        this.send(this.engine.acquire(this.entry, true));
        return;
      }
      if (DEAD.has(code)) {
        this.engine.registry.markDead(this.entry, `connect failed (${code})`);
        return this.fail(502, `${this.entry.prefix} is not accepting connections`);
      }
      return this.fail(502, `${this.entry.prefix} closed the connection without answering${code ? ` (${code})` : ''}`);
    }
    if (this.untilClose) {
      this.upReusable = false;
      this.responseDone();
      return;
    }
    // the upstream died mid-body: the client must not take a truncated body for a whole one
    this.resDone = true;
    this.conn.sock.destroy();
  }

  /** Answers the client with a JSON error (if nothing was sent yet) and closes both sides. */
  fail(status: number, message: string): void {
    this.resDone = true;
    this.deadline = 0;
    const up = this.up;
    this.up = undefined;
    if (up) {
      up.ex = undefined;
      up.destroy();
    }
    if (this.headDone) {
      this.conn.sock.destroy();
      return;
    }
    this.conn.respond(status, { error: ERROR_NAMES[status] ?? 'error', message }, true);
  }

  /** Client went away mid-exchange. */
  abort(): void {
    this.resDone = true;
    const up = this.up;
    this.up = undefined;
    if (up) {
      up.ex = undefined;
      up.destroy();
    }
  }

  timeout(): void {
    this.fail(504, `${this.entry.prefix} did not answer within ${this.engine.upstreamTimeoutMs} ms`);
  }

  /** 101 Switching Protocols: from here on bytes are piped both ways untouched. */
  private tunnel(res: ResponseHead, rest: Buffer): void {
    const up = this.up!;
    this.up = undefined;
    up.ex = undefined;
    this.resDone = true;
    this.deadline = 0;
    const client = this.conn.sock;
    const upSock = up.sock;
    upSock.removeAllListeners('drain');
    upSock.removeAllListeners('close');
    upSock.on('close', () => client.destroy());
    upSock.on('end', () => client.end());
    this.conn.detach();
    client.on('close', () => upSock.destroy());
    client.on('drain', () => upSock.resume());
    client.cork();
    client.write(res.head + '\r\n\r\n', 'latin1');
    if (rest.length > 0) client.write(Buffer.from(rest));
    client.uncork();
    up.tunnelTo = client;
    const early = this.conn.buf;
    this.conn.buf = undefined;
    if (early) upSock.write(early);
    client.pipe(upSock);
    client.resume();
  }
}

/** One client connection on the TCP entry point: requests are read and answered in order. */
class ClientConn {
  buf: Buffer | undefined;
  ex: Exchange | undefined;
  closeAfter = false;
  private closing = false;
  private waiting = false;
  private pausedBy: Exchange | undefined;
  /** The last Host value that passed the browser rules (a keep-alive client repeats it). */
  private hostOk: string | undefined;
  readonly remote: string;
  /** Coarse time of the last byte received or the last answer sent. */
  lastActive: number;

  constructor(private readonly engine: ProxyEngine, readonly sock: Duplex & { remoteAddress?: string }) {
    this.remote = sock.remoteAddress ?? '';
    this.lastActive = engine.now;
    sock.on('data', this.onData);
    sock.on('drain', this.onDrain);
    sock.on('error', () => {});
    sock.on('close', this.onClose);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.lastActive = this.engine.now;
    const ex = this.ex;
    if (ex && !ex.reqDone) return ex.feedBody(chunk);
    this.buf = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
    if (ex || this.waiting) {
      // pipelined request: read on once the current one is answered
      if (this.buf.length > MAX_HEAD) this.sock.pause();
      return;
    }
    this.next();
  };

  private readonly onDrain = (): void => this.ex?.onClientDrain();

  private readonly onClose = (): void => {
    this.closing = true;
    this.engine.conns.delete(this);
    const ex = this.ex;
    this.ex = undefined;
    if (ex && !ex.resDone) ex.abort();
  };

  /** The connection became a tunnel: stop reading it as HTTP. */
  detach(): void {
    this.sock.removeListener('data', this.onData);
    this.sock.removeListener('drain', this.onDrain);
    this.ex = undefined;
    this.closing = true;
  }

  pauseFor(ex: Exchange): void {
    this.pausedBy = ex;
    this.sock.pause();
  }

  resumeFor(ex: Exchange): void {
    if (this.pausedBy === ex) {
      this.pausedBy = undefined;
      this.sock.resume();
    }
  }

  get idle(): boolean {
    return !this.ex && !this.waiting;
  }

  /** Called when an exchange has both sent its request and received its response. */
  afterExchange(ex: Exchange): void {
    if (this.ex !== ex) return;
    this.ex = undefined;
    this.lastActive = this.engine.now;
    if (this.pausedBy) {
      this.pausedBy = undefined;
      this.sock.resume();
    }
    if (this.closeAfter || this.engine.closing) {
      this.closing = true;
      this.sock.end();
      return;
    }
    if (this.sock.isPaused()) this.sock.resume();
    if (this.buf) this.next();
  }

  /** Reads the next request head from the buffer and starts its exchange. */
  next(): void {
    const buf = this.buf;
    if (!buf || this.closing || this.ex || this.waiting) return;
    const idx = buf.indexOf(CRLF2);
    if (idx === -1) {
      if (buf.length > MAX_HEAD) this.respond(431, { error: 'headers_too_large', message: 'request head too large' }, true);
      return;
    }
    this.buf = idx + 4 < buf.length ? buf.subarray(idx + 4) : undefined;
    if (idx > MAX_HEAD) return this.respond(431, { error: 'headers_too_large', message: 'request head too large' }, true);
    this.request(buf.toString('latin1', 0, idx));
  }

  private request(headStr: string): void {
    const e = this.engine;
    const req = parseRequestHead(headStr);
    if (typeof req === 'number') {
      return this.respond(req, { error: ERROR_NAMES[req]!, message: req === 505 ? 'HTTP/1.0 and HTTP/1.1 only' : 'malformed request' }, true);
    }
    if (req.close) this.closeAfter = true;
    const hasBody = req.chunked || req.contentLength > 0;
    // browser rules before anything else: a cross-site page or a rebound DNS name gets nothing
    // (one string comparison for a keep-alive client without Origin)
    if (req.origin !== undefined || (req.host !== this.hostOk && e.hostRule !== 'any')) {
      const broken = browserRuleBroken(req.host, req.origin, e.hostRule);
      if (broken) {
        const { status, body } = browserRuleError(broken, req.host);
        return this.respond(status, body, hasBody || req.upgrade !== undefined);
      }
      this.hostOk = req.host;
    }
    let context = e.context;
    if (e.access.enabled) {
      const r = e.access.check(this.remote, req.authorization);
      if (r === 401) {
        return this.respond(401, { error: 'unauthorized', message: 'a valid bearer token is required' }, hasBody, 'WWW-Authenticate: Bearer realm="hero_router"\r\n');
      }
      if (r === 403) return this.respond(403, { error: 'forbidden', message: 'client address not allowed' }, hasBody);
      context = r.context;
    }
    const target = req.target;
    const route = parseRoute(target);
    let service: string;
    let name: string;
    let rest: string;
    let prefix: string | undefined;
    if (typeof route === 'object' && route.service !== 'admin' && route.service !== '.well-known') {
      service = route.service;
      name = route.name;
      rest = route.rest;
    } else {
      const q = target.indexOf('?');
      const path = q === -1 ? target : target.slice(0, q);
      if (path === '/rpc' || path === '/health' || path === '/openrpc.json' || path === '/.well-known/heroservice.json') {
        service = SERVICE;
        name = 'rpc';
        rest = target;
        prefix = '';
      } else if (path === '/admin' || (path === '/' && (req.method === 'GET' || req.method === 'HEAD'))) {
        return this.redirect(path === '/admin' ? 308 : 302, `/admin/${q === -1 ? '' : target.slice(q)}`, hasBody);
      } else if (path.startsWith('/admin/')) {
        if (hasUnsafePath(path)) return this.respond(400, { error: 'bad_request', message: 'path not allowed' }, hasBody);
        service = SERVICE;
        name = 'admin';
        rest = target.slice(6);
        prefix = '/admin';
      } else if (route === 'bad_path' || route === 'bad_name') {
        return this.respond(
          400,
          { error: 'bad_request', message: route === 'bad_name' ? 'service and socket names must match [A-Za-z0-9_.-]+' : 'path not allowed' },
          hasBody,
        );
      } else {
        return this.respond(404, { error: 'not_found', message: 'use /<service>/<socket>/<path>, /rpc or /admin/' }, hasBody);
      }
    }
    const entry = e.registry.get(service, name);
    if (entry) return this.begin(entry, req, rest, prefix, context);
    this.waiting = true;
    void e.registry.lookupOnDisk(service, name).then((found) => {
      this.waiting = false;
      if (this.closing) return;
      if (found) this.begin(found, req, rest, prefix, context);
      else this.respond(404, { error: 'not_found', message: `no service socket /${service}/${name}` }, hasBody);
    });
  }

  private begin(entry: SocketEntry, req: RequestHead, rest: string, prefix: string | undefined, context: string): void {
    const e = this.engine;
    const head = upstreamHead(req, rest, {
      remoteAddress: this.remote,
      proto: e.proto,
      prefix: prefix ?? entry.prefix,
      context,
      dropAuthorization: e.access.hasTokens,
      extra: entry.path === e.adminPath ? e.adminMark : '',
    });
    const ex = new Exchange(e, this, entry, req, head);
    this.ex = ex;
    ex.start();
    // reading may have been paused while the socket was looked up: the body must flow now
    if (this.ex === ex && !this.pausedBy && this.sock.isPaused()) this.sock.resume();
  }

  private redirect(status: number, location: string, close: boolean): void {
    this.write(`HTTP/1.1 ${status} ${REASONS[status]}\r\nLocation: ${location}\r\nContent-Length: 0\r\n${close || this.closeAfter ? 'Connection: close\r\n' : ''}\r\n`, close);
  }

  /** Writes a complete JSON response; `close` ends the connection after it (unread body, errors). */
  respond(status: number, body: unknown, close: boolean, extra = ''): void {
    const data = JSON.stringify(body);
    const shut = close || this.closeAfter || this.engine.closing;
    this.write(
      `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(data)}\r\n${extra}${shut ? 'Connection: close\r\n' : ''}\r\n${data}`,
      shut,
    );
  }

  private write(text: string, close: boolean): void {
    this.ex = undefined;
    if (this.sock.writable) this.sock.write(text);
    if (close || this.closeAfter || this.engine.closing) {
      this.closing = true;
      this.sock.end();
      return;
    }
    if (this.buf) this.next();
  }
}

/** The proxy behind the TCP entry point: client connections, exchanges and upstream pools. */
export class ProxyEngine {
  readonly registry: Registry;
  readonly access: Access;
  /** Which Host values are answered (without bearer tokens: loopback names only, against DNS rebinding). */
  readonly hostRule: HostRule;
  readonly context: string;
  readonly proto: 'http' | 'https';
  readonly upstreamTimeoutMs: number;
  readonly idleTimeoutMs: number;
  /** admin.sock of this router ('' when unknown). */
  readonly adminPath: string;
  /** The header line that marks requests proxied to it. */
  readonly adminMark: string;
  readonly conns = new Set<ClientConn>();
  closing = false;
  /** Read buffer shared by every upstream connection (see UpConn). */
  readonly readBuffer = Buffer.allocUnsafe(64 * 1024);
  /** Coarse clock (ms), updated by the sweep. */
  now = Date.now();
  private readonly clientTimeoutMs: number;
  private ticks = 0;
  private readonly maxIdle: number;
  private readonly keepAliveMs: number;
  private readonly sweep: NodeJS.Timeout;
  /** Every client socket, tunnels included. */
  private readonly sockets = new Set<Duplex>();

  constructor(o: ProxyOptions) {
    this.registry = o.registry;
    this.access = o.access;
    this.hostRule = hostRuleFor(o.access.hasTokens, o.access.hasAllowList);
    this.context = o.context;
    this.proto = o.proto;
    this.upstreamTimeoutMs = o.upstreamTimeoutMs;
    this.idleTimeoutMs = o.idleTimeoutMs;
    this.adminPath = o.admin?.path ?? '';
    this.adminMark = o.admin ? `${PROXY_MARK_HEADER}: ${o.admin.mark}\r\n` : '';
    this.maxIdle = o.maxIdle;
    this.clientTimeoutMs = o.clientTimeoutMs;
    this.keepAliveMs = o.keepAliveMs;
    const period = Math.max(10, Math.min(250, (o.upstreamTimeoutMs || 1000) / 4, (o.idleTimeoutMs || 1000) / 4));
    this.sweep = setInterval(() => this.tick(), period);
    this.sweep.unref();
  }

  /** Takes over a new client connection (plain TCP or TLS). */
  handle(sock: Duplex & { remoteAddress?: string; setNoDelay?: (b: boolean) => unknown }): void {
    if (this.closing) return void sock.destroy();
    sock.setNoDelay?.(true);
    const conn = new ClientConn(this, sock);
    this.conns.add(conn);
    this.sockets.add(sock);
    sock.once('close', () => this.sockets.delete(sock));
  }

  /** An idle pooled connection to `entry`, or a new one. */
  acquire(entry: SocketEntry, fresh: boolean): UpConn {
    const pool = entry.pool as UpConn[];
    if (!fresh) {
      while (pool.length > 0) {
        const up = pool.pop()!;
        if (!up.sock.destroyed) {
          up.reused = true;
          return up;
        }
      }
    }
    const up = new UpConn(entry, this);
    up.reused = false;
    return up;
  }

  release(up: UpConn): void {
    const pool = up.entry.pool as UpConn[];
    if (pool.length >= this.maxIdle || this.closing || up.entry.removed) return up.destroy();
    up.lastUsed = Date.now();
    pool.push(up);
  }

  /** Drops a closed connection from its pool. */
  forget(up: UpConn): void {
    const pool = up.entry.pool as UpConn[];
    const i = pool.indexOf(up);
    if (i !== -1) pool.splice(i, 1);
  }

  private tick(): void {
    const now = (this.now = Date.now());
    if (this.clientTimeoutMs > 0 && ++this.ticks % 4 === 0) {
      // idle keep-alive connections and clients stuck sending a request head
      for (const c of this.conns) {
        if (c.idle && now - c.lastActive > this.clientTimeoutMs) c.sock.destroy();
      }
    }
    // the exchanges in flight are the unanswered ones of the client connections (no set to
    // keep up to date on every request)
    for (const c of this.conns) {
      const ex = c.ex;
      if (ex === undefined || ex.resDone) continue;
      if (ex.deadline !== 0 && now > ex.deadline) ex.timeout();
      else if (this.idleTimeoutMs > 0 && now - ex.lastActivity > this.idleTimeoutMs) ex.fail(504, `${ex.entry.prefix} idle for ${this.idleTimeoutMs} ms`);
    }
    if (this.keepAliveMs > 0) {
      for (const entry of this.registry.entries()) {
        const pool = entry.pool as UpConn[];
        for (let i = pool.length - 1; i >= 0; i--) {
          if (now - pool[i]!.lastUsed > this.keepAliveMs) pool[i]!.destroy();
        }
      }
    }
  }

  /** Exchanges still waiting for (or receiving) their response. */
  private inFlight(): number {
    let n = 0;
    for (const c of this.conns) if (c.ex !== undefined && !c.ex.resDone) n++;
    return n;
  }

  /** Counters for router.health. */
  stats(): { clients: number; in_flight: number; idle_upstream: number } {
    let idle = 0;
    for (const entry of this.registry.entries()) idle += entry.pool.length;
    return { clients: this.sockets.size, in_flight: this.inFlight(), idle_upstream: idle };
  }

  /** Stops taking requests, lets in-flight exchanges finish within `drainMs`, then cuts everything. */
  async close(drainMs: number): Promise<void> {
    this.closing = true;
    for (const c of this.conns) if (c.idle) c.sock.end();
    const deadline = Date.now() + drainMs;
    while (this.inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    clearInterval(this.sweep);
    for (const s of this.sockets) s.destroy();
    for (const c of this.conns) c.sock.destroy();
    for (const entry of this.registry.entries()) for (const up of [...(entry.pool as UpConn[])]) up.destroy();
  }
}
