import net from 'node:net';
import path from 'node:path';
import fs from 'node:fs/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import { RouterClient } from '../src/client.js';
import { heroLike, json, request, startRouter, upstream, waitFor } from './helpers.js';

describe('discovery', () => {
  it('tells healthy, unhealthy, non_rpc and inactive apart', async () => {
    const r = await startRouter({ watch: false });
    await upstream(r.socketDir, 'hero_good', 'http', heroLike('hero_good'));
    await upstream(r.socketDir, 'hero_sick', 'http', (req, res) =>
      req.url === '/health' ? json(res, 503, { status: 'down' }) : heroLike('hero_sick')(req, res),
    );
    await upstream(r.socketDir, 'hero_plain', 'web', (_q, res) => json(res, 404, {}));
    // a socket that does not speak HTTP at all
    const raw = net.createServer((s) => {
      s.resume();
      s.end('-ERR unknown command\r\n');
    });
    const rawPath = path.join(r.socketDir, 'hero_db', 'resp.sock');
    await fs.mkdir(path.dirname(rawPath), { recursive: true, mode: 0o700 });
    await new Promise<void>((res) => raw.listen(rawPath, res));
    onTestFinished(() => new Promise<void>((res) => raw.close(() => res())));
    // a leftover socket file with nothing behind it
    const gone = net.createServer();
    await new Promise<void>((res) => gone.listen(path.join(r.socketDir, 'hero_db', 'tmp.sock'), res));
    await fs.link(path.join(r.socketDir, 'hero_db', 'tmp.sock'), path.join(r.socketDir, 'hero_db', 'old.sock'));
    await new Promise<void>((res) => gone.close(() => res()));
    // files that are not sockets, bad names: ignored
    await fs.writeFile(path.join(r.socketDir, 'hero_db', 'notes.sock'), 'not a socket');
    await fs.mkdir(path.join(r.socketDir, 'bad name'), { recursive: true });

    const client = new RouterClient({ socketDir: r.socketDir });
    onTestFinished(() => client.close());
    const { services } = await client.scan();
    const status = Object.fromEntries(services.flatMap((s) => s.sockets.map((k) => [`${s.name}/${k.name}`, k.status])));
    expect(status).toEqual({
      'hero_db/old': 'inactive',
      'hero_db/resp': 'non_rpc',
      'hero_good/http': 'healthy',
      'hero_plain/web': 'non_rpc',
      'hero_router/admin': 'healthy',
      'hero_router/rpc': 'healthy',
      'hero_sick/http': 'unhealthy',
    });
    const sick = await client.service('hero_sick');
    expect(sick.sockets[0]!.error).toMatch(/503/);
    expect(sick.sockets[0]!.protocol).toBe('rest');
    const health = await client.health();
    expect(health.by_status).toEqual({ healthy: 3, unhealthy: 1, non_rpc: 2, inactive: 1 });
    // a non-HTTP socket is still reachable as a route, and answers 502
    expect((await request(r.port, 'GET', '/hero_db/resp/')).status).toBe(502);
  });

  it('caches OpenRPC documents and refreshes them on router.scan', async () => {
    const r = await startRouter({ watch: false });
    let methods = [{ name: 'a.one', params: [] }];
    await upstream(r.socketDir, 'hero_doc', 'rpc', (req, res) => {
      if (req.url === '/.well-known/heroservice.json') return json(res, 200, { protocol: 'openrpc', name: 'hero_doc', title: 'Doc', version: '1', description: '' });
      if (req.url === '/health') return json(res, 200, { status: 'ok' });
      if (req.url === '/openrpc.json') return json(res, 200, { openrpc: '1.3.2', info: { title: 'Doc', version: '1' }, methods });
      json(res, 404, {});
    });
    const client = new RouterClient({ socketDir: r.socketDir });
    onTestFinished(() => client.close());
    expect((await client.spec('hero_doc')).methods).toEqual([{ name: 'a.one', params: [] }]);
    methods = [...methods, { name: 'b.two', params: [] }];
    expect((await client.service('hero_doc')).sockets[0]!.method_count).toBe(1);
    await client.scan();
    expect((await client.service('hero_doc')).sockets[0]!.methods!.map((m) => m.name)).toEqual(['a.one', 'b.two']);
  });

  it('finds new sockets on the periodic scan without a watcher', async () => {
    const r = await startRouter({ watch: false, scan_interval_ms: 200 });
    const client = new RouterClient({ socketDir: r.socketDir });
    onTestFinished(() => client.close());
    await upstream(r.socketDir, 'hero_late', 'rpc', heroLike('hero_late'));
    await waitFor(async () => (await client.services()).find((s) => s.name === 'hero_late')?.status === 'healthy');
  });

  it('cuts an exchange that stays idle longer than idle_timeout_ms', async () => {
    const r = await startRouter({ idle_timeout_ms: 300 });
    await upstream(r.socketDir, 'hero_idle', 'http', (_q, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      // then nothing
    });
    const reply = await request(r.port, 'GET', '/hero_idle/http/').catch((err: Error) => err);
    // the head was sent: the connection is cut rather than a truncated body passed off as whole
    expect(reply).toBeInstanceOf(Error);
  });
});
