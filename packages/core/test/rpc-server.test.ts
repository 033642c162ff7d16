import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { z } from 'zod';
import { NotFoundError, RpcClient, RpcError, method, serveRpc, type ServiceInfo } from '../src/index.js';
import { rawRequest, tempDir } from './helpers.js';

const info: ServiceInfo = { name: 'hero_test', title: 'Test service', version: '1.2.3', description: 'A service for tests' };

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const gate = deferred();
let counted = 0;
const methods = {
  'count.hit': method({
    params: z.object({}),
    result: z.number(),
    handler: () => ++counted,
  }),
  'picky.take': method({
    // a refine that throws instead of returning false, as a regex engine or a deep check may on odd input
    params: z.object({
      text: z.string().refine((t) => {
        if (t.length > 10) throw new RangeError('secret detail: text too long for the check');
        return true;
      }),
    }),
    result: z.string(),
    handler: ({ text }) => text,
  }),
  'big.num': method({
    params: z.object({}),
    result: z.unknown(),
    handler: () => ({ n: 1n }),
  }),
  'math.add': method({
    summary: 'Adds two numbers',
    params: z.object({ a: z.number().describe('left operand'), b: z.number().describe('right operand') }),
    result: z.number(),
    handler: ({ a, b }) => a + b,
  }),
  'echo.say': method({
    description: 'Echoes its text',
    params: z.object({ text: z.string(), repeat: z.number().int().min(1).default(1) }),
    result: z.object({ text: z.string() }),
    handler: ({ text, repeat }) => ({ text: text.repeat(repeat) }),
  }),
  'item.get': method({
    params: z.object({ id: z.string() }),
    result: z.null(),
    handler: ({ id }) => {
      throw new NotFoundError(`no item ${id}`);
    },
  }),
  'boom': method({
    params: z.object({}),
    result: z.null(),
    handler: () => {
      throw new Error('secret internal detail at /some/path');
    },
  }),
  'slow.wait': method({
    params: z.object({}),
    result: z.string(),
    handler: async () => {
      await gate.promise;
      return 'finished';
    },
  }),
};

async function start(opts: { bodyLimit?: number; batchLimit?: number } = {}) {
  const dir = await tempDir();
  const sock = path.join(dir, 'sockets', 'hero_test', 'rpc.sock');
  const ac = new AbortController();
  const server = await serveRpc({ info, methods, socket: { path: sock, service: 'hero_test' }, ...opts }, ac.signal);
  onTestFinished(() => server.close());
  const client = new RpcClient(sock);
  onTestFinished(() => client.close());
  return { dir, sock, ac, server, client };
}

const post = (sock: string, body: unknown) =>
  rawRequest(sock, 'POST', '/rpc', typeof body === 'string' ? body : JSON.stringify(body));

