import path from 'node:path';
import { onTestFinished, describe, expect, it } from 'vitest';
import { MyceliumClient } from '../src/client.js';
import { b64, rawWs, rpcRaw, startBus, tempDir } from './helpers.js';

describe('lean WebSocket path for the hot calls', () => {
  it('answers exactly as the generic JSON-RPC path does, errors included', async () => {
    const { client, sock } = await startBus({ max_message_bytes: 1024 });
    const { nodePubkey } = await client.getInfo();
    const dst = { pk: nodePubkey };
    const { call } = await rawWs(sock);
    const cases: [string, unknown][] = [
      ['pushMessage', [{ dst, payload: 'not base64!' }]],
      ['pushMessage', [{ dst, payload: 'YWJjZA' }]],
      ['pushMessage', [{ dst, payload: b64('x'), topic: '%%%' }]],
      ['pushMessage', [{ dst: { host: 'x' }, payload: b64('x') }]],
      ['pushMessage', [{ dst: { ip: 'not-an-ip' }, payload: b64('x') }]],
      ['pushMessage', [{ dst: { pk: 'abcd' }, payload: b64('x') }]],
      ['pushMessage', [{ dst: { ip: '1::1', pk: nodePubkey }, payload: b64('x') }]],
      ['pushMessage', [{ dst: { ip: '1::1' }, payload: b64('x') }]], // no route
      ['pushMessage', [{ dst, payload: b64('x') }, -1]],
      ['pushMessage', [{ dst, payload: b64('x') }, 1.5]],
      ['pushMessage', [{ dst, payload: b64('x'), topic: b64('t'.repeat(256)) }]],
      ['pushMessage', [{ dst, payload: b64(Buffer.alloc(1025)) }]],
      ['pushMessage', []],
      ['pushMessage', [{ dst, payload: b64('x') }, 0, 1]],
      ['popMessage', [false, -1]],
      ['popMessage', ['yes']],
      ['popMessage', [false, 0, 'not base64']],
      ['popMessage', [false, 0, b64('x'.repeat(256))]],
      ['popMessage', [false, 0, null, 4]],
      ['popMessage', [null, null, null]],
      ['popMessage', []],
      ['popMessage', undefined],
      ['pushMessageReply', ['abc', { dst, payload: b64('r') }]],
      ['pushMessageReply', ['0123456789abcdeg', { dst, payload: b64('r') }]],
      ['pushMessageReply', ['0123456789abcdef', { dst, payload: 'bad' }]],
      ['pushMessageReply', ['0123456789abcdef']],
    ];
    for (const [method, params] of cases) {
      const viaHttp = await rpcRaw(sock, method, params);
      const viaWs = await call({ jsonrpc: '2.0', id: 1, method, ...(params === undefined ? {} : { params }) });
      expect(viaWs, `${method} ${JSON.stringify(params)?.slice(0, 80)}`).toEqual(viaHttp);
    }
    // a reply nobody waits for is queued; both paths then pop the same wire message
    expect(await call({ jsonrpc: '2.0', id: 'r', method: 'pushMessageReply', params: ['0123456789ABCDEF', { dst, payload: b64('r') }] })).toEqual({
      jsonrpc: '2.0',
      id: 'r',
      result: true,
    });
    await client.send({ dst: nodePubkey, topic: 'tp', payload: 'two' });
    const first = (await call({ jsonrpc: '2.0', id: 2, method: 'popMessage', params: [true, 0] })) as { result: unknown };
    expect(await rpcRaw(sock, 'popMessage', [true, 0])).toEqual({ jsonrpc: '2.0', id: 1, result: first.result });
    expect(first.result).toMatchObject({ id: '0123456789abcdef', payload: b64('r') });
    expect(await call({ jsonrpc: '2.0', id: 3, method: 'popMessage', params: [false, 0] })).toMatchObject({ id: 3, result: first.result });
    const second = (await call({ jsonrpc: '2.0', id: 4, method: 'popMessage', params: [false, 1, b64('t')] })) as { result: Record<string, unknown> };
    expect(Object.keys(second.result)).toEqual(['id', 'srcIp', 'srcPk', 'dstIp', 'dstPk', 'topic', 'payload']);
    expect(second.result).toMatchObject({ topic: b64('tp'), payload: b64('two'), srcPk: nodePubkey });
  });

  it('answers a batch of hot calls with one array, waiting pops included', async () => {
    const { client, sock } = await startBus();
    const { nodePubkey } = await client.getInfo();
    const { call } = await rawWs(sock);
    const push = (id: number, p: string) => ({ jsonrpc: '2.0', id, method: 'pushMessage', params: [{ dst: { pk: nodePubkey }, payload: b64(p) }] });
    const out = (await call([
      { jsonrpc: '2.0', id: 1, method: 'popMessage', params: [false, 5] },
      push(2, 'a'),
      push(3, 'b'),
      { jsonrpc: '2.0', id: 4, method: 'popMessage', params: [false, 0] },
      { jsonrpc: '2.0', id: 5, method: 'popMessage', params: [false, 0] },
    ])) as { id: number; result: { payload?: string; id: string } | null }[];
    expect(out.map((r) => r.id)).toEqual([1, 2, 3, 4, 5]);
    expect(out[0]!.result?.payload).toBe(b64('a'));
    expect(out[3]!.result?.payload).toBe(b64('b'));
    expect(out[4]!.result).toBeNull();
    expect(out[0]!.result?.id).toBe(out[1]!.result?.id);
    // a batch with any other call or a bad one takes the generic path, with the same answers
    const mixed = (await call([push(6, 'c'), { jsonrpc: '2.0', id: 7, method: 'getInfo' }, { jsonrpc: '2.0', id: 8, method: 'popMessage', params: ['x'] }])) as {
      id: number;
      error?: { code: number };
    }[];
    expect(mixed.map((r) => r.id)).toEqual([6, 7, 8]);
    expect(mixed[2]!.error?.code).toBe(-32602);
  });

  it('cancels a waiting pop on $/cancelRequest without losing the next message', async () => {
    const { client, sock } = await startBus();
    const { nodePubkey } = await client.getInfo();
    const { ws, call } = await rawWs(sock);
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'popMessage', params: [false, 30] }));
    ws.send(JSON.stringify({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 9 } }));
    expect(await call({ jsonrpc: '2.0', id: 10, method: 'getInfo' })).toEqual({ jsonrpc: '2.0', id: 9, result: null });
    await client.send({ dst: nodePubkey, payload: 'kept' });
    expect((await client.popMessage())?.payload.toString()).toBe('kept');
  });
});

