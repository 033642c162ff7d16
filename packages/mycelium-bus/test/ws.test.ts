import { onTestFinished, describe, expect, it } from 'vitest';
import { MyceliumClient } from '../src/client.js';
import { startBus } from './helpers.js';

function wsClient(sock: string): MyceliumClient {
  const c = new MyceliumClient(sock, { transport: 'ws' });
  onTestFinished(() => c.close());
  return c;
}

describe('client transports', () => {
  it('the http transport does the same round trip', async () => {
    const { sock } = await startBus();
    const c = new MyceliumClient(sock, { transport: 'http' });
    onTestFinished(() => c.close());
    const { nodePubkey } = await c.getInfo();
    const serving = (async () => {
      const m = await c.popMessage({ timeout: 20 });
      await c.reply(m!, 'pong');
    })();
    const r = await c.request({ dst: nodePubkey, payload: 'ping' }, 20);
    expect(r.payload.toString()).toBe('pong');
    await serving;
    await expect(c.getMessageInfo('bad')).rejects.toMatchObject({ rpcCode: -32020 });
  });
});

describe('JSON-RPC over WebSocket', () => {
  it('serves the pop → handle → reply loop on one connection', async () => {
    const { sock } = await startBus();
    const server = wsClient(sock);
    const caller = wsClient(sock);
    const { nodePubkey } = await caller.getInfo();
    let handled = 0;
    const ac = new AbortController();
    const loop = (async () => {
      while (!ac.signal.aborted) {
        const m = await server.popMessage({ timeout: 5, topic: 'svc' }).catch(() => null);
        if (!m) continue;
        handled++;
        await server.reply(m, Buffer.concat([Buffer.from('re:'), m.payload]));
      }
    })();
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => caller.request({ dst: nodePubkey, topic: 'svc', payload: `n${i}` }, 10)),
    );
    expect(replies.map((r) => r.payload.toString())).toEqual(Array.from({ length: 20 }, (_, i) => `re:n${i}`));
    expect(handled).toBe(20);
    ac.abort();
    await server.close();
    await loop;
  });

  it('carries frames of every size, and many in one tick, both ways', async () => {
    const { sock } = await startBus();
    const c = wsClient(sock);
    const { nodePubkey } = await c.getInfo();
    // 7-bit, 16-bit and 64-bit frame lengths; the pushes of one tick leave in one write
    const payloads = [Buffer.from('s'), Buffer.alloc(300, 1), Buffer.alloc(100_000, 2), Buffer.alloc(70_000, 3)];
    await Promise.all(payloads.map((payload) => c.pushMessage({ dst: nodePubkey, topic: 'sizes', payload })));
    const popped = await Promise.all(payloads.map(() => c.popMessage({ topic: 'sizes' })));
    expect(popped.map((m) => m!.payload.length).sort((a, b) => a - b)).toEqual([1, 300, 70_000, 100_000]);
    for (const m of popped) expect(payloads.some((p) => p.equals(m!.payload))).toBe(true);
  });

  it('refuses upgrades from web pages (an Origin header)', async () => {
    const { sock } = await startBus();
    const { default: WebSocket } = await import('ws');
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws+unix:${sock}:/rpc`, { headers: { origin: 'http://evil.example' } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
    expect(status).toBe(403);
  });

  it('reports errors with their codes and keeps the connection usable', async () => {
    const { sock } = await startBus();
    const c = wsClient(sock);
    await expect(c.getMessageInfo('nothex')).rejects.toMatchObject({ rpcCode: -32020 });
    await expect(c.getMessageInfo('0123456789abcdef')).rejects.toMatchObject({ rpcCode: 404 });
    expect((await c.getInfo()).nodePubkey).toMatch(/^[0-9a-f]{64}$/);
  });

  it('an aborted long poll does not swallow the next message', async () => {
    const { sock, client } = await startBus();
    const c = wsClient(sock);
    const { nodePubkey } = await client.getInfo();
    const ac = new AbortController();
    const p = c.popMessage({ timeout: 30, signal: ac.signal });
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    await expect(p).rejects.toBeDefined();
    await expect.poll(async () => (await client.getInfo()) && true).toBe(true);
    // give the server a moment to see the connection go
    await new Promise((r) => setTimeout(r, 500));
    await client.send({ dst: nodePubkey, payload: 'kept' });
    expect((await c.popMessage({ timeout: 5 }))?.payload.toString()).toBe('kept');
  });
});

describe('WebSocket reconnects', () => {
  it('fails pending calls when the bus stops and reconnects once it is back', async () => {
    const { configSchema, run } = await import('../src/index.js');
    const path = await import('node:path');
    const { tempDir } = await import('./helpers.js');
    const dir = await tempDir();
    const config = configSchema.parse({ socket_dir: path.join(dir, 's'), data_dir: path.join(dir, 'd') });
    const start = async () => {
      const ac = new AbortController();
      let ready!: () => void;
      const p = new Promise<void>((r) => (ready = r));
      const done = run(config, ac.signal, { onReady: () => ready() });
      await p;
      return { ac, done };
    };
    const first = await start();
    const c = wsClient(path.join(dir, 's', 'mycelium', 'rpc.sock'));
    const before = await c.getInfo();
    const waiting = c.popMessage({ timeout: 60 }).catch((e: { code: string }) => e.code);
    await new Promise((r) => setTimeout(r, 50));
    first.ac.abort();
    await first.done;
    // the bus answered the long poll with "no message" or the connection dropped
    expect(await waiting).toBeNull();
    await expect(c.getInfo()).rejects.toMatchObject({ code: 'HERO_UNAVAILABLE' });
    const second = await start();
    expect((await c.getInfo()).nodePubkey).toBe(before.nodePubkey);
    second.ac.abort();
    await second.done;
  });
});

describe('WebSocket client housekeeping', () => {
  it('does not pile up abort listeners on a reused signal', async () => {
    const { sock } = await startBus();
    const c = wsClient(sock);
    const ac = new AbortController();
    let added = 0;
    let removed = 0;
    const add = ac.signal.addEventListener.bind(ac.signal);
    const remove = ac.signal.removeEventListener.bind(ac.signal);
    ac.signal.addEventListener = ((...a: Parameters<typeof add>) => (added++, add(...a))) as typeof add;
    ac.signal.removeEventListener = ((...a: Parameters<typeof remove>) => (removed++, remove(...a))) as typeof remove;
    for (let i = 0; i < 50; i++) expect(await c.popMessage({ timeout: 0, signal: ac.signal })).toBeNull();
    expect(added).toBe(50);
    expect(removed).toBe(50);
    ac.abort();
    await expect(c.popMessage({ signal: ac.signal })).rejects.toBeDefined();
  });
});
