import fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DbClient } from '../src/client.js';
import { ioredis, startHero } from './helpers.js';

describe('rpc.sock', () => {
  it('db.info, db.list, db.save, server.stats', async () => {
    const h = await startHero({ tcp: '127.0.0.1:0' });
    const rpc = new DbClient(h.rpc);
    try {
      const c = ioredis(h.resp);
      await c.set('a', '1');
      await c.set('t', '1', 'EX', 100);
      await c.select(3);
      await c.rpush('l', 'x');
      await c.get('nope');
      const info = await rpc.info();
      expect(info).toMatchObject({ redis_version: '7.0.15', databases: 16, keys: 3, appendonly: true, resp_socket: h.resp });
      expect(info.tcp).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(info.clients).toBeGreaterThanOrEqual(1);
      const list = await rpc.list();
      expect(list).toHaveLength(16);
      expect(list[0]).toEqual({ db: 0, keys: 2, expires: 1 });
      expect(list[3]).toEqual({ db: 3, keys: 1, expires: 0 });
      const saved = await rpc.save();
      expect(saved.saved).toBe(true);
      expect(await fs.readdir(`${h.dir}/data`)).toContain('dump.hdb');
      const stats = await rpc.stats();
      expect(stats.keyspace_misses).toBe(1);
      expect(stats.commands.find((x) => x.name === 'set')?.calls).toBe(2);
      expect(stats.total_connections).toBeGreaterThanOrEqual(1);
      const doc = (await rpc.rpc.call('rpc.discover', {})) as { methods: { name: string }[] };
      expect(doc.methods.map((m) => m.name).sort()).toEqual(['db.info', 'db.list', 'db.save', 'server.stats']);
      await expect(rpc.rpc.call('db.nope', {})).rejects.toThrow(/Method not found/);
    } finally {
      await rpc.close();
      await h.stop();
    }
  });

  it('stops cleanly: sockets removed, data flushed', async () => {
    const h = await startHero();
    const c = ioredis(h.resp);
    await c.set('k', 'v');
    c.disconnect();
    await h.stop();
    await expect(fs.access(h.resp)).rejects.toThrow();
    await expect(fs.access(h.rpc)).rejects.toThrow();
    expect((await fs.readFile(`${h.dir}/data/appendonly.aof`, 'latin1')).includes('$1\r\nk\r\n$1\r\nv')).toBe(true);
  });
});

describe('start problems', () => {
  it('a TCP port in use is a HeroError and leaves nothing behind', async () => {
    const a = await startHero({ tcp: '127.0.0.1:0' });
    try {
      const dir = await fs.mkdtemp(`${a.dir}-b`);
      const err = await startHero({ tcp: a.tcp! }, dir).catch((e: unknown) => e as { code?: string; message: string });
      expect(err).toMatchObject({ code: 'HERO_CONFLICT' });
      await expect(fs.access(`${dir}/sock/hero_db/resp.sock`)).rejects.toThrow();
      await expect(fs.access(`${dir}/data/hero_db.lock`)).rejects.toThrow();
      // the same dirs work once the port is free
      const b = await startHero({}, dir);
      await b.stop();
      await fs.rm(dir, { recursive: true, force: true });
    } finally {
      await a.stop();
    }
  });

  it('invalid save rules are a config error', async () => {
    await expect(startHero({ save: '10' })).rejects.toMatchObject({ code: 'HERO_CONFIG' });
  });
});
