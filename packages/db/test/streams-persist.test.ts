import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { expect, it, onTestFinished } from 'vitest';
import { configSchema, run } from '../src/index.js';

async function start(dir: string): Promise<{ c: Redis; stop: () => Promise<void> }> {
  const ac = new AbortController();
  let ready!: (p: string) => void;
  const p = new Promise<string>((r) => (ready = r));
  const done = run(
    configSchema.parse({ socket_dir: path.join(dir, 'sock'), data_dir: path.join(dir, 'data'), tcp: '', appendfsync: 'always' }),
    ac.signal,
    { onReady: (info) => ready(info.sockets['resp']!) },
  );
  const c = new Redis({ path: await p });
  return {
    c,
    stop: async () => {
      c.disconnect();
      ac.abort();
      await done;
    },
  };
}

async function state(c: Redis): Promise<unknown[]> {
  return [
    await c.call('XRANGE', 's', '-', '+'),
    await c.call('XPENDING', 's', 'g'),
    await c.call('XINFO', 'GROUPS', 's'),
    await c.call('XLEN', 'e'),
    await c.call('XINFO', 'GROUPS', 'e'),
    await c.call('GET', 'lua'),
    await c.call('XLEN', 'lua-s'),
  ];
}

for (const via of ['AOF', 'snapshot and AOF rewrite'] as const) {
  it(`keeps streams, groups, pending entries and script writes across a restart (${via})`, { timeout: 60_000 }, async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hero-db-sp-'));
    onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
    const a = await start(dir);
    await a.c.call('XADD', 's', '1-1', 'a', '1');
    await a.c.call('XADD', 's', '*', 'b', '2');
    await a.c.call('XADD', 's', 'MAXLEN', '5', '*', 'c', '3');
    await a.c.call('XGROUP', 'CREATE', 's', 'g', '0');
    await a.c.call('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>');
    await a.c.call('XACK', 's', 'g', '1-1');
    await a.c.call('XDEL', 's', '1-1');
    await a.c.call('XGROUP', 'CREATE', 'e', 'g2', '$', 'MKSTREAM');
    await a.c.call('EVAL', "redis.call('set', 'lua', 'x'); redis.call('xadd', 'lua-s', '*', 'f', 'v'); return 1", '0');
    if (via !== 'AOF') {
      await a.c.call('SAVE');
      await a.c.call('BGREWRITEAOF');
      await new Promise((r) => setTimeout(r, 500));
    }
    const before = await state(a.c);
    if (via === 'AOF') {
      // A script's writes are logged as one transaction.
      const aof = (await fs.readFile(path.join(dir, 'data', 'appendonly.aof'))).toString('latin1');
      expect(aof).toMatch(/MULTI\r\n.*\$3\r\nset\r\n\$3\r\nlua\r\n.*\$4\r\nxadd\r\n.*EXEC\r\n/s);
    }
    await a.stop();
    const b = await start(dir);
    expect(await state(b.c)).toEqual(before);
    await b.stop();
  });
}