describe('JSON-RPC server', () => {
  it('calls a method by name and by position', async () => {
    const { sock, client } = await start();
    expect(await client.call('math.add', { a: 2, b: 3 })).toBe(5);
    expect(await client.call('math.add', [10, 5])).toBe(15);
    expect(await client.call('echo.say', ['ab', 3])).toEqual({ text: 'ababab' });
    expect(await client.call('echo.say', { text: 'x' })).toEqual({ text: 'x' });
    const raw = await post(sock, { jsonrpc: '2.0', id: 'abc', method: 'math.add', params: [1, 1] });
    expect(raw.status).toBe(200);
    expect(JSON.parse(raw.body)).toEqual({ jsonrpc: '2.0', id: 'abc', result: 2 });
  });

  it('answers a batch mixing success, error and notification', async () => {
    const { sock } = await start();
    const res = await post(sock, [
      { jsonrpc: '2.0', id: 1, method: 'math.add', params: { a: 1, b: 2 } },
      { jsonrpc: '2.0', id: 2, method: 'item.get', params: { id: 'x' } },
      { jsonrpc: '2.0', method: 'math.add', params: [1, 2] },
      { jsonrpc: '2.0', id: 3, method: 'nope' },
      { foo: 'bar' },
    ]);
    const out = JSON.parse(res.body);
    expect(out).toHaveLength(4);
    expect(out[0]).toEqual({ jsonrpc: '2.0', id: 1, result: 3 });
    expect(out[1].error).toMatchObject({ code: -32004, message: 'no item x', data: { code: 'HERO_NOT_FOUND' } });
    expect(out[2].error.code).toBe(-32601);
    expect(out[3]).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request' } });
  });

  it('refuses a batch over the limit with one -32600 error and runs none of it', async () => {
    const { sock } = await start();
    const ping = (id: number) => ({ jsonrpc: '2.0', id, method: 'count.hit' });
    const before = counted;
    const res = await post(sock, Array.from({ length: 1001 }, (_, i) => ping(i)));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: {
        code: -32600,
        message: 'Invalid Request: batch of 1001 calls exceeds the limit of 1000',
        data: { code: 'HERO_TOO_LARGE', limit: 1000 },
      },
    });
    expect(counted).toBe(before);
    // exactly the limit still runs
    const ok = JSON.parse((await post(sock, Array.from({ length: 1000 }, (_, i) => ping(i)))).body);
    expect(ok).toHaveLength(1000);
    expect(counted).toBe(before + 1000);
  });

  it('takes the batch limit from the options', async () => {
    const { sock } = await start({ batchLimit: 2 });
    const before = counted;
    const calls = [1, 2, 3].map((id) => ({ jsonrpc: '2.0', id, method: 'count.hit' }));
    const out = JSON.parse((await post(sock, calls)).body);
    expect(out.error).toMatchObject({ code: -32600, message: expect.stringMatching(/limit of 2\b/) });
    expect(counted).toBe(before);
    expect(JSON.parse((await post(sock, calls.slice(0, 2))).body)).toHaveLength(2);
  });

  it('turns a params schema that throws into that call\'s own error, the rest of the batch still answered', async () => {
    const { sock, client } = await start();
    const res = await post(sock, [
      { jsonrpc: '2.0', id: 1, method: 'math.add', params: [1, 2] },
      { jsonrpc: '2.0', id: 2, method: 'picky.take', params: { text: 'x'.repeat(100) } },
      { jsonrpc: '2.0', id: 3, method: 'picky.take', params: ['y'.repeat(100)] },
      { jsonrpc: '2.0', method: 'picky.take', params: { text: 'x'.repeat(100) } },
      { jsonrpc: '2.0', id: 4, method: 'picky.take', params: { text: 'short' } },
    ]);
    expect(res.status).toBe(200);
    const out = JSON.parse(res.body);
    const internal = { code: -32603, message: 'Internal error', data: { code: 'HERO_INTERNAL' } };
    expect(out).toEqual([
      { jsonrpc: '2.0', id: 1, result: 3 },
      { jsonrpc: '2.0', id: 2, error: internal },
      { jsonrpc: '2.0', id: 3, error: internal },
      { jsonrpc: '2.0', id: 4, result: 'short' },
    ]);
    expect(res.body).not.toMatch(/secret detail/);
    // a single call gets a JSON-RPC envelope, not a bare 500
    const single = await post(sock, { jsonrpc: '2.0', id: 9, method: 'picky.take', params: { text: 'x'.repeat(100) } });
    expect(single.status).toBe(200);
    expect(JSON.parse(single.body)).toEqual({ jsonrpc: '2.0', id: 9, error: internal });
    await expect(client.call('picky.take', { text: 'z'.repeat(20) })).rejects.toMatchObject({ rpcCode: -32603 });
  });

  it('answers a result JSON cannot encode as that call\'s internal error', async () => {
    const { sock } = await start();
    const res = await post(sock, [
      { jsonrpc: '2.0', id: 1, method: 'big.num' },
      { jsonrpc: '2.0', id: 2, method: 'math.add', params: [2, 2] },
    ]);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual([
      { jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'Internal error', data: { code: 'HERO_INTERNAL' } } },
      { jsonrpc: '2.0', id: 2, result: 4 },
    ]);
    const single = await post(sock, { jsonrpc: '2.0', id: 3, method: 'big.num' });
    expect(single.status).toBe(200);
    expect(JSON.parse(single.body).error.code).toBe(-32603);
  });

  it('answers a notification and an all-notification batch with 204', async () => {
    const { sock } = await start();
    expect((await post(sock, { jsonrpc: '2.0', method: 'math.add', params: [1, 2] })).status).toBe(204);
    const batch = await post(sock, [{ jsonrpc: '2.0', method: 'math.add', params: [1, 2] }]);
    expect(batch.status).toBe(204);
    expect(batch.body).toBe('');
  });

  it('reports unknown method, invalid params with paths, parse error and invalid requests', async () => {
    const { sock, client } = await start();
    await expect(client.call('no.such')).rejects.toMatchObject({ rpcCode: -32601 });
    const bad = await post(sock, { jsonrpc: '2.0', id: 7, method: 'math.add', params: { a: 'one' } });
    const err = JSON.parse(bad.body).error;
    expect(err.code).toBe(-32602);
    expect(err.data.issues.map((i: { path: string }) => i.path).sort()).toEqual(['a', 'b']);
    expect(err.message).toMatch(/a: /);
    const tooMany = JSON.parse((await post(sock, { jsonrpc: '2.0', id: 8, method: 'math.add', params: [1, 2, 3] })).body);
    expect(tooMany.error.code).toBe(-32602);
    const parse = await post(sock, '{"jsonrpc": "2.0", "method": ');
    expect(parse.status).toBe(200);
    expect(JSON.parse(parse.body)).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
    expect(JSON.parse((await post(sock, [])).body).error.code).toBe(-32600);
    expect(JSON.parse((await post(sock, { jsonrpc: '1.0', id: 1, method: 'x' })).body).error.code).toBe(-32600);
    expect(JSON.parse((await post(sock, { jsonrpc: '2.0', id: 1, method: 'math.add', params: 5 })).body).error.code).toBe(-32600);
  });

  it('hides internal errors and keeps serving after a handler throws', async () => {
    const { client } = await start();
    const err = await client.call('boom').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).rpcCode).toBe(-32603);
    expect((err as RpcError).message).toBe('Internal error');
    expect(JSON.stringify((err as RpcError).error)).not.toMatch(/\bat \//);
    expect(await client.call('math.add', [1, 1])).toBe(2);
  });

  it('refuses an oversize body with 413', async () => {
    const { sock, client } = await start({ bodyLimit: 1024 });
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo.say', params: { text: 'x'.repeat(5000) } });
    const res = await post(sock, big);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error).toBe('payload_too_large');
    // chunked (no content-length) is cut as well
    const chunked = await new Promise<number>((resolve, reject) => {
      const s = net.connect(sock, () => {
        s.write('POST /rpc HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n');
        const chunk = 'y'.repeat(2000);
        s.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`);
      });
      let data = '';
      s.on('data', (d) => (data += d));
      s.on('close', () => resolve(Number(data.split(' ')[1])));
      s.on('error', reject);
    });
    expect(chunked).toBe(413);
    expect(await client.call('math.add', [2, 2])).toBe(4);
  });

  it('serves /openrpc.json equal to rpc.discover, valid OpenRPC with zod-derived params', async () => {
    const { sock, client } = await start();
    const doc = JSON.parse((await rawRequest(sock, 'GET', '/openrpc.json')).body);
    expect(await client.call('rpc.discover')).toEqual(doc);
    expect(doc.openrpc).toMatch(/^1\.3\./);
    expect(doc.info).toEqual({ title: 'Test service', version: '1.2.3', description: 'A service for tests' });
    const add = doc.methods.find((m: { name: string }) => m.name === 'math.add');
    expect(add.summary).toBe('Adds two numbers');
    expect(add.params).toEqual([
      { name: 'a', description: 'left operand', required: true, schema: { type: 'number', description: 'left operand' } },
      { name: 'b', description: 'right operand', required: true, schema: { type: 'number', description: 'right operand' } },
    ]);
    expect(add.result.schema).toEqual({ type: 'number' });
    const echo = doc.methods.find((m: { name: string }) => m.name === 'echo.say');
    expect(echo.params[1]).toMatchObject({ name: 'repeat', required: false, schema: { type: 'integer', default: 1, minimum: 1 } });
    for (const m of doc.methods) {
      expect(typeof m.name).toBe('string');
      expect(Array.isArray(m.params)).toBe(true);
      expect(m.result).toHaveProperty('name');
      expect(m.result).toHaveProperty('schema');
    }
  });

  it('serves /health and heroservice.json', async () => {
    const { sock } = await start();
    const health = JSON.parse((await rawRequest(sock, 'GET', '/health')).body);
    expect(health).toEqual({ status: 'ok', service: 'hero_test', version: '1.2.3', uptime_secs: expect.any(Number) });
    const hs = JSON.parse((await rawRequest(sock, 'GET', '/.well-known/heroservice.json')).body);
    expect(hs).toEqual({ protocol: 'openrpc', name: 'hero_test', title: 'Test service', version: '1.2.3', description: 'A service for tests', socket: 'rpc' });
    expect((await rawRequest(sock, 'GET', '/nothing')).status).toBe(404);
  });

  it('creates the socket 0600 in a 0700 dir', async () => {
    const { sock } = await start();
    expect((await fs.stat(sock)).mode & 0o777).toBe(0o600);
    expect((await fs.stat(path.dirname(sock))).mode & 0o777).toBe(0o700);
  });

  it('removes a stale socket and refuses a live one', async () => {
    const dir = await tempDir();
    const sock = path.join(dir, 'hero_test', 'rpc.sock');
    await fs.mkdir(path.dirname(sock), { recursive: true });
    // a stale socket file: bound, then left behind with nobody listening
    const dead = net.createServer();
    await new Promise<void>((r) => dead.listen(sock, r));
    await new Promise<void>((r) => {
      // node unlinks on close: move the file away, close, move it back
      void fs.rename(sock, `${sock}.keep`).then(() => dead.close(() => r()));
    });
    await fs.rename(`${sock}.keep`, sock);
    expect((await fs.lstat(sock)).isSocket()).toBe(true);

    const ac = new AbortController();
    const server = await serveRpc({ info, methods, socket: { path: sock, service: 'hero_test' } }, ac.signal);
    onTestFinished(() => server.close());
    const client = new RpcClient(sock);
    onTestFinished(() => client.close());
    expect(await client.call('math.add', [1, 2])).toBe(3);

    const second = serveRpc({ info, methods, socket: { path: sock, service: 'hero_test' } });
    await expect(second).rejects.toMatchObject({ code: 'HERO_SOCKET_IN_USE', message: `hero_test is already running at ${sock}` });
    expect(await client.call('math.add', [2, 2])).toBe(4);
  });

  it('on abort stops accepting, finishes in-flight requests and unlinks the socket', async () => {
    const { sock, ac, server, client } = await start();
    const inflight = client.call('slow.wait');
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    await new Promise((r) => setTimeout(r, 50));
    // the abort alone stopped the listener: new connections are refused while the old one drains
    expect(server.servers.some((s) => s.listening)).toBe(false);
    const fresh = new RpcClient(sock, { timeoutMs: 2000 });
    await expect(fresh.call('math.add', [1, 1])).rejects.toMatchObject({ code: 'HERO_UNAVAILABLE' });
    await fresh.close();
    gate.resolve();
    expect(await inflight).toBe('finished');
    for (let i = 0; i < 100 && (await fs.stat(sock).then(() => true, () => false)); i++) await new Promise((r) => setTimeout(r, 20));
    await expect(fs.stat(sock)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses what a web page could send to a loopback TCP port; the Unix socket is not affected', async () => {
    const dir = await tempDir();
    const sock = path.join(dir, 'hero_test', 'rpc.sock');
    const server = await serveRpc({ info, methods, socket: { path: sock, service: 'hero_test' }, tcp: { host: '127.0.0.1', port: 0 } });
    onTestFinished(() => server.close());
    const port = server.tcpAddress!.port;
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'math.add', params: { a: 1, b: 2 } });
    const post = (headers: Record<string, string>) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/rpc', headers: { 'content-type': 'text/plain', ...headers } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        });
        req.on('error', reject);
        req.end(body);
      });
    // a cross-site page (a "simple" request needs no preflight)
    const cross = await post({ origin: 'https://evil.example' });
    expect(cross.status).toBe(403);
    expect(JSON.parse(cross.body)).toMatchObject({ error: 'forbidden', message: expect.stringContaining('cross-origin') });
    // DNS rebinding: the page's own origin, but not a loopback name
    expect((await post({ host: `attacker.example:${port}`, origin: `http://attacker.example:${port}` })).status).toBe(403);
    expect((await post({ host: `attacker.example:${port}` })).status).toBe(403);
    // loopback names, with or without a same-origin Origin, are served
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `app.localhost:${port}`]) {
      expect((await post({ host })).status, host).toBe(200);
    }
    expect((await post({ host: `localhost:${port}`, origin: `http://localhost:${port}` })).status).toBe(200);
    // the Unix socket is local by construction
    expect((await rawRequest(sock, 'POST', '/rpc', body, { origin: 'https://evil.example' })).status).toBe(200);
    // pages a service admits on purpose (CORS) pass
    const open = await serveRpc({ info, methods, tcp: { host: '127.0.0.1', port: 0 }, allowedOrigins: ['https://app.example'] });
    onTestFinished(() => open.close());
    const allowed = await fetch(`http://127.0.0.1:${open.tcpAddress!.port}/rpc`, { method: 'POST', body, headers: { origin: 'https://app.example' } });
    expect(allowed.status).toBe(200);
    const other = await fetch(`http://127.0.0.1:${open.tcpAddress!.port}/rpc`, { method: 'POST', body, headers: { origin: 'https://evil.example' } });
    expect(other.status).toBe(403);
  });

  it('serves TCP on port 0 beside the socket', async () => {
    const dir = await tempDir();
    const sock = path.join(dir, 'hero_test', 'rpc.sock');
    const server = await serveRpc({ info, methods, socket: { path: sock, service: 'hero_test' }, tcp: { host: '127.0.0.1', port: 0 } });
    onTestFinished(() => server.close());
    const port = server.tcpAddress!.port;
    expect(port).toBeGreaterThan(0);
    const client = new RpcClient(`http://127.0.0.1:${port}`);
    onTestFinished(() => client.close());
    expect(await client.call('math.add', { a: 20, b: 22 })).toBe(42);
    const err = await serveRpc({ info, methods, tcp: { host: '127.0.0.1', port } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'HERO_CONFLICT' });
  });
});
