import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { client, send, startServers } from './lua-servers.js';

async function until(f: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not reached');
}

async function killLoop(a: Redis, b: Redis, body = 'local i = 0 while true do i = i + 1 end'): Promise<{ busy: unknown; killed: unknown; kill: unknown; after: unknown }> {
  await send(b, ['CONFIG', 'SET', 'busy-reply-threshold', '200']);
  const running = send(a, ['EVAL', body, 0]);
  let busy: unknown;
  await until(async () => {
    busy = await send(b, ['PING']);
    return busy !== 'PONG';
  });
  const kill = await send(b, ['SCRIPT', 'KILL']);
  const killed = await running;
  const after = await send(b, ['PING']);
  return { busy, killed, kill, after };
}

describe('script limits compared with redis-server', () => {
  it('answers BUSY past the time limit and lets SCRIPT KILL stop an infinite loop', { timeout: 60_000 }, async () => {
    const { hero, redis } = await startServers();
    const h = await killLoop(client(hero), client(hero));
    const r = await killLoop(client(redis), client(redis));
    expect(h.busy).toEqual(r.busy);
    expect(h.kill).toEqual(r.kill);
    expect(h.after).toBe('PONG');
    expect((h.killed as { error: string }).error).toMatch(/^ERR Script killed by user with SCRIPT KILL/);
    expect((r.killed as { error: string }).error).toMatch(/^ERR Script killed by user with SCRIPT KILL/);
  });

  it('kills a loop that catches errors with pcall', { timeout: 60_000 }, async () => {
    const { hero, redis } = await startServers();
    const body = "pcall(error, 'x') while true do pcall(function() while true do end end) end";
    const h = await killLoop(client(hero), client(hero), body);
    const r = await killLoop(client(redis), client(redis), body);
    expect(h.kill).toEqual(r.kill);
    expect(h.after).toBe('PONG');
    expect((h.killed as { error: string }).error).toMatch(/^ERR Script killed by user with SCRIPT KILL/);
  });

  it('stops a runaway script inside MULTI/EXEC instead of hanging the server', { timeout: 60_000 }, async () => {
    const { hero } = await startServers();
    const c = client(hero);
    await send(c, ['CONFIG', 'SET', 'busy-reply-threshold', '100']);
    const m = c.multi();
    m.call('EVAL', 'while true do end', '0');
    m.call('SET', 'after', '1');
    const res = (await m.exec()) as [Error | null, unknown][];
    expect(res[0]![0]?.message).toMatch(/^ERR Script exceeded busy-reply-threshold inside MULTI\/EXEC/);
    expect(res[1]).toEqual([null, 'OK']);
    expect(await send(c, ['PING'])).toBe('PONG');
  });

  it('keeps serving when the client running a busy script disconnects', { timeout: 60_000 }, async () => {
    const { hero } = await startServers();
    const a = client(hero);
    const b = client(hero);
    await send(b, ['CONFIG', 'SET', 'busy-reply-threshold', '100']);
    void send(a, ['EVAL', 'while true do end', 0]);
    await until(async () => (await send(b, ['PING'])) !== 'PONG');
    a.disconnect();
    expect(await send(b, ['SCRIPT', 'KILL'])).toBe('OK');
    expect(await send(b, ['PING'])).toBe('PONG');
    expect(await send(b, ['EVAL', 'return 7', 0])).toBe(7);
  });

  it('refuses to kill a script that wrote, and serves again once it ends', { timeout: 60_000 }, async () => {
    const { hero } = await startServers();
    const a = client(hero);
    const b = client(hero);
    await send(b, ['CONFIG', 'SET', 'busy-reply-threshold', '100']);
    const running = send(a, [
      'EVAL',
      "redis.call('set', 'w', '1'); local t = redis.call('time'); local s = tonumber(t[1]) while tonumber(redis.call('time')[1]) < s + 2 do end return 'done'",
      0,
    ]);
    await until(async () => (await send(b, ['PING'])) !== 'PONG');
    expect(await send(b, ['SCRIPT', 'KILL'])).toEqual({
      error:
        'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.',
    });
    expect(await running).toBe('done');
    expect(await send(b, ['GET', 'w'])).toBe('1');
  });

  it('handles oversized scripts, deep recursion and runaway memory like Redis', { timeout: 60_000 }, async () => {
    const { hero, redis } = await startServers();
    const big = 'return string.len("' + 'x'.repeat(1_000_000) + '")';
    const manyLocals = Array.from({ length: 300 }, (_, i) => `local v${i} = ${i}`).join('\n');
    for (const sock of [hero, redis]) {
      const c = client(sock);
      expect(await send(c, ['EVAL', big, 0])).toBe(1_000_000);
      const err = (await send(c, ['EVAL', manyLocals, 0])) as { error: string };
      expect(err.error).toMatch(/^ERR Error compiling script \(new function\): user_script:\d+: /);
      const deep = (await send(c, ['EVAL', 'local function f(n) return f(n + 1) + 1 end return f(1)', 0])) as { error: string };
      expect(deep.error).toMatch(/stack overflow/);
      expect(await send(c, ['PING'])).toBe('PONG');
    }
  });
});
