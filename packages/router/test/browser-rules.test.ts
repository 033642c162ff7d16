import http from 'node:http';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { json, rawExchange, request, startRouter, upstream, type Reply } from './helpers.js';

const token = 'tok-0123456789abcdef';
const jobCreate = '{"jsonrpc":"2.0","id":1,"method":"job.create","params":{"exec":"id > /tmp/pwned"}}';

/** An upstream that counts the calls it got and echoes their headers. */
async function echoService(socketDir: string, service: string, name: string) {
  const seen: http.IncomingHttpHeaders[] = [];
  await upstream(socketDir, service, name, (req, res) => {
    req.resume();
    req.on('end', () => {
      // the router's probes (GET /health, heroservice.json) are not calls
      if (req.method === 'POST') seen.push(req.headers);
      json(res, 200, { jsonrpc: '2.0', id: 1, result: { headers: req.headers } });
    });
  });
  return seen;
}

/** One request on admin.sock directly (what a local process or an SSH tunnel does). */
function adminSock(socketDir: string, urlPath: string, headers: Record<string, string>, body: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath: path.join(socketDir, 'hero_router', 'admin.sock'), method: 'POST', path: urlPath, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function wsStatus(url: string, opts: WebSocket.ClientOptions): Promise<number> {
  const ws = new WebSocket(url, opts);
  onTestFinished(() => ws.terminate());
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(101));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

describe('browser rules', () => {
  it('refuses a cross-site simple request (Origin of another site) before it reaches the service', async () => {
    const r = await startRouter();
    const seen = await echoService(r.socketDir, 'hero_proc', 'rpc');
    const refused = await request(r.port, 'POST', '/hero_proc/rpc/rpc', {
      headers: { origin: 'https://evil.example', 'content-type': 'text/plain' },
      body: jobCreate,
    });
    expect(refused.status).toBe(403);
    expect(refused.headers['content-type']).toBe('application/json');
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'forbidden', message: expect.stringMatching(/Origin/) });
    // `Origin: null` (sandboxed frames, file:) is another site too, and so is the same host on another port
    for (const origin of ['null', `http://127.0.0.1:${r.port + 1}`]) {
      expect((await request(r.port, 'POST', '/hero_proc/rpc/rpc', { headers: { origin }, body: jobCreate })).status).toBe(403);
    }
    // the router's own API and the dashboard too
    expect((await request(r.port, 'POST', '/rpc', { headers: { origin: 'https://evil.example' }, body: '{}' })).status).toBe(403);
    expect((await request(r.port, 'GET', '/admin/', { headers: { origin: 'https://evil.example' } })).status).toBe(403);
    expect(seen).toHaveLength(0);
    // a refused bodiless request leaves the connection usable for the next one
    const two = await rawExchange(
      r.port,
      'GET /hero_proc/rpc/x HTTP/1.1\r\nHost: localhost\r\nOrigin: https://evil.example\r\n\r\n' +
        'POST /hero_proc/rpc/y HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
    );
    expect(two).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(two).toMatch(/\r\n\r\n\{"error":"forbidden".*HTTP\/1\.1 200 OK\r\n/s);
    expect(seen).toHaveLength(1);
  });

  it('lets same-origin requests through (a page the router serves calling a service)', async () => {
    const r = await startRouter({ context: 'ctx-a' });
    const seen = await echoService(r.socketDir, 'hero_proc', 'rpc');
    const host = `127.0.0.1:${r.port}`;
    const ok = await request(r.port, 'POST', '/hero_proc/rpc/rpc', {
      headers: { origin: `http://${host}`, 'content-type': 'application/json' },
      body: jobCreate,
    });
    expect(ok.status).toBe(200);
    expect(seen[0]!.origin).toBe(`http://${host}`);
    const local = await request(r.port, 'POST', '/hero_proc/rpc/rpc', { headers: { host: `localhost:${r.port}`, origin: `http://LOCALHOST:${r.port}` }, body: '{}' });
    expect(local.status).toBe(200);
  });

  it('answers only loopback Host names without auth, any Host with a bearer token', async () => {
    const r = await startRouter();
    const seen = await echoService(r.socketDir, 'hero_proc', 'rpc');
    for (const host of ['attacker.example', `attacker.example:${r.port}`, `10.0.0.1:${r.port}`, 'localhost.attacker.example']) {
      const refused = await request(r.port, 'POST', '/hero_proc/rpc/rpc', { headers: { host, 'content-type': 'text/plain' }, body: jobCreate });
      expect(refused.status, host).toBe(421);
      expect(JSON.parse(refused.body)).toMatchObject({ error: 'misdirected_request' });
    }
    // the DNS-rebinding page is "same-origin" with its own name: still refused
    const rebound = await request(r.port, 'GET', '/rpc', { headers: { host: `attacker.example:${r.port}`, origin: `http://attacker.example:${r.port}` } });
    expect(rebound.status).toBe(421);
    expect((await request(r.port, 'GET', '/admin/', { headers: { host: 'attacker.example' } })).status).toBe(421);
    expect(seen).toHaveLength(0);
    for (const host of ['localhost', `app.localhost:${r.port}`, `127.0.0.2:${r.port}`, '[::1]:1']) {
      expect((await request(r.port, 'POST', '/hero_proc/rpc/rpc', { headers: { host }, body: '{}' })).status, host).toBe(200);
    }

    const t = await startRouter({ auth: { tokens: [{ token, context: 'node-a' }] } });
    const tSeen = await echoService(t.socketDir, 'hero_proc', 'rpc');
    const remote = await request(t.port, 'POST', '/hero_proc/rpc/rpc', {
      headers: { host: 'node-b.example:9998', authorization: `Bearer ${token}` },
      body: '{}',
    });
    expect(remote.status).toBe(200);
    expect(tSeen[0]!['x-hero-context']).toBe('node-a');
    // a token does not lift the Origin check
    const crossSite = await request(t.port, 'POST', '/hero_proc/rpc/rpc', {
      headers: { host: 'node-b.example:9998', authorization: `Bearer ${token}`, origin: 'https://evil.example' },
      body: '{}',
    });
    expect(crossSite.status).toBe(403);
  });

  it('with an allow-list and no tokens answers IP literals but no other names', async () => {
    const r = await startRouter({ listen: '0.0.0.0:0', auth: { allow: ['127.0.0.0/8', '::1/128'] } });
    await echoService(r.socketDir, 'hero_a', 'http');
    expect((await request(r.port, 'GET', '/hero_a/http/', { headers: { host: `10.1.2.3:${r.port}` } })).status).toBe(200);
    expect((await request(r.port, 'GET', '/hero_a/http/', { headers: { host: `node.example:${r.port}` } })).status).toBe(421);
  });

  it('applies the same rules to WebSocket upgrades', async () => {
    const r = await startRouter();
    const server = await upstream(r.socketDir, 'hero_ws', 'ws', (_q, res) => json(res, 404, {}));
    const wss = new WebSocketServer({ server });
    onTestFinished(() => wss.close());
    let upgrades = 0;
    wss.on('connection', () => upgrades++);
    const url = `ws://127.0.0.1:${r.port}/hero_ws/ws/`;
    expect(await wsStatus(url, { origin: 'https://evil.example' })).toBe(403);
    expect(await wsStatus(url, { headers: { host: 'attacker.example' } })).toBe(421);
    expect(upgrades).toBe(0);
    expect(await wsStatus(url, { origin: `http://127.0.0.1:${r.port}` })).toBe(101);
  });
});

