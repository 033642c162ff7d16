import net from 'node:net';
import path from 'node:path';
import { onTestFinished, describe, expect, it } from 'vitest';
import { isReply, type InboundMessage } from '../src/client.js';
import { b64, rawRequest, rpcRaw, startBus } from './helpers.js';

describe('messages over JSON-RPC', () => {
  it('pushes to its own key and pops the message back; empty pop is null', async () => {
    const { client, sock } = await startBus();
    const info = await client.getInfo();
    expect(info.nodePubkey).toMatch(/^[0-9a-f]{64}$/);
    const push = await rpcRaw(sock, 'pushMessage', [{ dst: { pk: info.nodePubkey }, topic: b64('t.a'), payload: b64('hello') }]);
    const id = (push.result as { id: string }).id;
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    const pop = await rpcRaw(sock, 'popMessage', [false, 0]);
    expect(pop.result).toEqual({
      id,
      srcIp: info.nodeIp,
      srcPk: info.nodePubkey,
      dstIp: info.nodeIp,
      dstPk: info.nodePubkey,
      topic: b64('t.a'),
      payload: b64('hello'),
    });
    const empty = await rpcRaw(sock, 'popMessage', [false, 0]);
    expect(empty).toHaveProperty('result', null);
  });

  it('delivers to its own IP and to other IPs in its /64; omits topic when none', async () => {
    const { client } = await startBus();
    const info = await client.getInfo();
    const other = info.nodeSubnet.replace('::/64', '::1234');
    await client.send({ dst: info.nodeIp!, payload: 'one' });
    await client.send({ dst: { ip: other }, payload: 'two' });
    const a = await client.popMessageRaw();
    expect(a).not.toHaveProperty('topic');
    expect(Buffer.from(a!.payload, 'base64').toString()).toBe('one');
    const b = await client.popMessage();
    expect(b?.payload.toString()).toBe('two');
    expect(b?.dstIp).toBe(other);
  });

  it('peek leaves the message in the queue', async () => {
    const { client } = await startBus();
    const { nodePubkey } = await client.getInfo();
    await client.send({ dst: nodePubkey, payload: 'x' });
    const p1 = await client.popMessage({ peek: true });
    const p2 = await client.popMessage({ peek: true });
    expect(p1?.id).toBe(p2?.id);
    const taken = await client.popMessage();
    expect(taken?.id).toBe(p1?.id);
    expect(await client.popMessage()).toBeNull();
  });

  it('filters by topic prefix and keeps other topics queued', async () => {
    const { client } = await startBus();
    const { nodePubkey } = await client.getInfo();
    await client.send({ dst: nodePubkey, topic: 'jobs.a', payload: '1' });
    await client.send({ dst: nodePubkey, topic: 'logs', payload: '2' });
    await client.send({ dst: nodePubkey, topic: 'jobs.b', payload: '3' });
    expect((await client.popMessage({ topic: 'logs' }))?.payload.toString()).toBe('2');
    expect((await client.popMessage({ topic: 'jobs.' }))?.payload.toString()).toBe('1');
    expect((await client.popMessage({ topic: 'jobs.' }))?.topic).toBe('jobs.b');
    expect(await client.popMessage({ topic: 'jobs.' })).toBeNull();
  });

  it('long-polls: a waiting popper gets a message pushed later', async () => {
    const { client } = await startBus();
    const { nodePubkey } = await client.getInfo();
    const waiting = client.popMessage({ timeout: 20, topic: 'late' });
    await new Promise((r) => setTimeout(r, 50));
    await client.send({ dst: nodePubkey, topic: 'late', payload: 'now' });
    expect((await waiting)?.payload.toString()).toBe('now');
  });

  it('two waiting poppers each get one message', async () => {
    const { client, sock } = await startBus();
    const { MyceliumClient } = await import('../src/client.js');
    const other = new MyceliumClient(sock);
    onTestFinished(() => other.close());
    const { nodePubkey } = await client.getInfo();
    const a = client.popMessage({ timeout: 20 });
    const b = other.popMessage({ timeout: 20 });
    await new Promise((r) => setTimeout(r, 100));
    await client.send({ dst: nodePubkey, payload: 'm1' });
    await client.send({ dst: nodePubkey, payload: 'm2' });
    const got = [(await a)?.payload.toString(), (await b)?.payload.toString()].sort();
    expect(got).toEqual(['m1', 'm2']);
    expect(await client.popMessage()).toBeNull();
  });

  it('returns the reply when one comes within reply_timeout', async () => {
    const { client, sock } = await startBus();
    const { MyceliumClient } = await import('../src/client.js');
    const server = new MyceliumClient(sock);
    onTestFinished(() => server.close());
    const { nodePubkey } = await client.getInfo();
    const serving = (async () => {
      const req = await server.popMessage({ timeout: 20, topic: 'svc.rpc' });
      await server.reply(req!, `echo:${req!.payload.toString()}`);
      return req!.id;
    })();
    const reply = await client.request({ dst: nodePubkey, topic: 'svc.rpc', payload: 'ping' }, 20);
    expect(reply.payload.toString()).toBe('echo:ping');
    expect(reply.id).toBe(await serving);
    expect((await client.getMessageInfo(reply.id)).state).toBe('read');
  });

  it('returns {id} when no reply comes in time (JSON-RPC) and the reply lands in the inbox later', async () => {
    const { client, sock } = await startBus();
    const { nodePubkey } = await client.getInfo();
    const r = await rpcRaw(sock, 'pushMessage', [{ dst: { pk: nodePubkey }, topic: b64('q'), payload: b64('hi') }, 1]);
    expect(r.result).toEqual({ id: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const id = (r.result as { id: string }).id;
    const msg = await client.popMessage({ topic: 'q' });
    expect(msg?.id).toBe(id);
    // nobody waits any more: the reply is queued like a message, under the same id
    expect(await client.reply(msg!, 'late answer')).toBe(true);
    const late = await client.popMessage();
    expect(late?.id).toBe(id);
    expect(late?.payload.toString()).toBe('late answer');
  });

  it('reply_timeout 0 returns the id at once', async () => {
    const { client } = await startBus();
    const { nodePubkey } = await client.getInfo();
    const r = await client.pushMessageRaw({ dst: { pk: nodePubkey }, payload: b64('x') }, 0);
    expect(isReply(r)).toBe(false);
  });

  it('getMessageInfo goes received → read', async () => {
    const { client } = await startBus();
    const info = await client.getInfo();
    const before = Math.floor(Date.now() / 1000);
    const id = await client.send({ dst: info.nodePubkey, payload: 'abc' });
    const s1 = await client.getMessageInfo(id);
    expect(s1).toMatchObject({ dst: info.nodeIp, state: 'received', msgLen: 3 });
    expect(s1.created).toBeGreaterThanOrEqual(before);
    expect(s1.deadline).toBe(s1.created + 300);
    await client.popMessage({ peek: true });
    expect((await client.getMessageInfo(id)).state).toBe('received');
    await client.popMessage();
    expect((await client.getMessageInfo(id)).state).toBe('read');
    const nf = await rpcRaw(client.target, 'getMessageInfo', ['0123456789abcdef']);
    expect(nf.error?.code).toBe(404);
  });

  it('unread messages expire and their state becomes aborted', async () => {
    const { client } = await startBus({ message_ttl_secs: 1 });
    const { nodePubkey } = await client.getInfo();
    const id = await client.send({ dst: nodePubkey, payload: 'soon gone' });
    const deadline = Date.now() + 20_000;
    let state = (await client.getMessageInfo(id)).state;
    while (state !== 'aborted' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      state = (await client.getMessageInfo(id)).state;
    }
    expect(state).toBe('aborted');
    expect(await client.popMessage()).toBeNull();
  });

  it('refuses messages beyond the queue limits and keeps what is queued', async () => {
    const { client, sock } = await startBus({ max_queue_messages: 2, max_queue_bytes: 1000 });
    const { nodePubkey } = await client.getInfo();
    await client.send({ dst: nodePubkey, topic: 'a', payload: '1' });
    await client.send({ dst: nodePubkey, topic: 'a', payload: '2' });
    const full = await rpcRaw(sock, 'pushMessage', [{ dst: { pk: nodePubkey }, topic: b64('a'), payload: b64('3') }]);
    expect(full.error).toMatchObject({ code: -32015, data: { code: 'HERO_QUEUE_FULL' } });
    // other topics have their own queue
    await client.send({ dst: nodePubkey, topic: 'b', payload: 'other' });
    const big = await rpcRaw(sock, 'pushMessage', [{ dst: { pk: nodePubkey }, topic: b64('c'), payload: b64('x'.repeat(1001)) }]);
    expect(big.error?.data?.code).toBe('HERO_QUEUE_FULL');
    const rest = await rawRequest(sock, 'POST', '/api/v1/messages', JSON.stringify({ dst: { pk: nodePubkey }, topic: b64('a'), payload: b64('4') }));
    expect(rest.status).toBe(429);
    expect((await client.popMessage({ topic: 'a' }))?.payload.toString()).toBe('1');
    expect((await client.popMessage({ topic: 'a' }))?.payload.toString()).toBe('2');
    // room again
    await client.send({ dst: nodePubkey, topic: 'a', payload: '5' });
  });

  it('forwards a topic to a Unix socket and sends its answer back as the reply', async () => {
    const { client, dir } = await startBus();
    const sockPath = path.join(dir, 'fwd.sock');
    const seen: string[] = [];
    const srv = net.createServer((c) => {
      const chunks: Buffer[] = [];
      c.on('data', (d: Buffer) => chunks.push(d));
      c.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        seen.push(text);
        c.end(text.toUpperCase());
      });
    });
    await new Promise<void>((r) => srv.listen(sockPath, r));
    onTestFinished(() => new Promise<void>((r) => srv.close(() => r())));
    await client.setTopicForwardSocket('fwd', sockPath);
    expect(await client.getTopicForwardSocket('fwd')).toBe(sockPath);
    const { nodePubkey } = await client.getInfo();
    const reply = await client.request({ dst: nodePubkey, topic: 'fwd', payload: 'shout' }, 20);
    expect(reply.payload.toString()).toBe('SHOUT');
    expect(seen).toEqual(['shout']);
    expect(await client.popMessage()).toBeNull();
    // a dead forward socket keeps the message in the inbox
    await client.setTopicForwardSocket('fwd2', path.join(dir, 'nobody.sock'));
    const id = await client.send({ dst: nodePubkey, topic: 'fwd2', payload: 'kept' });
    const kept = await client.popMessage({ timeout: 20, topic: 'fwd2' });
    expect(kept?.id).toBe(id);
    await client.removeTopicForwardSocket('fwd');
    expect(await client.getTopicForwardSocket('fwd')).toBeNull();
  });

  it('getMessageInfo shows pending while a forward socket works, then read', async () => {
    const { client, dir } = await startBus();
    const sockPath = path.join(dir, 'slow.sock');
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const srv = net.createServer((c) => {
      c.on('data', () => {});
      c.on('end', () => void released.then(() => c.end()));
    });
    await new Promise<void>((r) => srv.listen(sockPath, r));
    onTestFinished(() => new Promise<void>((r) => srv.close(() => r())));
    await client.setTopicForwardSocket('slow', sockPath);
    const { nodePubkey } = await client.getInfo();
    const id = await client.send({ dst: nodePubkey, topic: 'slow', payload: 'work' });
    expect((await client.getMessageInfo(id)).state).toBe('pending');
    release();
    await expect.poll(async () => (await client.getMessageInfo(id)).state, { timeout: 20_000 }).toBe('read');
    // an empty answer sends no reply
    expect(await client.popMessage()).toBeNull();
  });
});

