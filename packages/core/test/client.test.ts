import path from 'node:path';
import http from 'node:http';
import { describe, expect, it, onTestFinished } from 'vitest';
import { z } from 'zod';
import { RpcClient, listenHttp, method, serveRpc } from '../src/index.js';
import { tempDir } from './helpers.js';

describe('RpcClient', () => {
  it('carries the server error code and data', async () => {
    const dir = await tempDir();
    const sock = path.join(dir, 's', 'rpc.sock');
    const server = await serveRpc({
      info: { name: 's', title: 's', version: '0', description: '' },
      socket: { path: sock, service: 's' },
      methods: {
        fail: method({ params: z.object({}), result: z.null(), handler: () => { throw new (class extends Error {})('x'); } }),
      },
    });
    onTestFinished(() => server.close());
    const c = new RpcClient(sock);
    onTestFinished(() => c.close());
    await expect(c.call('fail')).rejects.toMatchObject({ rpcCode: -32603, code: 'HERO_INTERNAL' });
    await expect(c.call('missing')).rejects.toMatchObject({ rpcCode: -32601, code: 'HERO_RPC' });
    expect(await c.getJson('/health')).toMatchObject({ status: 'ok' });
  });

  it('times out and reports an unreachable socket', async () => {
    const dir = await tempDir();
    const sock = path.join(dir, 'slow.sock');
    const l = await listenHttp({ handler: (_req: http.IncomingMessage, res: http.ServerResponse) => setTimeout(() => res.end('{}'), 2000), socket: { path: sock, service: 'slow' }, drainMs: 10 });
    onTestFinished(() => l.close());
    const c = new RpcClient(sock, { timeoutMs: 100 });
    onTestFinished(() => c.close());
    await expect(c.call('x')).rejects.toMatchObject({ code: 'HERO_TIMEOUT' });
    const gone = new RpcClient(path.join(dir, 'none.sock'));
    await expect(gone.call('x')).rejects.toMatchObject({ code: 'HERO_UNAVAILABLE' });
    await gone.close();
  });
});
