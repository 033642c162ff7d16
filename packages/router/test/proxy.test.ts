import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { z } from 'zod';
import { method, serveRpc } from '@hero/core';
import { RouterClient } from '../src/client.js';
import { heroLike, json, rawExchange, request, startRouter, tempDir, upstream, waitFor } from './helpers.js';

describe('proxy', () => {
  it('carries JSON-RPC to a Hero service and serves its own API on /rpc and rpc.sock', async () => {
    const dir = path.join(await tempDir(), 'sockets');
    const ac = new AbortController();
    onTestFinished(() => ac.abort());
    await serveRpc(
      {
        info: { name: 'hero_calc', title: 'Calc', version: '2.0.0', description: 'adds' },
        socket: { path: path.join(dir, 'hero_calc', 'rpc.sock'), service: 'hero_calc' },
        methods: {
          'calc.add': method({
            summary: 'Adds',
            params: z.object({ a: z.number(), b: z.number() }),
            result: z.number(),
            handler: ({ a, b }) => a + b,
          }),
        },
      },
      ac.signal,
    );
    const r = await startRouter({}, dir);
    const reply = await request(r.port, 'POST', '/hero_calc/rpc/rpc', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'calc.add', params: { a: 2, b: 40 } }),
    });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ jsonrpc: '2.0', id: 7, result: 42 });

    // the router's API over TCP and over its socket
    for (const client of [new RouterClient(r.base), new RouterClient({ socketDir: dir })]) {
      onTestFinished(() => client.close());
      const services = await client.services();
      const calc = services.find((s) => s.name === 'hero_calc')!;
      expect(calc.status).toBe('healthy');
      expect(calc.sockets[0]).toMatchObject({ name: 'rpc', protocol: 'openrpc', version: '2.0.0', method_count: 1, url: '/hero_calc/rpc/' });
      expect(services.map((s) => s.name)).toContain('hero_router');
      const one = await client.service('hero_calc');
      expect(one.sockets[0]!.methods).toEqual([{ name: 'calc.add', summary: 'Adds', params: [{ name: 'a', required: true }, { name: 'b', required: true }] }]);
      const spec = await client.spec('hero_calc');
      expect(spec.openrpc).toBeDefined();
      await expect(client.spec('hero_nope')).rejects.toMatchObject({ code: 'HERO_NOT_FOUND' });
      await expect(client.service('bad/name')).rejects.toMatchObject({ rpcCode: -32602 });
      const health = await client.health();
      expect(health).toMatchObject({ status: 'ok', auth: false, tls: false, listen: `127.0.0.1:${r.port}` });
      expect(health.by_status.healthy).toBeGreaterThanOrEqual(3);
      const scan = await client.scan();
      expect(scan.services.length).toBe(2);
    }
    // the router also reaches itself as any other service
    const self = await request(r.port, 'GET', '/hero_router/rpc/health');
    expect(JSON.parse(self.body)).toMatchObject({ status: 'ok', service: 'hero_router' });
  });

  it('forwards headers, drops hop-by-hop ones and sets X-Forwarded-* and X-Hero-Context', async () => {
    const r = await startRouter({ context: 'ctx-main' });
    await upstream(r.socketDir, 'hero_echo', 'http', (req, res) => {
      res.setHeader('proxy-authenticate', 'Basic');
      res.setHeader('x-upstream', 'yes');
      json(res, 200, { url: req.url, method: req.method, headers: req.headers });
    });
    const reply = await request(r.port, 'GET', '/hero_echo/http/some/path?q=1', {
      headers: {
        'x-custom': 'kept',
        'x-forwarded-for': '203.0.113.9',
        'x-hero-context': 'spoofed',
        'x-forwarded-prefix': '/spoofed',
        te: 'trailers',
        'proxy-authorization': 'secret',
        connection: 'keep-alive, x-private',
        'x-private': 'dropped',
        host: 'node.localhost:9998',
      },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers['x-upstream']).toBe('yes');
    expect(reply.headers['proxy-authenticate']).toBeUndefined();
    const seen = JSON.parse(reply.body) as { url: string; method: string; headers: Record<string, string> };
    expect(seen.url).toBe('/some/path?q=1');
    expect(seen.headers['x-custom']).toBe('kept');
    expect(seen.headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-host']).toBe('node.localhost:9998');
    expect(seen.headers['x-forwarded-prefix']).toBe('/hero_echo/http');
    expect(seen.headers['x-hero-context']).toBe('ctx-main');
    expect(seen.headers.host).toBe('node.localhost:9998');
    for (const h of ['te', 'proxy-authorization', 'x-private']) expect(seen.headers[h]).toBeUndefined();
    expect(seen.headers.connection ?? 'keep-alive').toBe('keep-alive');
  });

  it('keeps client connections alive and reuses upstream connections', async () => {
    const r = await startRouter();
    const upstreamPeers = new Set<net.Socket>();
    let n = 0;
    await upstream(r.socketDir, 'hero_ka', 'http', (req, res) => {
      if (req.url !== '/x') return json(res, 404, {});
      upstreamPeers.add(req.socket);
      json(res, 200, { n: ++n });
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    onTestFinished(() => agent.destroy());
    const clientSockets = new Set<net.Socket>();
    for (let i = 0; i < 20; i++) {
      const body = await new Promise<string>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port: r.port, path: '/hero_ka/http/x', agent }, (res) => {
          clientSockets.add(res.socket);
          let b = '';
          res.setEncoding('utf8').on('data', (c: string) => (b += c)).on('end', () => resolve(b));
        });
        req.on('error', reject);
      });
      expect(JSON.parse(body)).toEqual({ n: i + 1 });
    }
    expect(clientSockets.size).toBe(1);
    expect(upstreamPeers.size).toBe(1);
    const client = new RouterClient({ socketDir: r.socketDir });
    onTestFinished(() => client.close());
    // nothing left in flight; the one client and the pooled connection are counted
    expect((await client.health()).proxy).toEqual({ clients: 1, in_flight: 0, idle_upstream: 1 });
  });

  it('streams a 50 MB upload and a 50 MB download intact', async () => {
    const r = await startRouter();
    // a block whose size does not divide the read size, with varied bytes: any mix-up shows in the hash
    const block = Buffer.alloc(65_521);
    for (let i = 0; i < block.length; i++) block[i] = (i * 7919 + (i >> 8)) & 0xff;
    const SIZE = block.length * 800;
    await upstream(r.socketDir, 'hero_big', 'http', (req, res) => {
      if (req.method === 'POST') {
        const h = createHash('sha256');
        let size = 0;
        req.on('data', (c: Buffer) => {
          size += c.length;
          h.update(c);
        });
        req.on('end', () => json(res, 200, { size, sha: h.digest('hex') }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': SIZE });
      let sent = 0;
      const pump = () => {
        while (sent < SIZE) {
          sent += block.length;
          if (!res.write(block)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    // upload, generated on the fly
    const expected = createHash('sha256');
    for (let i = 0; i < SIZE / block.length; i++) expected.update(block);
    const up = await new Promise<{ size: number; sha: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: r.port, method: 'POST', path: '/hero_big/http/upload', headers: { 'content-length': SIZE }, agent: false }, (res) => {
        let b = '';
        res.setEncoding('utf8').on('data', (c: string) => (b += c)).on('end', () => resolve(JSON.parse(b)));
      });
      req.on('error', reject);
      let sent = 0;
      const pump = () => {
        while (sent < SIZE) {
          sent += block.length;
          if (!req.write(block)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(up).toEqual({ size: SIZE, sha: expected.digest('hex') });
    // chunked upload (no length)
    const chunked = await new Promise<{ size: number }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: r.port, method: 'POST', path: '/hero_big/http/upload', agent: false }, (res) => {
        let b = '';
        res.setEncoding('utf8').on('data', (c: string) => (b += c)).on('end', () => resolve(JSON.parse(b)));
      });
      req.on('error', reject);
      for (let i = 0; i < 16; i++) req.write(block);
      req.end();
    });
    expect(chunked.size).toBe(16 * block.length);
    // download
    const got = await new Promise<{ size: number; sha: string }>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: r.port, path: '/hero_big/http/download', agent: false }, (res) => {
        let size = 0;
        const h = createHash('sha256');
        res.on('data', (c: Buffer) => {
          size += c.length;
          h.update(c);
        });
        res.on('end', () => resolve({ size, sha: h.digest('hex') }));
        res.on('error', reject);
      }).on('error', reject);
    });
    expect(got).toEqual({ size: SIZE, sha: up.sha });
  });

  it('delivers server-sent events one by one', async () => {
    const r = await startRouter();
    let push!: (s: string) => void;
    const connected = new Promise<void>((resolve) => {
      void upstream(r.socketDir, 'hero_sse', 'events', (req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.flushHeaders();
        push = (s) => res.write(s);
        resolve();
      });
    });
    await waitFor(async () => fs.stat(path.join(r.socketDir, 'hero_sse', 'events.sock')).then(() => true, () => false));
    const events: string[] = [];
    let onEvent: (() => void) | undefined;
    const req = http.get({ host: '127.0.0.1', port: r.port, path: '/hero_sse/events/stream', agent: false });
    onTestFinished(() => {
      req.destroy();
    });
    const res = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
    expect(res.headers['content-type']).toBe('text/event-stream');
    let buf = '';
    res.setEncoding('utf8').on('data', (c: string) => {
      buf += c;
      let i;
      while ((i = buf.indexOf('\n\n')) !== -1) {
        events.push(buf.slice(0, i));
        buf = buf.slice(i + 2);
        onEvent?.();
      }
    });
    await connected;
    for (let n = 1; n <= 3; n++) {
      const got = new Promise<void>((resolve) => (onEvent = resolve));
      push(`data: event ${n}\n\n`);
      await got;
      // the next event is only sent once this one arrived
      expect(events).toEqual(Array.from({ length: n }, (_, k) => `data: event ${k + 1}`));
    }
  });

  it('answers 404 for unknown sockets, 502 for a dead one and 504 for a slow one', async () => {
    const r = await startRouter({ upstream_timeout_ms: 300 });
    const unknown = await request(r.port, 'GET', '/hero_none/rpc/x');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ error: 'not_found' });
    expect(unknown.headers['content-type']).toBe('application/json');

    // a socket file with nothing behind it (a service that crashed)
    const dead = path.join(r.socketDir, 'hero_dead', 'rpc.sock');
    await fs.mkdir(path.dirname(dead), { recursive: true });
    const tmp = net.createServer();
    await new Promise<void>((res) => tmp.listen(path.join(r.socketDir, 'hero_dead', 'live.sock'), res));
    await fs.link(path.join(r.socketDir, 'hero_dead', 'live.sock'), dead);
    await new Promise<void>((res) => tmp.close(() => res()));
    const bad = await request(r.port, 'GET', '/hero_dead/rpc/health');
    expect(bad.status).toBe(502);
    expect(JSON.parse(bad.body)).toMatchObject({ error: 'bad_gateway' });
    const client = new RouterClient({ socketDir: r.socketDir });
    onTestFinished(() => client.close());
    await waitFor(async () => (await client.services()).find((s) => s.name === 'hero_dead')?.status === 'inactive');

    await upstream(r.socketDir, 'hero_slow', 'http', (_req, res) => {
      setTimeout(() => json(res, 200, { late: true }), 3000).unref();
    });
    const slow = await request(r.port, 'GET', '/hero_slow/http/');
    expect(slow.status).toBe(504);
    expect(JSON.parse(slow.body)).toMatchObject({ error: 'gateway_timeout' });
  });

  it('notices sockets appearing and disappearing while it runs', async () => {
    const r = await startRouter({ watch: true });
    const client = new RouterClient({ socketDir: r.socketDir });
    onTestFinished(() => client.close());
    const names = async () => (await client.services()).map((s) => s.name);
    expect(await names()).toEqual(['hero_router']);
    const server = await upstream(r.socketDir, 'hero_new', 'http', heroLike('hero_new', (_q, res) => json(res, 200, { hi: 1 })));
    await waitFor(async () => (await client.services()).find((s) => s.name === 'hero_new')?.status === 'healthy');
    expect((await request(r.port, 'GET', '/hero_new/http/x')).body).toBe('{"hi":1}');
    server.closeAllConnections();
    await new Promise<void>((res) => server.close(() => res()));
    await waitFor(async () => !(await names()).includes('hero_new'));
    expect((await request(r.port, 'GET', '/hero_new/http/x')).status).toBe(404);
  });

  it('proxies a socket created a moment ago even before the watcher noticed', async () => {
    const r = await startRouter({ watch: false });
    await upstream(r.socketDir, 'hero_fresh', 'api', (req, res) => {
      let size = 0;
      req.on('data', (c: Buffer) => (size += c.length));
      req.on('end', () => json(res, 200, { fresh: true, size }));
    });
    const reply = await request(r.port, 'GET', '/hero_fresh/api/');
    expect(JSON.parse(reply.body)).toEqual({ fresh: true, size: 0 });
    // a large body sent while the router still looks the socket up
    await upstream(r.socketDir, 'hero_fresh2', 'api', (req, res) => {
      let size = 0;
      req.on('data', (c: Buffer) => (size += c.length));
      req.on('end', () => json(res, 200, { size }));
    });
    const big = await request(r.port, 'POST', '/hero_fresh2/api/', { body: Buffer.alloc(3 * 1024 * 1024, 1) });
    expect(JSON.parse(big.body)).toEqual({ size: 3 * 1024 * 1024 });
  });

  it('rejects traversal, encoded slashes and odd names', async () => {
    const r = await startRouter();
    await upstream(r.socketDir, 'hero_ok', 'http', (_q, res) => json(res, 200, { ok: true }));
    const outside = path.join(path.dirname(r.socketDir), 'outside');
    await upstream(outside, 'evil', 'x', (_q, res) => json(res, 200, { escaped: true }));
    const paths = [
      '/../outside/evil/x',
      '/hero_ok/../../outside/evil/x',
      '/hero_ok/http/../../../outside',
      '/%2e%2e/outside/evil',
      '/hero_ok%2F..%2F..%2Foutside/x/',
      '/hero_ok/http%2f..%2fx/',
      '/hero_ok/%2E%2E/x',
      '/hero_ok/http/a\\..\\b',
      '/he ro/http/',
      '/hero_ok/ht$tp/',
      '/hero_ok//x',
    ];
    for (const p of paths) {
      const out = await rawExchange(r.port, `GET ${p} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
      expect(out, p).toMatch(/^HTTP\/1\.1 400 /);
      expect(out).not.toContain('escaped');
    }
    // symlinked service dirs are not followed
    await fs.symlink(path.join(outside, 'evil'), path.join(r.socketDir, 'linked'));
    const client = new RouterClient({ socketDir: r.socketDir });
    onTestFinished(() => client.close());
    expect((await client.scan()).services.map((s) => s.name)).not.toContain('linked');
    const linked = await request(r.port, 'GET', '/linked/x/');
    expect(linked.status).toBe(404);
    // malformed requests
    expect(await rawExchange(r.port, 'GET /hero_ok/http/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect(await rawExchange(r.port, 'GET /hero_ok/http/ HTTP/1.1\r\nHost: localhost\r\nBad Header: 1\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect(await rawExchange(r.port, 'GET /hero_ok/http/ HTTP/2.0\r\nHost: localhost\r\n\r\n')).toMatch(/^HTTP\/1\.1 505 /);
    expect(await rawExchange(r.port, `GET /hero_ok/http/ HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431 /);
    expect(await rawExchange(r.port, 'GET http://evil/hero_ok/http/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect((await request(r.port, 'GET', '/hero_ok/http/fine')).status).toBe(200);
  });

  it('closes client connections that stay idle or never finish their head', async () => {
    const r = await startRouter({ client_timeout_ms: 300 });
    await upstream(r.socketDir, 'hero_c', 'http', (_q, res) => json(res, 200, { ok: true }));
    // a slow client: part of a head, then nothing
    const partial = await rawExchange(r.port, 'GET /hero_c/http/ HTTP/1.1\r\nHost: localhost\r\n');
    expect(partial).toBe('');
    // an idle keep-alive connection after a complete exchange
    const idle = await rawExchange(r.port, 'GET /hero_c/http/ HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(idle).toMatch(/^HTTP\/1\.1 200 [\s\S]*\{"ok":true\}$/);
  });

  it('reads requests and chunked bodies split at every byte', async () => {
    const r = await startRouter();
    await upstream(r.socketDir, 'hero_b', 'http', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => json(res, 200, { url: req.url, body: Buffer.concat(chunks).toString() }));
    });
    const data =
      'POST /hero_b/http/one HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4;x=y\r\ndefg\r\n0\r\nX-T: 1\r\n\r\n' +
      'POST /hero_b/http/two HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello';
    const out = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(r.port, '127.0.0.1');
      let got = '';
      sock.setEncoding('latin1');
      sock.on('data', (d: string) => (got += d));
      sock.on('close', () => resolve(got));
      sock.on('error', reject);
      let i = 0;
      const step = () => {
        if (i >= data.length) return;
        sock.write(data[i++]!);
        setImmediate(step);
      };
      step();
    });
    expect(out).toContain('{"url":"/one","body":"abcdefg"}');
    expect(out).toContain('{"url":"/two","body":"hello"}');
  });

  it('relays responses that arrive one byte at a time', async () => {
    const r = await startRouter();
    const file = path.join(r.socketDir, 'hero_drip', 'http.sock');
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const reply =
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n' +
      '5\r\nhello\r\n7\r\n, drip!\r\n0\r\n\r\n';
    const conns = new Set<net.Socket>();
    const server = net.createServer((s) => {
      conns.add(s);
      s.on('data', () => {
        let i = 0;
        const step = () => {
          if (i >= reply.length) return;
          s.write(reply[i++]!);
          setImmediate(step);
        };
        step();
      });
    });
    await new Promise<void>((res) => server.listen(file, res));
    onTestFinished(
      () =>
        new Promise<void>((res) => {
          for (const c of conns) c.destroy();
          server.close(() => res());
        }),
    );
    for (let k = 0; k < 2; k++) {
      const got = await request(r.port, 'GET', '/hero_drip/http/');
      expect(got.status).toBe(200);
      expect(got.body).toBe('hello, drip!');
      expect(got.headers['content-type']).toBe('text/plain');
    }
  });

  it('speaks HTTP/1.0, HEAD, pipelining and 100-continue', async () => {
    const r = await startRouter();
    let count = 0;
    await upstream(r.socketDir, 'hero_v', 'http', (req, res) => {
      count++;
      let size = 0;
      req.on('data', (c: Buffer) => (size += c.length));
      req.on('end', () => json(res, 200, { n: count, url: req.url, size }));
    });
    const v10 = await rawExchange(r.port, 'GET /hero_v/http/a HTTP/1.0\r\n\r\n');
    expect(v10).toMatch(/^HTTP\/1\.1 200 /);
    expect(v10).toContain('"url":"/a"');
    const head = await rawExchange(r.port, 'HEAD /hero_v/http/h HTTP/1.1\r\nHost: localhost\r\n\r\nGET /hero_v/http/after HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    expect(head.match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
    expect(head).toContain('"url":"/after"');
    const piped = await rawExchange(
      r.port,
      'GET /hero_v/http/1 HTTP/1.1\r\nHost: localhost\r\n\r\nPOST /hero_v/http/2 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhelloGET /hero_v/http/3 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
    );
    const urls = [...piped.matchAll(/"url":"([^"]+)","size":(\d+)/g)].map((m) => `${m[1]}:${m[2]}`);
    expect(urls).toEqual(['/1:0', '/2:5', '/3:0']);
    const cont = await rawExchange(r.port, 'POST /hero_v/http/c HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n', /100 Continue/);
    expect(cont).toMatch(/^HTTP\/1\.1 100 Continue/);
  });
});
