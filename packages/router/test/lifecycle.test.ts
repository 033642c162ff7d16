import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema, run } from '../src/index.js';
import { request, startRouter, tempDir } from './helpers.js';

const exists = (p: string) => fs.stat(p).then(() => true, () => false);

describe('lifecycle', () => {
  it('runs two instances side by side and stops cleanly on abort', async () => {
    const a = await startRouter();
    const b = await startRouter();
    expect(a.port).not.toBe(b.port);
    expect((await request(a.port, 'GET', '/health')).status).toBe(200);
    expect((await request(b.port, 'GET', '/health')).status).toBe(200);
    expect(a.ready.sockets).toEqual({
      rpc: path.join(a.socketDir, 'hero_router', 'rpc.sock'),
      admin: path.join(a.socketDir, 'hero_router', 'admin.sock'),
    });
    const mode = (await fs.stat(a.ready.sockets.rpc!)).mode & 0o777;
    expect(mode).toBe(0o600);
    expect((await fs.stat(path.dirname(a.ready.sockets.rpc!))).mode & 0o777).toBe(0o700);
    await a.stop();
    expect(await exists(a.ready.sockets.rpc!)).toBe(false);
    expect(await exists(a.ready.sockets.admin!)).toBe(false);
    await expect(request(a.port, 'GET', '/health')).rejects.toThrow();
    expect((await request(b.port, 'GET', '/health')).status).toBe(200);
  });

  it('refuses a busy port or a socket dir already served, leaving nothing behind', async () => {
    const a = await startRouter();
    const dir = path.join(await tempDir(), 'sockets');
    await expect(
      run(configSchema.parse({ socket_dir: dir, listen: `127.0.0.1:${a.port}` }), new AbortController().signal),
    ).rejects.toMatchObject({ code: 'HERO_CONFLICT' });
    expect(await exists(path.join(dir, 'hero_router', 'rpc.sock'))).toBe(false);
    await expect(
      run(configSchema.parse({ socket_dir: a.socketDir, listen: '127.0.0.1:0' }), new AbortController().signal),
    ).rejects.toMatchObject({ code: 'HERO_SOCKET_IN_USE' });
    // the first one is untouched
    expect((await request(a.port, 'GET', '/health')).status).toBe(200);
  });

  it('runs without a TCP entry when listen is empty', async () => {
    const dir = path.join(await tempDir(), 'sockets');
    const ac = new AbortController();
    let tcp: unknown = 'unset';
    const done = run(configSchema.parse({ socket_dir: dir, listen: '' }), ac.signal, {
      onReady: (info) => {
        tcp = info.tcp;
        ac.abort();
      },
    });
    await done;
    expect(tcp).toBeUndefined();
  });
});
