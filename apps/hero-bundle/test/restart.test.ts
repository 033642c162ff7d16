import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { RpcClient } from '@hero/core';
import * as db from '@hero/db';
import * as indexer from '@hero/indexer';
import { Orchestrator, type ServiceTask } from '../src/orchestrator.js';

describe('a failing service inside the bundle', () => {
  it('is restarted with backoff while the real services keep answering', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hero-bundle-restart-'));
    onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
    const socketDir = path.join(dir, 'sockets');
    let starts = 0;
    let crash!: (err: Error) => void;
    const flaky: ServiceTask = {
      key: 'flaky',
      service: 'flaky',
      start: (signal, ctx) =>
        new Promise<void>((resolve, reject) => {
          starts++;
          crash = reject;
          signal.addEventListener('abort', () => resolve());
          ctx.onReady?.({ service: 'flaky', sockets: {} });
        }),
    };
    const tasks: ServiceTask[] = [
      { key: 'db', service: 'hero_db', start: (s, c) => db.run(db.configSchema.parse({ socket_dir: socketDir, data_dir: path.join(dir, 'db'), tcp: '' }), s, c) },
      flaky,
      { key: 'indexer', service: 'hero_indexer', start: (s, c) => indexer.run(indexer.configSchema.parse({ socket_dir: socketDir, data_dir: path.join(dir, 'ix') }), s, c) },
    ];
    const o = new Orchestrator(tasks, { backoffMs: 20 });
    await o.start();
    onTestFinished(() => o.shutdown());
    const dbc = new RpcClient(path.join(socketDir, 'hero_db', 'rpc.sock'));
    const ixc = new RpcClient(path.join(socketDir, 'hero_indexer', 'rpc.sock'));
    onTestFinished(() => dbc.close());
    onTestFinished(() => ixc.close());
    crash(new Error('flaky fell over'));
    // the others answer while flaky is down and being restarted
    expect(await dbc.getJson('/health')).toMatchObject({ status: 'ok' });
    expect(await ixc.getJson('/health')).toMatchObject({ status: 'ok' });
    for (let i = 0; i < 100 && starts < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(starts).toBe(2);
    const st = o.statuses().find((s) => s.key === 'flaky')!;
    expect(st).toMatchObject({ state: 'running', restarts: 1, lastError: 'flaky fell over' });
    expect(o.statuses().filter((s) => s.key !== 'flaky').every((s) => s.state === 'running' && s.restarts === 0)).toBe(true);
    await o.shutdown();
    await expect(fs.access(path.join(socketDir, 'hero_db', 'rpc.sock'))).rejects.toThrow();
  });
});
