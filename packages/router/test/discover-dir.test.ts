import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { RouterClient } from '../src/client.js';
import { heroLike, request, startRouter, tempDir, upstream } from './helpers.js';

describe('discover_dir', () => {
  it('lets a second router, with sockets of its own, map and route another socket dir', async () => {
    const first = await startRouter({ watch: false });
    await upstream(first.socketDir, 'hero_good', 'rpc', heroLike('hero_good'));
    const own = path.join(await tempDir(), 'other');
    const second = await startRouter({ watch: false, discover_dir: first.socketDir }, own);
    const client = new RouterClient({ socketDir: own });
    onTestFinished(() => client.close());
    const { services } = await client.scan();
    expect(services.map((s) => s.name).sort()).toEqual(['hero_good', 'hero_router']);
    const res = await request(second.port, "GET", "/hero_good/rpc/health");
    expect(res.status).toBe(200);
  });
});