describe('admin console', () => {
  it('forwards X-Forwarded-For, -Proto and X-Hero-Context so the service sees a proxied call', async () => {
    const r = await startRouter({ context: 'ctx-console' });
    const seen = await echoService(r.socketDir, 'hero_supervisor', 'rpc');
    const call = JSON.stringify({ service: 'hero_supervisor', method: 'job.list', params: {} });
    const via = await request(r.port, 'POST', '/admin/console', {
      headers: { 'content-type': 'application/json', 'x-hero-context': 'spoofed', 'x-forwarded-for': '203.0.113.9' },
      body: call,
    });
    expect(via.status).toBe(200);
    const headers = seen[0]!;
    expect(headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(headers['x-forwarded-proto']).toBe('http');
    expect(headers['x-forwarded-prefix']).toBe('/hero_supervisor/rpc');
    expect(headers['x-hero-context']).toBe('ctx-console');
    expect((JSON.parse(via.body) as { reply: { result: { headers: http.IncomingHttpHeaders } } }).reply.result.headers['x-forwarded-for']).toBe(
      '203.0.113.9, 127.0.0.1',
    );
    // the same console reached through the generic proxy path is forwarded as well
    await request(r.port, 'POST', '/hero_router/admin/console', { headers: { 'content-type': 'application/json' }, body: call });
    expect(seen[1]!['x-forwarded-for']).toBe('127.0.0.1');
    // a local process on admin.sock is local: no X-Forwarded-For is made up
    const local = await adminSock(r.socketDir, '/console', { 'content-type': 'application/json' }, call);
    expect(local.status).toBe(200);
    expect(seen[2]!['x-forwarded-for']).toBeUndefined();
  });

  it('refuses cross-site and rebound requests on admin.sock too', async () => {
    const r = await startRouter();
    const seen = await echoService(r.socketDir, 'hero_supervisor', 'rpc');
    const call = JSON.stringify({ service: 'hero_supervisor', method: 'job.list' });
    const cross = await adminSock(r.socketDir, '/console', { origin: 'https://evil.example', 'content-type': 'text/plain' }, call);
    expect(cross.status).toBe(403);
    const rebound = await adminSock(r.socketDir, '/console', { host: 'attacker.example:8080', origin: 'http://attacker.example:8080' }, call);
    expect(rebound.status).toBe(421);
    const viaTcp = await request(r.port, 'POST', '/admin/console', { headers: { origin: 'https://evil.example', 'content-type': 'text/plain' }, body: call });
    expect(viaTcp.status).toBe(403);
    expect(seen).toHaveLength(0);
  });

  it('with a bearer token answers any Host through the entry point but only loopback names on admin.sock', async () => {
    const r = await startRouter({ auth: { tokens: [{ token, context: 'node-a' }] } });
    const seen = await echoService(r.socketDir, 'hero_supervisor', 'rpc');
    const call = JSON.stringify({ service: 'hero_supervisor', method: 'job.list' });
    const remote = await request(r.port, 'POST', '/admin/console', {
      headers: { host: 'node-b.example:9998', authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-hero-router-proxy': 'guess' },
      body: call,
    });
    expect(remote.status).toBe(200);
    expect(seen[0]!['x-hero-context']).toBe('node-a');
    expect(seen[0]!['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen[0]!['x-hero-router-proxy']).toBeUndefined();
    // a page rebound onto an SSH tunnel to admin.sock: no token check there, so no other names
    const rebound = await adminSock(r.socketDir, '/console', { host: 'attacker.example:8080', 'x-hero-router-proxy': 'guess' }, call);
    expect(rebound.status).toBe(421);
    expect(seen).toHaveLength(1);
  });
});
