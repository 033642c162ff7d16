import { describe, expect, it } from 'vitest';
import { bothServers, ioredis, redisCli } from './helpers.js';

const { hero, redis } = bothServers();

/** Runs `fn` against both servers through ioredis and expects equal results. */
async function same<T>(fn: (c: ReturnType<typeof ioredis>) => Promise<T>): Promise<T> {
  const h = ioredis(hero().resp);
  const r = ioredis(redis().sock);
  await h.flushall();
  await r.flushall();
  const settle = async (c: ReturnType<typeof ioredis>) => {
    try {
      return { ok: await fn(c) };
    } catch (err) {
      return { err: (err as Error).message };
    }
  };
  const [a, b] = [await settle(h), await settle(r)];
  expect(a).toEqual(b);
  return (a as { ok: T }).ok;
}

describe('ioredis against both servers', () => {
  it('every command group', () =>
    same(async (c) => {
      const out: unknown[] = [];
      out.push(await c.set('s', 'v', 'EX', 100), await c.get('s'), await c.incrby('n', 5), await c.incrbyfloat('f', 1.25));
      out.push(await c.mset({ a: '1', b: '2' }), await c.mget('a', 'b', 'zz'), await c.append('a', 'x'), await c.getrange('a', 0, 0));
      out.push(await c.rpush('l', 'a', 'b', 'c'), await c.lrange('l', 0, -1), await c.lpop('l'), await c.lpos('l', 'c'), await c.lmove('l', 'l2', 'LEFT', 'RIGHT'));
      out.push(await c.hset('h', { x: '1', y: '2' }), await c.hgetall('h'), await c.hincrby('h', 'x', 2), await c.hmget('h', 'x', 'nope'));
      out.push(await c.sadd('set', 'a', 'b'), (await c.smembers('set')).sort(), await c.sismember('set', 'a'), await c.smismember('set', 'a', 'z'));
      out.push(await c.zadd('z', 1, 'a', 2, 'b'), await c.zrange('z', 0, -1, 'WITHSCORES'), await c.zscore('z', 'a'), await c.zrangebyscore('z', '(1', '+inf'));
      out.push(await c.exists('s', 'nope'), await c.type('h'), await c.ttl('s'), await c.expire('a', 10), await c.persist('a'), await c.rename('a', 'a2'));
      out.push(await c.dbsize(), (await c.keys('*')).sort(), await c.del('a2', 'b'));
      out.push(await c.call('OBJECT', 'ENCODING', 'n'));
      return out;
    }));

  it('errors come back as the same ReplyError messages', async () => {
    await same((c) => c.call('NOSUCH', 'x'));
    await same(async (c) => {
      await c.set('s', 'x');
      return c.lpush('s', 'a');
    });
    await same((c) => c.call('GET'));
    await same(async (c) => {
      await c.set('s', 'x');
      return c.incr('s');
    });
  });

  it('pipelines and MULTI/EXEC', () =>
    same(async (c) => {
      const p = await c.pipeline().set('a', '1').incr('a').lpush('a', 'x').get('a').exec();
      const m = await c.multi().set('b', '1').incr('b').lpush('b', 'x').get('b').exec();
      return [p, m].map((rs) => rs!.map(([e, v]) => [e ? (e as Error).message : null, v]));
    }));

  it('WATCH aborts EXEC when another client writes', () =>
    same(async (c) => {
      const other = c.duplicate();
      await c.watch('w');
      await other.set('w', 'x');
      const res = await c.multi().set('w', 'mine').exec();
      other.disconnect();
      return [res, await c.get('w')];
    }));

  it('pub/sub with patterns', () =>
    same(async (c) => {
      const sub = c.duplicate();
      const got: string[] = [];
      sub.on('message', (ch, m) => got.push(`m:${ch}:${m}`));
      sub.on('pmessage', (p, ch, m) => got.push(`p:${p}:${ch}:${m}`));
      await sub.subscribe('news');
      await sub.psubscribe('n*');
      const n = await c.publish('news', 'hi');
      await new Promise((r) => setTimeout(r, 100));
      sub.disconnect();
      return [n, got.sort()];
    }));

  it('blocking pop served by another client', () =>
    same(async (c) => {
      const b = c.duplicate();
      const p = b.blpop('bq', 5);
      await new Promise((r) => setTimeout(r, 100));
      await c.rpush('bq', 'x');
      const v = await p;
      const t = await b.brpop('bq', 0.1);
      b.disconnect();
      return [v, t];
    }));

  it('SCAN iterates every key once', async () => {
    const c = ioredis(hero().resp);
    await c.flushall();
    const keys = Array.from({ length: 500 }, (_, i) => `k${i}`);
    await c.mset(Object.fromEntries(keys.map((k) => [k, '1'])));
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const [next, batch] = await c.scan(cursor, 'COUNT', 37);
      for (const k of batch) seen.add(k);
      // deleting during the scan must not hide keys that stay
      if (cursor === '0') await c.del('k1', 'k2');
      cursor = next;
    } while (cursor !== '0');
    for (const k of keys.slice(3)) expect(seen.has(k)).toBe(true);
  });
});

describe('redis-cli against both servers', () => {
  const script = [
    'FLUSHALL',
    'SET greeting "hello world"',
    'GET greeting',
    'INCR counter',
    'RPUSH list a b c',
    'LRANGE list 0 -1',
    'HSET hash field value',
    'HGETALL hash',
    'ZADD z 1.5 one 2 two',
    'ZRANGE z 0 -1 WITHSCORES',
    'GET nope',
    'LPUSH greeting x',
    'NOSUCHCOMMAND arg',
    'SET',
    'TYPE hash',
    'EXPIRE greeting 100',
    'TTL greeting',
  ].join('\n');

  for (const mode of [[], ['--no-raw'], ['-3', '--no-raw'], ['-3']]) {
    it(`same output with ${mode.join(' ') || 'defaults'}`, async () => {
      const a = await redisCli(hero().resp, mode, script);
      const b = await redisCli(redis().sock, mode, script);
      expect(a).toBe(b);
    });
  }

  it('single commands and errors as arguments', async () => {
    for (const args of [['PING'], ['SET', 'x', 'y'], ['GET', 'x'], ['NOSUCH'], ['--no-raw', 'HGETALL', 'hash'], ['-3', '--no-raw', 'SMEMBERS', 'nope']]) {
      expect(await redisCli(hero().resp, args)).toBe(await redisCli(redis().sock, args));
    }
  });
});
