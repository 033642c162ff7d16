import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema, run } from '../src/index.js';
import { rawRequest, startBus, tempDir } from './helpers.js';

describe('lifecycle', () => {
  it('keeps its key 0600 in the data dir and the same identity across restarts', async () => {
    const first = await startBus();
    const info = await first.client.getInfo();
    const keyFile = path.join(first.dir, 'data', 'priv_key.bin');
    const st = await fs.stat(keyFile);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.size).toBe(32);
    await first.stop();
    await expect(fs.stat(first.sock)).rejects.toThrow();
    const ac = new AbortController();
    const config = configSchema.parse({ socket_dir: path.join(first.dir, 's'), data_dir: path.join(first.dir, 'data') });
    let sock = '';
    const done = run(config, ac.signal, { onReady: (i) => (sock = i.sockets.rpc!) });
    await expect.poll(() => sock).not.toBe('');
    const again = (await rawRequest(sock, 'GET', '/api/v1/admin')).json() as { nodePubkey: string; nodeIp: string };
    expect(again.nodePubkey).toBe(info.nodePubkey);
    expect(again.nodeIp).toBe(info.nodeIp);
    ac.abort();
    await done;
  });

  it('refuses a second instance on the same socket and serves health/openrpc', async () => {
    const a = await startBus();
    const config = configSchema.parse({ socket_dir: path.join(a.dir, 's'), data_dir: path.join(a.dir, 'data2') });
    await expect(run(config, new AbortController().signal)).rejects.toMatchObject({ code: 'HERO_SOCKET_IN_USE' });
    expect((await rawRequest(a.sock, 'GET', '/health')).json()).toMatchObject({ status: 'ok', service: 'mycelium' });
    const doc = (await rawRequest(a.sock, 'GET', '/openrpc.json')).json() as { methods: { name: string; params: { name: string }[] }[] };
    const pop = doc.methods.find((m) => m.name === 'popMessage')!;
    expect(pop.params.map((p) => p.name)).toEqual(['peek', 'timeout', 'topic']);
    const push = doc.methods.find((m) => m.name === 'pushMessage')!;
    expect(push.params.map((p) => p.name)).toEqual(['message', 'reply_timeout']);
  });

  it('serves JSON-RPC and REST on optional loopback TCP listeners', async () => {
    const { ready } = await startBus({ rpc_tcp: '127.0.0.1:0', rest_tcp: '127.0.0.1:0' });
    expect(Object.keys(ready.tcp ?? {})).toEqual(['rpc', 'rest']);
    const res = await fetch(`http://${ready.tcp!.rest}/api/v1/admin`);
    expect(res.status).toBe(200);
    const rpc = await fetch(`http://${ready.tcp!.rpc}/`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getInfo' }) });
    expect(((await rpc.json()) as { result: { nodePubkey: string } }).result.nodePubkey).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects non-loopback TCP, bad upstream URLs and unknown keys in the config', async () => {
    expect(configSchema.safeParse({ rpc_tcp: '0.0.0.0:8990' }).success).toBe(false);
    expect(configSchema.safeParse({ rest_tcp: 'nonsense' }).success).toBe(false);
    expect(configSchema.safeParse({ upstream: 'ftp://x' }).success).toBe(false);
    expect(configSchema.safeParse({ surprise: 1 }).success).toBe(false);
    const dir = await tempDir();
    const config = configSchema.parse({
      socket_dir: path.join(dir, 's'),
      data_dir: path.join(dir, 'd'),
      topics: [{ topic: 'x', sources: ['not a subnet'] }],
    });
    await expect(run(config, new AbortController().signal)).rejects.toMatchObject({ code: 'HERO_CONFIG' });
    await expect(fs.stat(path.join(dir, 's', 'mycelium', 'rpc.sock'))).rejects.toThrow();
  });

  it('a pending long-poll does not hold up shutdown', async () => {
    const { client, stop, done } = await startBus();
    const waiting = client.popMessage({ timeout: 600 }).catch(() => null);
    await new Promise((r) => setTimeout(r, 50));
    const t = Date.now();
    await stop();
    await done;
    expect(await waiting).toBeNull();
    expect(Date.now() - t).toBeLessThan(5000);
  });
});
