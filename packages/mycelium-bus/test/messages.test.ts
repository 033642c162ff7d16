import { describe, expect, it } from 'vitest';
import { b64, rawRequest, rpcRaw, startBus } from './helpers.js';

describe('messages over JSON-RPC', () => {
  it('pushes to its own key and pops the message back', async () => {
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
});
