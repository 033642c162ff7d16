import { describe, expect, it } from 'vitest';
import type { Reply } from '../reply.js';
import { ScriptEngine, type ScriptHost } from './engine.js';
import type { Value } from './value.js';

/** A tiny in-memory host: GET/SET/INCR and a write counter. */
function host(): ScriptHost & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    command(name) {
      if (name === 'get') return { arity: 2, write: false, noScript: false };
      if (name === 'set' || name === 'incr') return { arity: name === 'set' ? -3 : 2, write: true, noScript: false };
      if (name === 'multi') return { arity: 1, write: false, noScript: true };
      return undefined;
    },
    exec(argv: string[], r: Reply) {
      const name = argv[0]!.toLowerCase();
      if (name === 'get') {
        const v = data.get(argv[1]!);
        if (v === undefined) r.nil();
        else r.bulk(v);
      } else if (name === 'set') {
        data.set(argv[1]!, argv[2]!);
        r.ok();
      } else {
        const n = Number(data.get(argv[1]!) ?? '0') + 1;
        data.set(argv[1]!, String(n));
        r.int(n);
      }
    },
  };
}

function run(e: ScriptEngine, body: string, keys: string[] = [], args: string[] = [], h = host()): Promise<Value> {
  const loaded = e.load(body);
  if ('error' in loaded) return Promise.resolve({ t: 'error', v: loaded.error });
  return new Promise((resolve) => e.run(loaded.sha, { keys, args, readOnly: false, host: h }, resolve));
}

describe('ScriptEngine', () => {
  it('runs scripts against the host with KEYS and ARGV', async () => {
    const e = new ScriptEngine();
    const h = host();
    expect(await run(e, "redis.call('set', KEYS[1], ARGV[1]); return redis.call('incr', KEYS[1])", ['k'], ['41'], h)).toEqual({ t: 'int', v: 42 });
    expect(h.data.get('k')).toBe('42');
    expect(await run(e, "return redis.call('get', 'nope')")).toEqual({ t: 'nil' });
  });

  it('uses Lua 5.1 number semantics', async () => {
    const e = new ScriptEngine();
    expect(await run(e, 'return tostring(2147483647 + 1)')).toEqual({ t: 'bulk', v: '2147483648' });
    expect(await run(e, 'return 0x100000000 + 1')).toEqual({ t: 'int', v: 4294967297 });
    expect(await run(e, "return tonumber('1700000000000') .. ''")).toEqual({ t: 'bulk', v: '1700000000000' });
    expect(await run(e, 'return tostring(1e15 * 10)')).toEqual({ t: 'bulk', v: '1e+16' });
  });

  it('caches by SHA1 and flushes', () => {
    const e = new ScriptEngine();
    const r = e.load('return 1');
    expect(r).toEqual({ sha: 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db' });
    expect(e.has('E0E1F9FABFC9D4800C877A703B823AC0578FF8DB')).toBe(true);
    e.flush();
    expect(e.has('e0e1f9fabfc9d4800c877a703b823ac0578ff8db')).toBe(false);
  });

  it('goes busy past the time limit, yields, and can be killed', async () => {
    const e = new ScriptEngine({ timeLimitMs: 50 });
    const p = run(e, 'while true do end');
    while (!e.busy) await new Promise((r) => setTimeout(r, 10));
    expect(e.kill()).toEqual({ t: 'simple', v: 'OK' });
    const v = (await p) as { t: 'error'; v: string };
    expect(v.v).toMatch(/^ERR Script killed by user with SCRIPT KILL\.\.\. script: /);
    expect(e.busy).toBe(false);
    expect(e.kill()).toEqual({ t: 'error', v: 'NOTBUSY No scripts in execution right now.' });
  });

  it('cannot be killed after a write, and pcall cannot swallow a kill', async () => {
    const e = new ScriptEngine({ timeLimitMs: 30 });
    const p = run(e, "redis.call('set', 'a', '1'); local t = 0; for i = 1, 1e7 do t = t + 1 end return t");
    while (!e.busy) await new Promise((r) => setTimeout(r, 5));
    expect(e.kill()).toMatchObject({ t: 'error', v: expect.stringMatching(/^UNKILLABLE /) });
    expect(await p).toMatchObject({ t: 'int' });
    const q = run(e, 'while true do pcall(function() while true do end end) end');
    while (!e.busy) await new Promise((r) => setTimeout(r, 5));
    e.kill();
    expect(await q).toMatchObject({ t: 'error', v: expect.stringMatching(/^ERR Script killed/) });
  });
});
