import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { b64, rawRequest, rpcRaw, startBus, tempDir } from './helpers.js';

describe('bad input gets a clear error and loses nothing', () => {
  it('rejects malformed pushMessage params with Mycelium codes', async () => {
    const { client, sock } = await startBus({ max_message_bytes: 1024 });
    const { nodePubkey } = await client.getInfo();
    const dst = { pk: nodePubkey };
    const cases: [unknown, number][] = [
      [[{ dst, payload: 'not base64!' }], -32602],
      [[{ dst, payload: 'YWJj' + 'Z' }], -32602], // wrong length
      [[{ dst, payload: 'YWJjZA' }], -32602], // unpadded
      [[{ dst, payload: b64('x'), topic: '%%%' }], -32602],
      [[{ dst: { host: 'x' }, payload: b64('x') }], -32602], // unknown destination form
      [[{ dst: { ip: 'not-an-ip' }, payload: b64('x') }], -32602],
      [[{ dst: { pk: 'abcd' }, payload: b64('x') }], -32602],
      [[{ dst: { ip: '1::1', pk: nodePubkey }, payload: b64('x') }], -32602],
      [[{ dst, payload: b64('x') }, -1], -32602], // negative timeout
      [[{ dst, payload: b64('x') }, 1e12], -32602], // huge timeout
      [[{ dst, payload: b64('x') }, 1.5], -32602],
      [[{ dst, payload: b64('x'), topic: b64('t'.repeat(256)) }], -32015], // topic over 255 bytes
      [[{ dst, payload: b64(Buffer.alloc(1025)) }], -32015], // oversized payload
      [[], -32602],
    ];
    for (const [params, code] of cases) {
      const r = await rpcRaw(sock, 'pushMessage', params);
      expect(r.error?.code, JSON.stringify(params).slice(0, 80)).toBe(code);
      expect(typeof r.error?.message).toBe('string');
    }
    const tooLarge = await rpcRaw(sock, 'pushMessage', [{ dst, payload: b64(Buffer.alloc(1025)) }]);
    expect(tooLarge.error?.data?.code).toBe('HERO_TOO_LARGE');
    // a 255-byte topic is fine
    await client.send({ dst: nodePubkey, topic: 't'.repeat(255), payload: 'ok' });
    expect((await client.popMessage())?.topic).toBe('t'.repeat(255));
  });

  it('rejects bad popMessage params', async () => {
    const { sock } = await startBus();
    expect((await rpcRaw(sock, 'popMessage', [false, -1])).error?.code).toBe(-32602);
    expect((await rpcRaw(sock, 'popMessage', [false, 99999999])).error?.code).toBe(-32602);
    expect((await rpcRaw(sock, 'popMessage', ['yes'])).error?.code).toBe(-32602);
    expect((await rpcRaw(sock, 'popMessage', [false, 0, 'not base64'])).error?.code).toBe(-32013);
    expect((await rpcRaw(sock, 'popMessage', [false, 0, b64('x'.repeat(256))])).error?.code).toBe(-32013);
    expect((await rpcRaw(sock, 'popMessage', [false, 0, null, 4])).error?.code).toBe(-32602);
    // nulls stand for absent optional params, as Mycelium clients send them
    expect(await rpcRaw(sock, 'popMessage', [null, null, null])).toHaveProperty('result', null);
  });

  it('rejects bad ids', async () => {
    const { client, sock } = await startBus();
    const { nodePubkey } = await client.getInfo();
    const body = { dst: { pk: nodePubkey }, payload: b64('r') };
    expect((await rpcRaw(sock, 'pushMessageReply', ['abc', body])).error?.code).toBe(-32018);
    expect((await rpcRaw(sock, 'pushMessageReply', ['0123456789abcdeg', body])).error?.code).toBe(-32018);
    expect((await rpcRaw(sock, 'getMessageInfo', ['0123456789abcdef0'])).error?.code).toBe(-32020);
    expect((await rpcRaw(sock, 'getMessageInfo', [12])).error?.code).toBe(-32602);
    expect((await rawRequest(sock, 'GET', '/api/v1/messages/status/abc')).status).toBe(400);
    expect((await rawRequest(sock, 'POST', '/api/v1/messages/reply/abc', JSON.stringify(body))).status).toBe(400);
  });

  it('gives a clear "no route" error for other nodes without an upstream', async () => {
    const { client, sock } = await startBus();
    const r = await rpcRaw(sock, 'pushMessage', [{ dst: { ip: '5fd:7636:b80:9ad0::1' }, payload: b64('x') }]);
    expect(r.error).toMatchObject({ code: -32015, data: { code: 'HERO_NO_ROUTE' } });
    expect(r.error?.message).toMatch(/no route to 5fd:7636:b80:9ad0::1/);
    const other = 'a'.repeat(64);
    const rest = await rawRequest(sock, 'POST', '/api/v1/messages', JSON.stringify({ dst: { pk: other }, payload: b64('x') }));
    expect(rest.status).toBe(503);
    expect(await client.popMessage()).toBeNull();
  });

  it('REST answers 400 for bad bodies and queries, 413 for huge bodies', async () => {
    const { client, sock } = await startBus({ max_message_bytes: 1024 });
    const { nodePubkey } = await client.getInfo();
    expect((await rawRequest(sock, 'POST', '/api/v1/messages', '{not json')).status).toBe(400);
    expect((await rawRequest(sock, 'POST', '/api/v1/messages', JSON.stringify({ dst: { pk: nodePubkey }, payload: '!!' }))).status).toBe(400);
    expect((await rawRequest(sock, 'GET', '/api/v1/messages?timeout=-1')).status).toBe(400);
    expect((await rawRequest(sock, 'GET', '/api/v1/messages?timeout=abc')).status).toBe(400);
    expect((await rawRequest(sock, 'GET', '/api/v1/messages?peek=maybe')).status).toBe(400);
    expect((await rawRequest(sock, 'GET', '/api/v1/messages?topic=%25%25')).status).toBe(400);
    expect(
      (await rawRequest(sock, 'POST', '/api/v1/messages?reply_timeout=99999999', JSON.stringify({ dst: { pk: nodePubkey }, payload: b64('x') })))
        .status,
    ).toBe(400);
    const over = await rawRequest(sock, 'POST', '/api/v1/messages', JSON.stringify({ dst: { pk: nodePubkey }, payload: b64(Buffer.alloc(1025)) }));
    expect(over.status).toBe(413);
    const huge = await rawRequest(sock, 'POST', '/api/v1/messages', JSON.stringify({ dst: { pk: nodePubkey }, payload: 'A'.repeat(200_000) }));
    expect(huge.status).toBe(413);
    // still serving, nothing was queued
    expect(await client.popMessage()).toBeNull();
    expect((await client.getInfo()).nodePubkey).toBe(nodePubkey);
  });

  it("refuses forward sockets inside the Hero socket dir (the services' own sockets) or relative", async () => {
    const { client, ready } = await startBus();
    const socketDir = path.dirname(path.dirname(ready.sockets.rpc!));
    const procSock = path.join(socketDir, 'hero_proc', 'rpc.sock');
    await expect(client.setTopicForwardSocket('t', procSock)).rejects.toMatchObject({ rpcCode: -32602, message: expect.stringContaining('outside the Hero socket dir') });
    await expect(client.setTopicForwardSocket('t', ready.sockets.rpc!)).rejects.toMatchObject({ rpcCode: -32602 });
    await expect(client.setTopicForwardSocket('t', 'relative.sock')).rejects.toMatchObject({ message: expect.stringContaining('absolute') });
    // a symlink outside that leads inside is the same thing
    const outside = await tempDir();
    await fs.symlink(socketDir, path.join(outside, 'link'));
    await expect(client.setTopicForwardSocket('t', path.join(outside, 'link', 'hero_proc', 'rpc.sock'))).rejects.toMatchObject({ rpcCode: -32602 });
    expect(await client.getTopicForwardSocket('t')).toBeNull();
  });

  it('refuses a configured forward socket inside the socket dir, naming the field', async () => {
    const dir = await tempDir();
    await expect(
      startBus({ socket_dir: path.join(dir, 's'), topics: [{ topic: 'x', forward_socket: path.join(dir, 's', 'hero_proc', 'rpc.sock') }] }),
    ).rejects.toMatchObject({ code: 'HERO_CONFIG', issues: [expect.stringMatching(/^topics.0.forward_socket: socket_path must be outside the Hero socket dir/)] });
  });
});

