import { describe, expect, it } from 'vitest';
import { client, dropHello, raw, send, startServers } from './lua-servers.js';

/** Runs the same commands on both servers and expects identical replies. */
async function same(cmds: (string | number)[][]): Promise<void> {
  const { hero, redis } = await startServers();
  const h = client(hero);
  const r = client(redis);
  for (const c of cmds) {
    const a = await send(h, c);
    const b = await send(r, c);
    expect({ cmd: c, reply: a }).toEqual({ cmd: c, reply: b });
  }
}

describe('streams compared with redis-server', () => {
  it('adds, ranges, deletes and trims', async () => {
    await same([
      ['XADD', 's', '1-1', 'a', '1'],
      ['XADD', 's', '1-2', 'b', '2', 'c', '3'],
      ['XADD', 's', '2', 'd', '4'],
      ['XADD', 's', '2-*', 'e', '5'],
      ['XADD', 's', '1-1', 'x', 'y'],
      ['XADD', 's', '0-0', 'x', 'y'],
      ['XADD', 's', 'bad', 'x', 'y'],
      ['XADD', 's', '5-1', 'x'],
      ['XADD', 'nos', 'NOMKSTREAM', '*', 'x', 'y'],
      ['XLEN', 's'],
      ['XLEN', 'nos'],
      ['XRANGE', 's', '-', '+'],
      ['XRANGE', 's', '1-2', '2'],
      ['XRANGE', 's', '(1-1', '+', 'COUNT', 2],
      ['XRANGE', 's', '-', '+', 'COUNT', 0],
      ['XRANGE', 's', 'x', '+'],
      ['XREVRANGE', 's', '+', '-'],
      ['XREVRANGE', 's', '+', '-', 'COUNT', 1],
      ['XDEL', 's', '1-2', '9-9'],
      ['XLEN', 's'],
      ['XTRIM', 's', 'MAXLEN', 2],
      ['XRANGE', 's', '-', '+'],
      ['XTRIM', 's', 'MINID', '2-1'],
      ['XTRIM', 's', 'MAXLEN', '=', 1, 'LIMIT', 10],
      ['XTRIM', 's', 'FOO', 1],
      ['XADD', 's', 'MAXLEN', 1, '9-1', 'z', 'z'],
      ['XRANGE', 's', '-', '+'],
      ['SET', 'str', 'x'],
      ['XADD', 'str', '*', 'a', 'b'],
      ['XRANGE', 'str', '-', '+'],
      ['TYPE', 's'],
      ['XREAD', 'COUNT', 10, 'STREAMS', 's', '0'],
      ['XREAD', 'STREAMS', 's', '9-1'],
      ['XREAD', 'STREAMS', 's'],
      ['XSETID', 's', '10-0'],
      ['XSETID', 's', '1-0'],
    ]);
  });

  it('runs consumer groups', async () => {
    await same([
      ['XGROUP', 'CREATE', 'g', 'grp', '$'],
      ['XGROUP', 'CREATE', 'g', 'grp', '$', 'MKSTREAM'],
      ['XGROUP', 'CREATE', 'g', 'grp', '$'],
      ['XADD', 'g', '1-1', 'a', '1'],
      ['XADD', 'g', '2-1', 'b', '2'],
      ['XADD', 'g', '3-1', 'c', '3'],
      ['XREADGROUP', 'GROUP', 'grp', 'alice', 'COUNT', 2, 'STREAMS', 'g', '>'],
      ['XREADGROUP', 'GROUP', 'grp', 'bob', 'STREAMS', 'g', '>'],
      ['XREADGROUP', 'GROUP', 'grp', 'bob', 'STREAMS', 'g', '>'],
      ['XREADGROUP', 'GROUP', 'nogrp', 'bob', 'STREAMS', 'g', '>'],
      ['XPENDING', 'g', 'grp'],
      ['XACK', 'g', 'grp', '1-1', '9-9'],
      ['XPENDING', 'g', 'grp'],
      ['XREADGROUP', 'GROUP', 'grp', 'alice', 'STREAMS', 'g', '0'],
      ['XCLAIM', 'g', 'grp', 'bob', 0, '2-1', 'JUSTID'],
      ['XPENDING', 'g', 'grp'],
      ['XAUTOCLAIM', 'g', 'grp', 'carol', 0, '0-0', 'COUNT', 10, 'JUSTID'],
      ['XGROUP', 'CREATECONSUMER', 'g', 'grp', 'dave'],
      ['XGROUP', 'CREATECONSUMER', 'g', 'grp', 'dave'],
      ['XGROUP', 'DELCONSUMER', 'g', 'grp', 'carol'],
      ['XPENDING', 'g', 'grp'],
      ['XGROUP', 'SETID', 'g', 'grp', '0'],
      ['XREADGROUP', 'GROUP', 'grp', 'erin', 'NOACK', 'STREAMS', 'g', '>'],
      ['XPENDING', 'g', 'grp'],
      ['XGROUP', 'DESTROY', 'g', 'grp'],
      ['XGROUP', 'DESTROY', 'g', 'grp'],
      ['XGROUP', 'FOO'],
    ]);
  });

  it('reports XINFO, claims entries and validates arguments', async () => {
    const { hero, redis } = await startServers();
    const h = client(hero);
    const r = client(redis);
    const drop = (v: unknown): unknown => {
      // Delivery times are wall-clock milliseconds: equal only up to when each server ran.
      if (typeof v === 'number' && v > 1e12) return 'time';
      if (!Array.isArray(v)) return v;
      const out: unknown[] = [];
      for (let i = 0; i < v.length; i++) {
        const k = v[i];
        if (k === 'radix-tree-keys' || k === 'radix-tree-nodes' || k === 'idle' || k === 'inactive' || k === 'seen-time' || k === 'active-time') {
          i++;
          continue;
        }
        out.push(drop(k));
      }
      return out;
    };
    // XPENDING's extended form reports idle times: keep id, consumer and delivery count.
    const pendingShape = (v: unknown): unknown => (Array.isArray(v) ? v.map((x) => (Array.isArray(x) ? [x[0], x[1], x[3]] : x)) : v);
    const cmds: [(string | number)[], ((v: unknown) => unknown)?][] = [
      [['XADD', 'x', '1-1', 'a', '1']],
      [['XADD', 'x', '2-1', 'b', '2']],
      [['XADD', 'x', '3-1', 'c', '3']],
      [['XADD', 'x', '4-1', 'd', '4']],
      [['XINFO', 'STREAM', 'x'], drop],
      [['XGROUP', 'CREATE', 'x', 'g', '0']],
      [['XINFO', 'GROUPS', 'x']],
      [['XGROUP', 'CREATE', 'x', 'g0', '$']],
      [['XGROUP', 'CREATE', 'x', 'g1', '2-1']],
      [['XINFO', 'GROUPS', 'x']],
      [['XGROUP', 'SETID', 'x', 'g1', '$']],
      [['XINFO', 'GROUPS', 'x']],
      [['XGROUP', 'SETID', 'x', 'g1', '1-1', 'ENTRIESREAD', 1]],
      [['XINFO', 'GROUPS', 'x']],
      [['XGROUP', 'DESTROY', 'x', 'g0']],
      [['XGROUP', 'DESTROY', 'x', 'g1']],
      [['XREADGROUP', 'GROUP', 'g', 'a', 'COUNT', 3, 'STREAMS', 'x', '>']],
      [['XINFO', 'GROUPS', 'x']],
      [['XPENDING', 'x', 'g', 'IDLE', 0, '-', '+', 10], pendingShape],
      [['XPENDING', 'x', 'g', '(1-1', '+', 1], pendingShape],
      [['XCLAIM', 'x', 'g', 'b', 0, '1-1', '2-1']],
      [['XPENDING', 'x', 'g', '-', '+', 10], pendingShape],
      [['XDEL', 'x', '2-1']],
      [['XAUTOCLAIM', 'x', 'g', 'c', 0, '0', 'COUNT', 10]],
      [['XPENDING', 'x', 'g', '-', '+', 10], pendingShape],
      [['XINFO', 'CONSUMERS', 'x', 'g'], drop],
      [['XINFO', 'STREAM', 'x', 'FULL'], drop],
      [['XINFO', 'GROUPS', 'x']],
      [['XADD', 'x', 'MINID', '4', '*', 'e', '5'], () => 'id'],
      [['XLEN', 'x']],
      [['XREAD', 'STREAMS', 'x', '+'], (v) => (Array.isArray(v) ? 'one entry' : v)],
      [['XAUTOCLAIM', 'x', 'g', 'c', 0, '0', 'COUNT', 0]],
      [['XAUTOCLAIM', 'x', 'g', 'c', 'soon', '0']],
      [['XCLAIM', 'x', 'g', 'c', 'soon', '1-1']],
      [['XCLAIM', 'x', 'g', 'c', 0, '1-1', 'BOGUS']],
      [['XADD', 'x', 'MAXLEN', -1, '*', 'a', 'b']],
      [['XADD', 'x', 'MAXLEN', 1, 'LIMIT', 5, '*', 'a', 'b']],
      [['XREAD', 'BLOCK', -1, 'STREAMS', 'x', '0']],
      [['XREAD', 'COUNT', 'x', 'STREAMS', 'x', '0']],
      [['XREADGROUP', 'STREAMS', 'x', '>']],
      [['XINFO', 'STREAM', 'nokey']],
      [['XINFO', 'GROUPS', 'x', 'extra']],
      [['XGROUP', 'SETID', 'x', 'nog', '0']],
      [['XGROUP', 'CREATE', 'nokey', 'g', '$']],
      [['XACK', 'x', 'nog', '1-1']],
      [['XPENDING', 'x', 'nog']],
      [['SET', 'str', 'v']],
      [['XLEN', 'str']],
      [['XREAD', 'STREAMS', 'str', '0']],
      [['XGROUP', 'CREATE', 'str', 'g', '$']],
    ];
    for (const [c, f = (v: unknown) => v] of cmds) {
      expect({ c, reply: f(await send(h, c)) }).toEqual({ c, reply: f(await send(r, c)) });
    }
    // RESP3: XREAD answers a map of stream → entries (ioredis speaks RESP2 only: compare bytes).
    const c3 = [['HELLO', 3], ['XREAD', 'COUNT', 1, 'STREAMS', 'x', '0'], ['XINFO', 'GROUPS', 'x'], ['XREAD', 'STREAMS', 'nokey', '0']];
    expect(dropHello(await raw(hero, c3))).toEqual(dropHello(await raw(redis, c3)));
  });

  it('answers option mistakes with Redis 7.0 errors and XINFO fields', async () => {
    await same([
      ['XADD', 's', 'MINID', '1', 'MAXLEN', '2', '*', 'a', '1'],
      ['XADD', 's', 'MAXLEN', '2', 'MINID', '1', '*', 'a', '1'],
      ['XADD', 's', '1-1', 'a', '1'],
      ['XADD', 's', '2-1', 'a', '1'],
      ['XREAD', 'STREAMS', 's', 't', '0'],
      ['XREAD', 'STREAMS', 's', '>'],
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', 's', '>'],
      ['XCLAIM', 's', 'g', 'c2', 'abc', '1-1'],
      // idle is wall-clock time: zeroed on both sides
      ['EVAL', "local r = redis.call('XINFO', 'CONSUMERS', KEYS[1], 'g'); for _, c in ipairs(r) do c[6] = 0 end; return r", '1', 's'],
      ['XDEL', 's', '1-1'],
      ['XTRIM', 's', 'MAXLEN', '0'],
      ['XINFO', 'STREAM', 's'],
      ['XGROUP', 'CREATE', 'empty', 'g', '$', 'MKSTREAM'],
      ['XINFO', 'STREAM', 'empty'],
    ]);
  });

  it('refuses stored ids beyond 2^53 instead of rounding them, and reports an exhausted stream', async () => {
    const { hero } = await startServers();
    const h = client(hero);
    const big = 'ERR stream ID parts above 9007199254740991 are not supported by hero_db';
    await expect(h.call('XADD', 's', '18446744073709551615-1', 'a', '1')).rejects.toThrow(big);
    await expect(h.call('XADD', 's', '1-9007199254740992', 'a', '1')).rejects.toThrow(big);
    expect(await h.call('XADD', 's', '9007199254740991-9007199254740991', 'a', '1')).toBe('9007199254740991-9007199254740991');
    await expect(h.call('XADD', 's', '*', 'a', '1')).rejects.toThrow('ERR The stream has exhausted the last possible ID, unable to add more items');
    await expect(h.call('XSETID', 's', '9007199254740993-0')).rejects.toThrow(big);
    await expect(h.call('XGROUP', 'CREATE', 's', 'g', '9007199254740993')).rejects.toThrow(big);
    // Range bounds beyond 2^53 still work: every stored id is below them.
    expect(await h.call('XRANGE', 's', '-', '18446744073709551615')).toEqual([['9007199254740991-9007199254740991', ['a', '1']]]);
    expect(await h.call('XLEN', 's')).toBe(1);
  });

  it('wakes a blocked XREAD when an entry arrives, and times out otherwise', async () => {
    for (const sock of Object.values(await startServers())) {
      const reader = client(sock);
      const writer = client(sock);
      expect(await send(reader, ['XREAD', 'BLOCK', 50, 'STREAMS', 'b', '$'])).toBeNull();
      const pending = send(reader, ['XREAD', 'BLOCK', 0, 'STREAMS', 'b', '$']);
      await new Promise((r) => setTimeout(r, 100));
      await send(writer, ['XADD', 'b', '5-1', 'k', 'v']);
      expect(await pending).toEqual([['b', [['5-1', ['k', 'v']]]]]);
      await send(writer, ['XGROUP', 'CREATE', 'b', 'g', '$']);
      const grp = send(reader, ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', 'b', '>']);
      await new Promise((r) => setTimeout(r, 100));
      await send(writer, ['XADD', 'b', '6-1', 'k', 'w']);
      expect(await grp).toEqual([['b', [['6-1', ['k', 'w']]]]]);
      const gone = send(reader, ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', 'b', '>']);
      await new Promise((r) => setTimeout(r, 100));
      await send(writer, ['XGROUP', 'DESTROY', 'b', 'g']);
      expect(await gone).toEqual({ error: 'NOGROUP the consumer group this client was blocked on no longer exists' });
      await send(writer, ['XGROUP', 'CREATE', 'b', 'g', '$']);
      const deleted = send(reader, ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', 'b', '>']);
      await new Promise((r) => setTimeout(r, 100));
      await send(writer, ['DEL', 'b']);
      expect(await deleted).toEqual({ error: 'UNBLOCKED the stream key no longer exists' });
    }
  });
});
