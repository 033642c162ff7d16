import { describe, expect, it } from 'vitest';
import { MAX_BATCH, MAX_WAITING } from '../src/ws-server.js';
import { b64, rawWs, startBus } from './helpers.js';

type Answer = { id?: unknown; result?: unknown; error?: { code: number; message: string } };

describe('WebSocket limits: no frame takes the bus down or loses a message', () => {
  it('takes a valid multi-megabyte payload (a regex would overflow its stack here)', async () => {
    const { client, sock } = await startBus();
    const { nodePubkey } = await client.getInfo();
    const payload = 'A'.repeat(4_600_000); // 3.45 MB decoded, under the 4 MiB default limit
    const { call } = await rawWs(sock);
    const pushed = (await call({ jsonrpc: '2.0', id: 1, method: 'pushMessage', params: [{ dst: { pk: nodePubkey }, payload }] })) as Answer;
    expect(pushed.error).toBeUndefined();
    const popped = (await call({ jsonrpc: '2.0', id: 2, method: 'popMessage', params: [false, 0] })) as Answer;
    expect((popped.result as { payload: string }).payload).toHaveLength(payload.length);
  });

  it(`refuses a batch of more than ${MAX_BATCH} calls, running none of them`, async () => {
    const { client, sock } = await startBus();
    const { nodePubkey } = await client.getInfo();
    const { call } = await rawWs(sock);
    const push = (id: number) => ({ jsonrpc: '2.0', id, method: 'pushMessage', params: [{ dst: { pk: nodePubkey }, payload: b64('x') }] });
    const big = (await call(Array.from({ length: MAX_BATCH + 1 }, (_, i) => push(i)))) as Answer;
    expect(big.error).toMatchObject({ code: -32600, message: expect.stringContaining(`at most ${MAX_BATCH}`) });
    expect(await client.popMessage({ timeout: 0 })).toBeNull();
    expect(await call([push(1), push(2)])).toHaveLength(2);
  });

  it('answers a batch whose answer would pass the longest string with an error, and keeps serving', async () => {
    const { client, sock } = await startBus();
    const { nodePubkey } = await client.getInfo();
    await client.pushMessageRaw({ dst: { pk: nodePubkey }, payload: 'A'.repeat(4_000_000) });
    const { call } = await rawWs(sock);
    const peeks = Array.from({ length: 200 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'popMessage', params: [true] }));
    expect(((await call(peeks)) as Answer).error).toMatchObject({ code: -32603 });
    expect((await client.getInfo()).nodePubkey).toBe(nodePubkey);
  });

  it('refuses a second waiting call with the id of one still waiting, so none is orphaned', async () => {
    const { client, sock } = await startBus();
    const { nodePubkey } = await client.getInfo();
    const { call, ws } = await rawWs(sock);
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'popMessage', params: [false, 3600] }));
    const second = (await call({ jsonrpc: '2.0', id: 7, method: 'popMessage', params: [false, 3600] })) as Answer;
    expect(second.error).toMatchObject({ code: -32600, message: expect.stringContaining('already in use') });
    ws.terminate();
    await new Promise((r) => setTimeout(r, 100));
    // the connection's only wait ended with it: the next message waits for a reader
    const { id } = (await client.pushMessage({ dst: { pk: nodePubkey }, payload: 'kept' })) as { id: string };
    expect(await client.getMessageInfo(id)).toMatchObject({ state: 'received' });
    expect(await client.popMessage({ timeout: 0 })).toMatchObject({ id });
  });

  it(`refuses more than ${MAX_WAITING} waiting calls on one connection, and closing it ends them all at once`, async () => {
    const { client, sock } = await startBus();
    const { call, ws } = await rawWs(sock);
    const topic = b64('nobody-sends-here');
    ws.send(JSON.stringify(Array.from({ length: MAX_WAITING }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'popMessage', params: [false, 3600, topic] }))));
    // a ping after the batch: every poll of it is registered once this answers
    await client.getInfo();
    const over = (await call({ jsonrpc: '2.0', id: 'one-more', method: 'popMessage', params: [false, 3600, topic] })) as Answer;
    expect(over.error).toMatchObject({ code: -32000, message: expect.stringContaining(`at most ${MAX_WAITING}`) });
    ws.terminate();
    await new Promise((r) => setTimeout(r, 200));
    expect((await client.getInfo()).nodePubkey).toMatch(/^[0-9a-f]{64}$/);
  });

  it('drops a client that keeps asking for big answers without reading them', async () => {
    const { client, sock } = await startBus({ max_message_bytes: 1_000_000 });
    const { nodePubkey } = await client.getInfo();
    await client.pushMessage({ dst: { pk: nodePubkey }, payload: Buffer.alloc(900_000) });
    const { ws } = await rawWs(sock);
    const closed = new Promise((r) => ws.once('close', r));
    // stop reading: answers pile up on the bus's side of the socket
    (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    for (let i = 0; i < 60; i++) ws.send(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'popMessage', params: [true] }));
    // a paused reader never sees the bus hang up; its next writes do
    ws.on('error', () => {});
    const poke = setInterval(() => ws.send('{}'), 50);
    await closed;
    clearInterval(poke);
    expect((await client.getInfo()).nodePubkey).toBe(nodePubkey);
  });
});
