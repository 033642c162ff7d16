import { describe, expect, it } from 'vitest';
import { Raw, bothServers, compare, compareMulti, encode, type Step } from './helpers.js';

const { hero, redis } = bothServers();
const run = (steps: Step[], hello3 = false) => compare(hero().resp, redis().sock, [['FLUSHALL'], ...steps], { hello3 });

describe('connection and server commands', () => {
  it('PING/ECHO/SELECT/CLIENT/HELLO errors', () =>
    run([
      ['PING'],
      ['PING', 'hello'],
      ['PING', 'a', 'b'],
      ['ECHO', 'x'],
      ['ECHO'],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME', 'worker-1'],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME', 'bad name'],
      ['CLIENT', 'SETNAME'],
      ['CLIENT', 'NOSUCH'],
      ['CLIENT'],
      ['CONFIG', 'GET'],
      ['CONFIG', 'SET', 'nosuchparam', '1'],
      ['CONFIG', 'GET', 'maxmemory-policy'],
      ['CONFIG', 'GET', 'nosuch*'],
      ['HELLO', 'x'],
      ['HELLO', '4'],
      ['HELLO', '2', 'AUTH', 'default', 'wrong'],
      ['HELLO', '2', 'FOO'],
      ['AUTH', 'pw'],
      ['AUTH', 'someone', 'pw'],
      ['AUTH', 'a', 'b', 'c'],
      ['DBSIZE'],
      ['SET', 'a', '1'],
      ['DBSIZE'],
      ['FLUSHALL', 'SYNC'],
      ['FLUSHALL', 'bad'],
      ['DBSIZE'],
      ['COMMAND', 'INFO', 'nosuchcommand'],
      ['SELECT', '3'],
      ['RESET'],
      ['CLIENT', 'GETNAME'],
      ['FOO'],
      ['FOO', 'a', 'b'],
      ['foo', 'x'.repeat(200)],
      ['QUIT'],
    ]));

  it('RESP3 replies: HELLO 3 types for maps, sets, doubles, nulls', () =>
    run(
      [
        ['SET', 's', 'v'],
        ['GET', 'nope'],
        ['HSET', 'h', 'a', '1'],
        ['HGETALL', 'h'],
        ['HGETALL', 'nope'],
        ['SADD', 'set', 'x'],
        ['SMEMBERS', 'set'],
        ['SINTER', 'set', 'set'],
        ['SPOP', 'nope', '2'],
        ['ZADD', 'z', '1.5', 'a', '2', 'b'],
        ['ZSCORE', 'z', 'a'],
        ['ZINCRBY', 'z', '1', 'a'],
        ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
        ['ZPOPMIN', 'z'],
        ['ZPOPMAX', 'z', '1'],
        ['LPOP', 'nope', '1'],
        ['LPOP', 'nope'],
        ['BLPOP', 'nope', '0.01'],
        ['MGET', 's', 'nope'],
        ['CONFIG', 'GET', 'maxmemory-policy'],
        ['INCRBYFLOAT', 'f', '1.5'],
        ['EXEC'],
        ['MULTI'],
        ['GET', 'nope'],
        ['EXEC'],
        ['HRANDFIELD', 'h', '1', 'WITHVALUES'],
        ['ZRANDMEMBER', 'nope', '1', 'WITHSCORES'],
        ['ZADD', 'mz', '1', 'a'],
        ['ZMPOP', '1', 'mz', 'MIN'],
        ['LMPOP', '1', 'nope', 'LEFT'],
      ],
      true,
    ));

  it('HELLO reply shape matches (except id)', async () => {
    const h = await Raw.open(hero().resp);
    const r = await Raw.open(redis().sock);
    for (const proto of ['3', '2']) {
      const a = (await h.call('HELLO', proto)).replace(/id\r\n:\d+/, 'id\r\n:0');
      const b = (await r.call('HELLO', proto)).replace(/id\r\n:\d+/, 'id\r\n:0');
      expect(a).toBe(b);
    }
  });

  it('CONFIG SET, CLIENT NO-EVICT and INFO reject bad values like Redis', () =>
    run([
      ['CONFIG', 'SET', 'maxclients', 'abc'],
      ['CONFIG', 'SET', 'maxclients', '0'],
      ['CONFIG', 'SET', 'proto-max-bulk-len', 'abc'],
      ['CONFIG', 'SET', 'proto-max-bulk-len', '1k'],
      ['CONFIG', 'SET', 'proto-max-bulk-len', '2mb'],
      ['CONFIG', 'GET', 'proto-max-bulk-len'],
      ['CONFIG', 'SET', 'proto-max-bulk-len', '512mb'],
      ['CONFIG', 'GET', 'proto-max-bulk-len'],
      ['CONFIG', 'SET', 'appendfsync', 'sometimes'],
      ['CLIENT', 'NO-EVICT', 'maybe'],
      ['CLIENT', 'NO-EVICT', 'on'],
      ['CLIENT', 'NO-EVICT', 'OFF'],
      ['INFO', 'nosuchsection'],
      ['HINCRBYFLOAT', 'h', 'f', 'inf'],
      ['HINCRBYFLOAT', 'h', 'f', '-inf'],
      ['SCAN', '18446744073709551616'],
      ['SCAN', '18446744073709551615'],
      ['SCAN', '018446744073709551615'],
      ['SCAN', '00000000000000000000000000000000'],
      ['SCAN', '99999999999999999999'],
      ['SCAN', '1'.repeat(100_000)],
    ]));

  it('INFO has Redis sections and loading:0', async () => {
    const h = await Raw.open(hero().resp);
    const info = (await h.read(0).catch(() => null), await h.call('INFO'));
    expect(info).toContain('# Server');
    expect(info).toContain('redis_version:');
    expect(info).toContain('loading:0');
    expect(info).toContain('# Keyspace');
    const one = await h.call('INFO', 'persistence');
    expect(one).not.toContain('# Server');
    expect(one).toContain('loading:0');
    h.write(encode(['HELLO', '3']));
    await h.read();
    expect((await h.call('INFO', 'server')).startsWith('=')).toBe(true);
  });

  it('TIME, LASTSAVE, COMMAND COUNT/INFO/DOCS, CLIENT ID/LIST', async () => {
    const h = await Raw.open(hero().resp);
    expect(await h.call('TIME')).toMatch(/^\*2\r\n\$10\r\n\d{10}\r\n\$\d+\r\n\d+\r\n$/);
    expect(await h.call('LASTSAVE')).toMatch(/^:\d+\r\n$/);
    expect(Number((await h.call('COMMAND', 'COUNT')).slice(1))).toBeGreaterThan(150);
    expect(await h.call('COMMAND', 'INFO', 'get')).toContain('$3\r\nget\r\n:2\r\n');
    expect(await h.call('COMMAND', 'DOCS', 'get')).toContain('summary');
    const id = await h.call('CLIENT', 'ID');
    expect(id).toMatch(/^:\d+\r\n$/);
    const list = await h.call('CLIENT', 'LIST');
    expect(list).toContain(`id=${id.slice(1, -2)} `);
    expect(list).toContain('cmd=client|list');
  });

  it('MULTI/EXEC/DISCARD/WATCH', () =>
    compareMulti(hero().resp, redis().sock, 2, [
      { c: 0, cmd: ['FLUSHALL'] },
      { c: 0, cmd: ['MULTI'] },
      { c: 0, cmd: ['SET', 'a', '1'] },
      { c: 0, cmd: ['INCR', 'a'] },
      { c: 0, cmd: ['LPUSH', 'a', 'x'] },
      { c: 0, cmd: ['MULTI'] },
      { c: 0, cmd: ['WATCH', 'a'] },
      { c: 0, cmd: ['EXEC'] },
      { c: 0, cmd: ['EXEC'] },
      { c: 0, cmd: ['DISCARD'] },
      { c: 0, cmd: ['MULTI'] },
      { c: 0, cmd: ['SET', 'b', '1'] },
      { c: 0, cmd: ['DISCARD'] },
      { c: 0, cmd: ['GET', 'b'] },
      { c: 0, cmd: ['MULTI'] },
      { c: 0, cmd: ['SET', 'b'] },
      { c: 0, cmd: ['NOSUCHCMD'] },
      { c: 0, cmd: ['SET', 'b', '2'] },
      { c: 0, cmd: ['EXEC'] },
      { c: 0, cmd: ['GET', 'b'] },
      { c: 0, cmd: ['WATCH', 'w'] },
      { c: 1, cmd: ['SET', 'w', 'other'] },
      { c: 0, cmd: ['MULTI'] },
      { c: 0, cmd: ['SET', 'w', 'mine'] },
      { c: 0, cmd: ['EXEC'] },
      { c: 0, cmd: ['GET', 'w'] },
      { c: 0, cmd: ['WATCH', 'w'] },
      { c: 0, cmd: ['UNWATCH'] },
      { c: 1, cmd: ['SET', 'w', 'other2'] },
      { c: 0, cmd: ['MULTI'] },
      { c: 0, cmd: ['SET', 'w', 'mine'] },
      { c: 0, cmd: ['EXEC'] },
      { c: 0, cmd: ['WATCH', 'w', 'nokey'] },
      { c: 1, cmd: ['FLUSHDB'] },
      { c: 0, cmd: ['MULTI'] },
      { c: 0, cmd: ['PING'] },
      { c: 0, cmd: ['EXEC'] },
      { c: 0, cmd: ['WATCH', 'nokey2'] },
      { c: 1, cmd: ['DEL', 'nokey2'] },
      { c: 0, cmd: ['MULTI'] },
      { c: 0, cmd: ['PING'] },
      { c: 0, cmd: ['EXEC'] },
      { c: 0, cmd: ['WATCH'] },
      { c: 0, cmd: ['EXEC'] },
      { c: 0, cmd: ['DISCARD'] },
    ]));

  it('pub/sub in RESP2 and RESP3', () =>
    compareMulti(hero().resp, redis().sock, 3, [
      { c: 0, cmd: ['SUBSCRIBE', 'news', 'alerts'], read: 2 },
      { c: 0, cmd: ['PSUBSCRIBE', 'n*'] },
      { c: 0, cmd: ['GET', 'x'] },
      { c: 0, cmd: ['PING'] },
      { c: 0, cmd: ['PING', 'hi'] },
      { c: 1, cmd: ['PUBLISH', 'news', 'hello'] },
      { c: 0, read: 2 },
      { c: 1, cmd: ['PUBLISH', 'nothing', 'x'] },
      { c: 1, cmd: ['PUBSUB', 'NUMSUB', 'news', 'none'] },
      { c: 1, cmd: ['PUBSUB', 'NUMPAT'] },
      { c: 1, cmd: ['PUBSUB', 'CHANNELS'], unordered: true },
      { c: 1, cmd: ['PUBSUB', 'CHANNELS', 'a*'] },
      { c: 2, cmd: ['HELLO', '3'], read: 1, unordered: true },
      { c: 2, cmd: ['SUBSCRIBE', 'news'] },
      { c: 2, cmd: ['GET', 'x'] },
      { c: 2, cmd: ['PING'] },
      { c: 1, cmd: ['PUBLISH', 'news', 'again'] },
      { c: 0, read: 2 },
      { c: 2, read: 1 },
      { c: 0, cmd: ['UNSUBSCRIBE', 'news'] },
      { c: 0, cmd: ['UNSUBSCRIBE'] },
      { c: 0, cmd: ['PUNSUBSCRIBE'] },
      { c: 0, cmd: ['PUNSUBSCRIBE'] },
      { c: 0, cmd: ['UNSUBSCRIBE'] },
      { c: 0, cmd: ['GET', 'x'] },
      { c: 2, cmd: ['UNSUBSCRIBE'] },
      { c: 2, cmd: ['RESET'] },
      { c: 1, cmd: ['PUBLISH', 'news', 'nobody'] },
    ]));

  it('blocking pops are served by a later push, FIFO, and time out with null', () =>
    compareMulti(hero().resp, redis().sock, 3, [
      { c: 0, cmd: ['FLUSHALL'] },
      { c: 0, cmd: ['BLPOP', 'q1', 'q2', '0'], read: 0 },
      { c: 1, cmd: ['BRPOP', 'q2', '0'], read: 0 },
      { c: 2, cmd: ['PING'] },
      { c: 2, cmd: ['RPUSH', 'q2', 'a', 'b', 'c'] },
      { c: 0, read: 1 },
      { c: 1, read: 1 },
      { c: 2, cmd: ['LRANGE', 'q2', '0', '-1'] },
      { c: 0, cmd: ['BLMOVE', 'src', 'dst', 'LEFT', 'RIGHT', '0'], read: 0 },
      { c: 2, cmd: ['LPUSH', 'src', 'x'] },
      { c: 0, read: 1 },
      { c: 2, cmd: ['LRANGE', 'dst', '0', '-1'] },
      { c: 0, cmd: ['BZPOPMIN', 'z', '0'], read: 0 },
      { c: 2, cmd: ['ZADD', 'z', '2', 'b', '1', 'a'] },
      { c: 0, read: 1 },
      { c: 0, cmd: ['BLPOP', 'never', '0.05'] },
      { c: 0, cmd: ['BZPOPMAX', 'never', '0.05'] },
      { c: 0, cmd: ['BLMOVE', 'never', 'x', 'LEFT', 'LEFT', '0.05'] },
      { c: 1, cmd: ['HELLO', '3'], read: 1, unordered: true },
      { c: 1, cmd: ['BLPOP', 'never', '0.05'] },
      { c: 0, cmd: ['BLPOP', 'q3', '0'], read: 0 },
      { c: 2, cmd: ['MULTI'] },
      { c: 2, cmd: ['RPUSH', 'q3', 'a'] },
      { c: 2, cmd: ['RPUSH', 'q3', 'b'] },
      { c: 2, cmd: ['EXEC'] },
      { c: 0, read: 1 },
      { c: 2, cmd: ['LRANGE', 'q3', '0', '-1'] },
      { c: 0, cmd: ['BLMPOP', '0', '2', 'm1', 'm2', 'RIGHT', 'COUNT', '2'], read: 0 },
      { c: 2, cmd: ['RPUSH', 'm2', 'a', 'b', 'c'] },
      { c: 0, read: 1 },
      { c: 0, cmd: ['BZMPOP', '0', '1', 'zz', 'MAX'], read: 0 },
      { c: 2, cmd: ['ZADD', 'zz', '1', 'a', '2', 'b'] },
      { c: 0, read: 1 },
      { c: 1, cmd: ['ZADD', 'zz', '5', 'e'] },
      { c: 1, cmd: ['ZMPOP', '1', 'zz', 'MIN', 'COUNT', '2'] },
      { c: 0, cmd: ['BLPOP', 'q4', '0'], raw: encode(['PING']).toString('latin1'), read: 0 },
      { c: 2, cmd: ['RPUSH', 'q4', 'v'] },
      { c: 0, read: 2 },
    ]));
});
