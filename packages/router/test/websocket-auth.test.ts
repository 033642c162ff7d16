import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { configSchema, run } from '../src/index.js';
import { json, rawExchange, request, startRouter, tempDir, upstream } from './helpers.js';

const token = 'tok-0123456789abcdef';

describe('websocket', () => {
  it('proxies an upgrade and echoes frames both ways', async () => {
    const r = await startRouter({ context: 'ws-ctx' });
    let seenHeaders: Record<string, string | string[] | undefined> = {};
    const server = await upstream(r.socketDir, 'hero_ws', 'ws', (_q, res) => json(res, 404, {}));
    const wss = new WebSocketServer({ server });
    onTestFinished(() => wss.close());
    wss.on('connection', (sock, req) => {
      seenHeaders = req.headers;
      sock.on('message', (data, binary) => sock.send(data, { binary }));
    });
    const ws = new WebSocket(`ws://127.0.0.1:${r.port}/hero_ws/ws/echo`);
    onTestFinished(() => ws.terminate());
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const replies: string[] = [];
    const all = new Promise<void>((resolve) =>
      ws.on('message', (d) => {
        replies.push(d.toString());
        if (replies.length === 3) resolve();
      }),
    );
    ws.send('hello');
    ws.send('x'.repeat(200_000));
    ws.send('bye');
    await all;
    expect(replies[0]).toBe('hello');
    expect(replies[1]).toHaveLength(200_000);
    expect(replies[2]).toBe('bye');
    expect(seenHeaders['x-forwarded-prefix']).toBe('/hero_ws/ws');
    expect(seenHeaders['x-hero-context']).toBe('ws-ctx');
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.close(1000);
    expect(await closed).toBe(1000);
  });

  it('answers a refused upgrade like any response and 502 when nothing listens', async () => {
    const r = await startRouter();
    await upstream(r.socketDir, 'hero_plain', 'http', (_q, res) => json(res, 426, { error: 'no websockets here' }));
    const out = await rawExchange(
      r.port,
      'GET /hero_plain/http/ HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      /no websockets here/,
    );
    expect(out).toMatch(/^HTTP\/1\.1 426 /);
    const ws = new WebSocket(`ws://127.0.0.1:${r.port}/hero_missing/ws/`);
    const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(404);
  });
});

describe('access control', () => {
  it('refuses to start on a non-loopback address without auth, and binds nothing', async () => {
    const dir = path.join(await tempDir(), 'sockets');
    const config = configSchema.parse({ socket_dir: dir, listen: '0.0.0.0:0' });
    await expect(run(config, new AbortController().signal)).rejects.toMatchObject({
      code: 'HERO_CONFIG',
      message: expect.stringMatching(/non-loopback address needs auth/),
    });
    await expect(fs.stat(path.join(dir, 'hero_router', 'rpc.sock'))).rejects.toThrow();
    expect(() => configSchema.parse({ auth: { tokens: [{ token: 'short' }] } })).toThrow();
    await expect(run(configSchema.parse({ socket_dir: dir, listen: 'nope' }), new AbortController().signal)).rejects.toMatchObject({ code: 'HERO_CONFIG' });
    await expect(
      run(configSchema.parse({ socket_dir: dir, listen: '0.0.0.0:0', auth: { allow: ['10.0.0.0/99'] } }), new AbortController().signal),
    ).rejects.toMatchObject({ code: 'HERO_CONFIG' });
    await expect(
      run(configSchema.parse({ socket_dir: dir, tls: { cert: '/nonexistent.pem', key: '/nonexistent.key' } }), new AbortController().signal),
    ).rejects.toMatchObject({ code: 'HERO_CONFIG' });
  });

  it('needs a bearer token when tokens are set (401) and passes the token context upstream', async () => {
    const r = await startRouter({
      listen: '0.0.0.0:0',
      context: 'default-ctx',
      auth: { tokens: [{ token, context: 'team-a' }, { token: token + '-2' }] },
    });
    await upstream(r.socketDir, 'hero_sec', 'http', (req, res) => json(res, 200, { headers: req.headers }));
    const none = await request(r.port, 'GET', '/hero_sec/http/');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(JSON.parse(none.body)).toMatchObject({ error: 'unauthorized' });
    expect((await request(r.port, 'GET', '/hero_sec/http/', { headers: { authorization: 'Bearer wrong-token-000000' } })).status).toBe(401);
    expect((await request(r.port, 'POST', '/rpc', { headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
    const ok = await request(r.port, 'GET', '/hero_sec/http/', { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    const seen = JSON.parse(ok.body).headers as Record<string, string>;
    expect(seen['x-hero-context']).toBe('team-a');
    expect(seen.authorization).toBeUndefined();
    const other = await request(r.port, 'GET', '/hero_sec/http/', { headers: { authorization: `Bearer ${token}-2` } });
    expect(JSON.parse(other.body).headers['x-hero-context']).toBe('default-ctx');
    // WebSocket upgrades are checked too
    const ws = new WebSocket(`ws://127.0.0.1:${r.port}/hero_sec/http/`);
    const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);
  });

  it('answers 403 to addresses outside the allow-list', async () => {
    const denied = await startRouter({ listen: '0.0.0.0:0', auth: { allow: ['10.0.0.0/8'] } });
    await upstream(denied.socketDir, 'hero_a', 'http', (_q, res) => json(res, 200, { ok: true }));
    const r1 = await request(denied.port, 'GET', '/hero_a/http/');
    expect(r1.status).toBe(403);
    expect(JSON.parse(r1.body)).toMatchObject({ error: 'forbidden' });
    const allowed = await startRouter({ listen: '0.0.0.0:0', auth: { allow: ['127.0.0.0/8', '::1/128'] } });
    await upstream(allowed.socketDir, 'hero_a', 'http', (req, res) => json(res, 200, { auth: req.headers.authorization ?? null }));
    const r2 = await request(allowed.port, 'GET', '/hero_a/http/', { headers: { authorization: 'Basic abc' } });
    expect(r2.status).toBe(200);
    // without router tokens the client's own Authorization belongs to the service
    expect(JSON.parse(r2.body)).toEqual({ auth: 'Basic abc' });
  });
});

describe('tls', () => {
  it('serves HTTPS when a cert and key are configured', async () => {
    const dir = await tempDir();
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost',
    ]);
    const r = await startRouter({ tls: { cert, key } });
    await upstream(r.socketDir, 'hero_t', 'http', (req, res) => json(res, 200, { proto: req.headers['x-forwarded-proto'] }));
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port: r.port, path: '/hero_t/http/', rejectUnauthorized: false, agent: false }, (res) => {
          let b = '';
          res.setEncoding('utf8').on('data', (c: string) => (b += c)).on('end', () => resolve(b));
        })
        .on('error', reject);
    });
    expect(JSON.parse(body)).toEqual({ proto: 'https' });
  });
});