describe('messages over REST', () => {
  it('push 201 / pop 200 / empty 204, status and 408 with {id}', async () => {
    const { client, sock } = await startBus();
    const info = await client.getInfo();
    const body = JSON.stringify({ dst: { pk: info.nodePubkey }, topic: b64('r'), payload: b64('rest!') });
    const pushed = await rawRequest(sock, 'POST', '/api/v1/messages', body);
    expect(pushed.status).toBe(201);
    const { id } = pushed.json() as { id: string };
    const status = await rawRequest(sock, 'GET', `/api/v1/messages/status/${id}`);
    expect(status.status).toBe(200);
    expect(status.json()).toMatchObject({ state: 'received', msgLen: 5 });
    const peeked = await rawRequest(sock, 'GET', `/api/v1/messages?peek=true&topic=${encodeURIComponent(b64('r'))}`);
    expect(peeked.status).toBe(200);
    const popped = await rawRequest(sock, 'GET', '/api/v1/messages?timeout=0');
    expect(popped.status).toBe(200);
    expect((popped.json() as InboundMessage).payload).toBe(b64('rest!'));
    expect((await rawRequest(sock, 'GET', '/api/v1/messages')).status).toBe(204);
    expect((await rawRequest(sock, 'GET', '/api/v1/messages/status/0123456789abcdef')).status).toBe(404);
    const timedOut = await rawRequest(sock, 'POST', '/api/v1/messages?reply_timeout=1', body);
    expect(timedOut.status).toBe(408);
    expect(timedOut.json()).toEqual({ id: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });

  it('reply over REST reaches a sender waiting over REST', async () => {
    const { client, sock } = await startBus();
    const { nodePubkey } = await client.getInfo();
    const body = JSON.stringify({ dst: { pk: nodePubkey }, payload: b64('question') });
    const waiting = rawRequest(sock, 'POST', '/api/v1/messages?reply_timeout=20', body);
    const msg = await client.popMessage({ timeout: 20 });
    const rep = await rawRequest(sock, 'POST', `/api/v1/messages/reply/${msg!.id}`, JSON.stringify({ dst: { pk: nodePubkey }, payload: b64('answer') }));
    expect(rep.status).toBe(204);
    const r = await waiting;
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ id: msg!.id, payload: b64('answer') });
  });

  it('serves admin info and pubkey lookups', async () => {
    const { client, sock } = await startBus();
    const info = await client.getInfo();
    const admin = await rawRequest(sock, 'GET', '/api/v1/admin');
    expect(admin.json()).toEqual(info);
    const pk = await rawRequest(sock, 'GET', `/api/v1/pubkey/${info.nodeIp}`);
    expect(pk.json()).toEqual({ NodePubKey: info.nodePubkey });
    expect((await rawRequest(sock, 'GET', '/api/v1/pubkey/5fd:7636:b80:9ad0::1')).status).toBe(404);
    expect((await rawRequest(sock, 'GET', '/api/v1/pubkey/not-an-ip')).status).toBe(400);
  });
});
