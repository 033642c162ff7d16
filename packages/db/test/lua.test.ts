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

const E = (script: string, ...rest: (string | number)[]) => ['EVAL', script, ...rest];

describe('EVAL compared with redis-server', () => {
  it('converts Lua values to replies', async () => {
    await same([
      E('return 1', 0),
      E('return {1,2,3.7,"x",true,false,nil,4}', 0),
      E('return {1,{2,{3}},{}}', 0),
      E('local t={}; t[1]=1; t[3]=3; return t', 0),
      E('return 3.99', 0),
      E('return -3.99', 0),
      E('return "hello"', 0),
      E('return nil', 0),
      E('return false', 0),
      E('return true', 0),
      E("return {err='x y'}", 0),
      E("return {ok='FINE'}", 0),
      E("return redis.status_reply('FINE')", 0),
      E("return redis.error_reply('FOO bar')", 0),
      E("return redis.error_reply('bar')", 0),
      E("return {err=3}", 0),
      E('return KEYS[1] .. ARGV[1] .. #KEYS .. #ARGV', 2, 'k1', 'k2', 'a1'),
      E('return tostring(3/2) .. " " .. tostring(4/2) .. " " .. (10/2) .. " " .. 2^53', 0),
      E('return tonumber("1732345678901") + 1', 0),
      E('return tostring(tonumber("1732345678901") * 1000)', 0),
      E('return 0x100000000 * 3 + 1', 0),
      E('return redis.sha1hex("")', 0),
      E('return redis.sha1hex("abc")', 0),
      E('return type(unpack)', 0),
      E(
        'return {bit.band(0xff, 0x0f), bit.bor(1,2,4), bit.bxor(5,3), bit.bnot(0), bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.tobit(2^32 + 5), bit.tohex(255), bit.tohex(-1, 4), bit.rol(1, 33), bit.ror(1, 1), bit.bswap(0x12345678), bit.tohex(255, -4), bit.band(2^40 + 3, 7)}',
        0,
      ),
    ]);
  });

  it('converts replies to Lua values', async () => {
    await same([
      ['DEL', 'k', 'h', 'l', 's'],
      E("redis.call('set', KEYS[1], 'v'); return redis.call('get', KEYS[1])", 1, 'k'),
      E("return redis.call('get', 'missing') == false", 0),
      E("return type(redis.call('set', 'k', 'x'))", 0),
      E("return redis.call('set', 'k', 'x').ok", 0),
      E("return redis.call('incr', 'n')", 0),
      E("redis.call('hset', 'h', 'a', 1, 'b', 2); return redis.call('hgetall', 'h')", 0),
      E("redis.call('rpush', 'l', 1, 2, 3); return redis.call('lrange', 'l', 0, -1)", 0),
      E("return redis.call('set', 'k', 1.5)", 0),
      E("return redis.call('get', 'k')", 0),
      E("return redis.call('set', 'k', 1e20)", 0),
      E("return redis.call('get', 'k')", 0),
      E("return redis.call('zadd', 'z', 1.25, 'a')", 0),
      E("return redis.call('zscore', 'z', 'a')", 0),
      E("return redis.call('blpop', 'nol', 0)", 0),
      E("local t = redis.pcall('incr', 'h'); return t.err", 0),
      E("return redis.pcall('incr', 'h')", 0),
      E("redis.call('select', 1); redis.call('set', 'sel', 'v'); return redis.call('get', 'sel')", 0),
      ['GET', 'sel'],
      ['SELECT', 1],
      ['GET', 'sel'],
      ['DEL', 'sel'],
      ['SELECT', 0],
      E("return redis.call('object', 'encoding', 'h')", 0),
      E("return redis.call('type', 'h')", 0),
      E("return redis.call('client', 'list')", 0),
    ]);
  });

  it('gives Redis errors for bad scripts and bad calls', async () => {
    await same([
      E('return (', 0),
      E('return 1 +', 0),
      E("error('boom')", 0),
      E("error({err='MY thing'})", 0),
      E('local x = nil; return x.y', 0),
      E("return redis.call('nosuch')", 0),
      E("return redis.pcall('nosuch')", 0),
      E("return redis.call('set', 'a')", 0),
      E("return redis.call()", 0),
      E("return redis.call('set', 'x', {})", 0),
      E("return redis.call('incr', 'h')", 0),
      E("return redis.call('eval', 'return 1', 0)", 0),
      E("return redis.call('subscribe', 'x')", 0),
      E('x = 1', 0),
      E('return undefined_global', 0),
      E('return 1', -1),
      E('return 1', 5, 'a'),
      E('return 1', 'x'),
      ['EVAL_RO', "return redis.call('set', 'a', 'b')", 0],
      ['EVAL_RO', "return redis.call('get', 'a')", 0],
      ['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', 0],
      ['EVALSHA', 'abc', 0],
    ]);
  });

  it('keeps globals and libraries read-only, so no script changes what the next one sees', async () => {
    await same([
      E('redis = nil', 0),
      E('redis.call = nil', 0),
      E('string.rep = nil', 0),
      E("getmetatable('').__index.rep = nil", 0),
      E('cjson.encode = nil', 0),
      E("rawset(_G, 'x', 1)", 0),
      E('setmetatable(_G, nil)', 0),
      E('setmetatable(redis, {})', 0),
      E('tostring = nil', 0),
      E('return type(print)', 0),
      // Everything above failed, so the next scripts see the libraries intact.
      E("return {redis.call('ping'), string.rep('x', 2), ('y'):rep(3), cjson.encode({1}), tostring(5)}", 0),
      E("return getmetatable('').__index == string", 0),
      E('local n = 0; for _ in pairs(string) do n = n + 1 end; return n > 10', 0),
      E("local t = {}; rawset(t, 'a', 1); setmetatable(t, {}); return t.a", 0),
    ]);
  });

  it('offers no way around the read-only globals: load, pairs, debug', async () => {
    const { hero } = await startServers();
    const h = client(hero);
    const run = async (script: string) => {
      const r = await send(h, E(script, 0));
      return r && typeof r === 'object' && 'error' in r ? (r as { error: string }).error : r;
    };
    // what load compiles runs in the scripts' read-only env, never in the real globals
    expect(String(await run('load("string.rep = nil")()'))).toMatch(/readonly table/);
    expect(String(await run('load("redis.call = 5")()'))).toMatch(/readonly table/);
    expect(await run('return type(load("return debug"))')).toBe('function');
    expect(String(await run('return load("return debug")()'))).toMatch(/nonexistent global variable 'debug'/);
    // pairs over a library hands out no reference to the table behind it
    expect(String(await run('local _, real = pairs(string); real.rep = nil'))).toMatch(/attempt to index|readonly table/);
    expect(String(await run("local _, real = pairs(redis); rawset(real, 'call', nil)"))).toMatch(/bad argument|readonly table/);
    // nothing above changed what a later script sees
    expect(await run("return {type(string.rep), type(redis.call), redis.call('ping')}")).toEqual(['function', 'function', 'PONG']);
  });

  it("hands pcall's caller the message of a redis.call error as a string", async () => {
    await same([
      ['SET', 's', 'v'],
      E("local ok, e = pcall(redis.call, 'nosuch'); return {tostring(ok), type(e), e}", 0),
      E("local ok, e = pcall(redis.call, 'incr', 's'); return {tostring(ok), e}", 0),
      E("local ok, e = pcall(function() error({err='MY thing'}) end); return e", 0),
      E("local ok, e = pcall(function() error({foo='bar'}) end); return type(e)", 0),
      E("local ok, e = pcall(error, 'plain'); return e", 0),
      E("return {pcall(function() return 1, 2 end)}", 0),
    ]);
  });

  it('honours #!lua shebangs', async () => {
    await same([
      E('#!lua flags=no-writes\nreturn redis.call("set", "a", "b")', 0),
      E('#!lua flags=no-writes\nreturn redis.call("get", "a")', 0),
      E('#!lua flags=no-writes,bogus\nreturn 1', 0),
      E('#!lua foo=bar\nreturn 1', 0),
      E('#!py\nreturn 1', 0),
      E('#!lua\nerror("x")', 0),
    ]);
  });

  it('speaks RESP3 to HELLO 3 clients', async () => {
    const { hero, redis } = await startServers();
    const cmds = [
      E('return {map={a=1}}', 0),
      E('return {set={a=true}}', 0),
      E('return {double=1.5}', 0),
      E('return false', 0),
      E('return {1, "x", {ok="fine"}}', 0),
      E("redis.setresp(3); return redis.call('hgetall', 'nokey')", 0),
      E("redis.setresp(3); return type(redis.call('hgetall', 'nokey').map)", 0),
      E("redis.setresp(3); return redis.call('get', 'nokey') == nil", 0),
      E('redis.setresp(3); return true', 0),
      E('redis.setresp(3); return false', 0),
      E('redis.setresp(3); return {true, false, 1}', 0),
      E('redis.setresp(4)', 0),
    ];
    for (const proto of [2, 3]) {
      const seq = [['HELLO', proto], ...cmds];
      expect(dropHello(await raw(hero, seq))).toEqual(dropHello(await raw(redis, seq)));
    }
  });

  it('caches scripts by SHA1', async () => {
    await same([
      ['SCRIPT', 'FLUSH'],
      ['SCRIPT', 'LOAD', 'return ARGV[1]'],
      ['EVALSHA', '8f5b3e4cc6ea6fb1ac3ab4e9f8d4b2b4a4b5e2c1', 0],
      ['SCRIPT', 'EXISTS', '098e0f0d1448c0a81dafe820f66d460eb09263da', 'ffffffffffffffffffffffffffffffffffffffff'],
      ['SCRIPT', 'LOAD', 'return ('],
      ['SCRIPT', 'KILL'],
      ['SCRIPT', 'FOO'],
      ['SCRIPT'],
      ['SCRIPT', 'FLUSH', 'BAD'],
      ['SCRIPT', 'FLUSH', 'ASYNC'],
      ['SCRIPT', 'EXISTS', '098e0f0d1448c0a81dafe820f66d460eb09263da'],
    ]);
  });

  it('runs cjson and cmsgpack like Redis', async () => {
    await same([
      E("return cjson.encode({1,2,3,'x',{a=1}})", 0),
      E("return cjson.encode({a='/\"\\\\\\n'})", 0),
      E("return cjson.encode({})", 0),
      E("return cjson.encode(1.5)", 0),
      E("local t = cjson.decode('[1,2,{\"a\":null,\"b\":[true,false]}]'); return {t[1], t[2], t[3].a == cjson.null, tostring(t[3].b[1])}", 0),
      E("return cjson.decode('{\"a\":\"\\\\u00e9\"}').a", 0),
      E("return cjson.decode('[1,2')", 0),
      E("return cmsgpack.pack({1,2,'a'})", 0),
      E("return cmsgpack.pack({a=1})", 0),
      E("return cmsgpack.pack(1, -1, 300, -300, 70000, 1.5, 'x', true, false)", 0),
      E("return cmsgpack.pack(string.rep('x', 40))", 0),
      E("local a, b, c = cmsgpack.unpack(cmsgpack.pack({1, 2, {x='y'}}, 'z', 7)); return {a[1], a[3].x, b, c}", 0),
      E("return cmsgpack.unpack('\\193')", 0),
    ]);
  });
});
