import { afterEach, describe, expect, it } from 'vitest';
import { MyceliumRelay } from './relay.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
let relay: MyceliumRelay;
afterEach(() => relay?.stop());

async function call(url: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

const post = (url: string, body: unknown) => call(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('MyceliumRelay', () => {
  it('routes by public key and by any address of the /64, and carries replies back', async () => {
    relay = await new MyceliumRelay().start();
    relay.register('x', { nodePubkey: 'aa'.repeat(32), nodeSubnet: '4a1:2:3:4::/64' });
    relay.register('y', { nodePubkey: 'bb'.repeat(32), nodeSubnet: '5b2:1:0:9::/64' });
    const x = relay.upstreamFor('x');
    const y = relay.upstreamFor('y');

    // by key, no reply wanted
    const sent = await post(`${x}/api/v1/messages`, { dst: { pk: 'BB'.repeat(32) }, topic: b64('t'), payload: b64('one') });
    expect(sent.status).toBe(201);
    const got = await call(`${y}/api/v1/messages?timeout=5`);
    expect(got.body).toMatchObject({ id: sent.body!.id, srcPk: 'aa'.repeat(32), dstPk: 'bb'.repeat(32), topic: b64('t'), payload: b64('one') });

    // by an IP in y's /64 (written differently), with a reply
    const pulling = call(`${y}/api/v1/messages?timeout=10`);
    const asking = post(`${x}/api/v1/messages?reply_timeout=10`, { dst: { ip: '05b2:0001:0000:0009:1234::7' }, payload: b64('two') });
    const msg = (await pulling).body!;
    expect(msg.payload).toBe(b64('two'));
    expect((await post(`${y}/api/v1/messages/reply/${String(msg.id)}`, { dst: { pk: msg.srcPk }, payload: b64('answer') })).status).toBe(204);
    const answered = await asking;
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ id: msg.id, srcPk: 'bb'.repeat(32), payload: b64('answer') });
    expect(relay.hops.map((h) => `${h.kind} ${h.from}>${h.to}`)).toEqual(['message x>y', 'message x>y', 'reply y>x']);
  });

  it('answers 408 when no reply comes, 204 to an empty poll, and keeps a message for a poller that left', async () => {
    relay = await new MyceliumRelay().start();
    relay.register('x', { nodePubkey: 'aa'.repeat(32), nodeSubnet: '4a1:2:3:4::/64' });
    relay.register('y', { nodePubkey: 'bb'.repeat(32), nodeSubnet: '5b2:1:0:9::/64' });
    const x = relay.upstreamFor('x');
    const y = relay.upstreamFor('y');
    expect((await call(`${y}/api/v1/messages?timeout=0`)).status).toBe(204);
    const ac = new AbortController();
    const gone = fetch(`${y}/api/v1/messages?timeout=30`, { signal: ac.signal }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    await gone;
    await new Promise((r) => setTimeout(r, 100));
    const timed = await post(`${x}/api/v1/messages?reply_timeout=1`, { dst: { pk: 'bb'.repeat(32) }, payload: b64('kept') });
    expect(timed.status).toBe(408);
    expect((await call(`${y}/api/v1/messages?timeout=1`)).body).toMatchObject({ payload: b64('kept') });
    expect((await call(`${x}/api/v1/pubkey/5b2:1:0:9::1`)).body).toEqual({ NodePubKey: 'bb'.repeat(32) });
  });
});