describe('client autoBatch', () => {
  it('sends the calls of one tick that cannot wait as one batch frame; waiting calls alone', async () => {
    const { default: WebSocket, WebSocketServer } = await import('ws');
    const http = await import('node:http');
    const dir = await tempDir();
    const sock = path.join(dir, 'fake.sock');
    const server = http.createServer();
    const wss = new WebSocketServer({ server });
    const frames: unknown[] = [];
    wss.on('connection', (ws: InstanceType<typeof WebSocket>) => {
      ws.on('message', (d) => {
        const msg = JSON.parse(d.toString()) as { id: number; method: string } | { id: number; method: string }[];
        frames.push(msg);
        const answer = (m: { id: number; method: string }) => ({ jsonrpc: '2.0', id: m.id, result: m.method === 'popMessage' ? null : { id: '0123456789abcdef' } });
        ws.send(JSON.stringify(Array.isArray(msg) ? msg.map(answer) : answer(msg)));
      });
    });
    await new Promise<void>((r) => server.listen(sock, r));
    onTestFinished(() => new Promise<void>((r) => (wss.close(), server.close(() => r()))));
    const c = new MyceliumClient(sock, { transport: 'ws', autoBatch: true });
    onTestFinished(() => c.close());
    await c.getInfo().catch(() => undefined); // connect
    frames.length = 0;
    const dst = { pk: 'ab'.repeat(32) };
    const results = await Promise.all([
      c.pushMessageRaw({ dst, payload: b64('1') }),
      c.popMessageRaw(false, 3), // a long poll: its own frame
      c.pushMessageRaw({ dst, payload: b64('2') }),
      c.popMessageRaw(false, 0),
    ]);
    expect(results).toEqual([{ id: '0123456789abcdef' }, null, { id: '0123456789abcdef' }, null]);
    expect(frames).toHaveLength(2);
    const [batch, single] = frames as [{ method: string }[], { method: string; params: unknown[] }];
    expect(batch.map((m) => m.method)).toEqual(['pushMessage', 'pushMessage', 'popMessage']);
    expect(single).toMatchObject({ method: 'popMessage', params: [false, 3] });
    // a lone call is sent as itself, not as a batch of one
    frames.length = 0;
    await c.pushMessageRaw({ dst, payload: b64('3') });
    expect(Array.isArray(frames[0])).toBe(false);
  });

  it('works against the bus end to end', async () => {
    const { sock } = await startBus();
    const c = new MyceliumClient(sock, { transport: 'ws', autoBatch: true });
    onTestFinished(() => c.close());
    const { nodePubkey } = await c.getInfo();
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => c.send({ dst: nodePubkey, topic: 'ab', payload: `m${i}` })));
    expect(new Set(ids).size).toBe(20);
    const got = await Promise.all(Array.from({ length: 20 }, () => c.popMessage({ topic: 'ab', timeout: 5 })));
    expect(got.map((m) => m?.payload.toString()).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`).sort());
    await expect(c.getMessageInfo('nothex')).rejects.toMatchObject({ rpcCode: -32020 });
  });
});
