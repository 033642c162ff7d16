import { onTestFinished, describe, expect, it } from 'vitest';
import { FakeMycelium } from './fake-mycelium.js';
import { b64, startBus } from './helpers.js';

async function fake(): Promise<FakeMycelium> {
  const f = await new FakeMycelium().start();
  onTestFinished(() => f.stop());
  return f;
}

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('upstream Mycelium daemon', () => {
  it('pushes remote destinations upstream and proxies their status', async () => {
    const up = await fake();
    const { client } = await startBus({ upstream: up.url, upstream_pull: false });
    const id = await client.send({ dst: up.nodeIp, topic: 'remote', payload: 'hi there' });
    expect(up.pushed).toHaveLength(1);
    expect(up.pushed[0]!.body).toEqual({ dst: { ip: up.nodeIp }, topic: b64('remote'), payload: b64('hi there') });
    expect(up.pushed[0]!.id).toBe(id);
    expect((await client.getMessageInfo(id)).state).toEqual({ sending: { pending: 0, sent: 2, acked: 1 } });
    // local destinations still stay local
    const { nodePubkey } = await client.getInfo();
    await client.send({ dst: nodePubkey, payload: 'local' });
    expect(up.pushed).toHaveLength(1);
    expect((await client.popMessage())?.payload.toString()).toBe('local');
    // the upstream's answers come back unchanged
    up.replyPayload = b64('pong');
    const reply = await client.request({ dst: { pk: up.nodePk }, payload: 'ping' }, 5);
    expect(reply.payload.toString()).toBe('pong');
    expect(up.pushed[1]!.replyTimeout).toBe('5');
    expect((await client.getPublicKeyFromIp(up.nodeIp)).NodePubKey).toBe(up.nodePk);
  });

  it('pulls the upstream inbox into the local one and sends replies back upstream', async () => {
    const up = await fake();
    const { client } = await startBus({ upstream: up.url, upstream_poll_secs: 1 });
    const info = await client.getInfo();
    const waiting = client.popMessage({ timeout: 20, topic: 'supervisor.rpc' });
    up.receive({
      id: '0123456789abcdef',
      srcIp: up.nodeIp,
      srcPk: up.nodePk,
      dstIp: '400::2',
      dstPk: 'ef'.repeat(32),
      topic: b64('supervisor.rpc'),
      payload: b64('{"jsonrpc":"2.0"}'),
    });
    const msg = await waiting;
    expect(msg).toMatchObject({ id: '0123456789abcdef', srcPk: up.nodePk, topic: 'supervisor.rpc' });
    expect(msg!.payload.toString()).toBe('{"jsonrpc":"2.0"}');
    await client.reply(msg!, 'result');
    await until(() => up.replies.length === 1);
    expect(up.replies[0]).toEqual({ id: '0123456789abcdef', body: { dst: { pk: up.nodePk }, payload: b64('result') } });
    expect(info.nodePubkey).not.toBe(up.nodePk);
  });

  it('refuses an upstream answer without a valid message id, and keeps serving', async () => {
    const up = await fake();
    const { client } = await startBus({ upstream: up.url, upstream_pull: false });
    for (const answer of [{}, { id: 'short' }, { id: 42 }, null]) {
      up.pushAnswer = answer;
      await expect(client.send({ dst: up.nodeIp, payload: 'x' })).rejects.toMatchObject({ rpcCode: -32015, message: expect.stringContaining('without a valid message id') });
    }
    up.pushAnswer = undefined;
    expect(await client.send({ dst: up.nodeIp, payload: 'x' })).toMatch(/^[0-9a-f]{16}$/);
  });

  it('reports an unreachable upstream clearly', async () => {
    const up = await fake();
    const url = up.url;
    await up.stop();
    const { client } = await startBus({ upstream: url, upstream_pull: false });
    await expect(client.send({ dst: '5fd:7636:b80:9ad0::1', payload: 'x' })).rejects.toMatchObject({
      code: 'HERO_UNAVAILABLE',
      message: expect.stringMatching(/upstream .* unreachable/),
    });
  });
});
