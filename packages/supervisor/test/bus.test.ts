import { describe, expect, it, onTestFinished } from 'vitest';
import { MyceliumClient } from '@hero/mycelium-bus';
import { busTransport, createCommandRunner, SupervisorClient } from '../src/index.js';
import { REGISTER, USER, redisServerBackend, startBus, startSupervisor, tempDir } from './helpers.js';

describe('the bus transport', () => {
  it('serves JSON-RPC on topic supervisor.rpc, by public key and by IP', async () => {
    const dir = await tempDir();
    const redis = await redisServerBackend.start(dir);
    const busSock = await startBus(dir);
    const sv = await startSupervisor(redis.url, { bus: true, bus_socket: busSock });
    await sv.client(REGISTER).registerRunner('cmd');
    const runner = createCommandRunner({ name: 'cmd', redis: redis.url });
    await runner.ready;
    const myc = new MyceliumClient(busSock);
    onTestFinished(async () => {
      await runner.close();
      await myc.close();
    });
    const node = await myc.getInfo();
    const byKey = new SupervisorClient(busTransport(myc, { pk: node.nodePubkey }), { secret: USER, timeoutMs: 30_000 });
    expect(await byKey.runJob({ runner: 'cmd', payload: 'echo over the bus', timeout: 20 })).toEqual({ success: 'over the bus\n' });
    const id = await byKey.createJob({ runner: 'cmd', payload: 'echo queued' }, { start: true });
    expect(await byKey.jobResult(id, 20)).toEqual({ success: 'queued\n' });
    expect(node.nodeIp).toBeTruthy();
    const byIp = new SupervisorClient(busTransport(myc, node.nodeIp!), { secret: USER, timeoutMs: 30_000 });
    expect((await byIp.jobStatus(id)).status).toBe('finished');
    // the bus always needs a secret
    const anon = new SupervisorClient(busTransport(myc, node.nodePubkey), { timeoutMs: 30_000 });
    await expect(anon.listRunners()).rejects.toMatchObject({ code: 'HERO_AUTH' });
    await expect(byKey.call('no.such.method')).rejects.toMatchObject({ rpcCode: -32601 });
  });
});
