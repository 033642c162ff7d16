import { describe, expect, it } from 'vitest';
import { ScriptEngine, type ScriptHost } from './engine.js';
import type { Value } from './value.js';

const host: ScriptHost = { command: () => undefined, exec: () => {} };

function run(body: string): Promise<Value> {
  const e = new ScriptEngine();
  const loaded = e.load(body);
  if ('error' in loaded) throw new Error(loaded.error);
  return new Promise((resolve) => e.run(loaded.sha, { keys: [], args: [], readOnly: false, host }, resolve));
}

describe('cjson', () => {
  it('round-trips nested values and escapes like lua-cjson', async () => {
    expect(await run("return cjson.encode(cjson.decode('{\"a\":[1,2.5,\"x\\\\/y\",true,null]}'))")).toEqual({
      t: 'bulk',
      v: '{"a":[1,2.5,"x\\/y",true,null]}',
    });
    expect(await run("return cjson.encode({[1]=1, [20]=2})")).toMatchObject({ t: 'error', v: expect.stringMatching(/excessively sparse array/) });
    expect(await run('return cjson.encode(function() end)')).toMatchObject({ t: 'error', v: expect.stringMatching(/type not supported/) });
  });
});

describe('cmsgpack', () => {
  it('packs with the smallest encodings and unpacks msgpack from other libraries', async () => {
    expect(await run('return cmsgpack.pack(0, 127, 128, 65536, -33, 2^40, 0.5, 0.1)')).toEqual({
      t: 'bulk',
      v: Buffer.from('007fcc80ce00010000d0dfcf0000010000000000ca3f000000cb3fb999999999999a', 'hex').latin1Slice(),
    });
    // A map as msgpackr writes it: {name: "job", opts: {attempts: 3}}.
    const packed = Buffer.from('82a46e616d65a36a6f62a46f70747381a8617474656d70747303', 'hex');
    const esc = [...packed].map((b) => '\\' + b).join('');
    expect(await run(`local t = cmsgpack.unpack('${esc}'); return {t.name, t.opts.attempts}`)).toEqual({
      t: 'array',
      v: [
        { t: 'bulk', v: 'job' },
        { t: 'int', v: 3 },
      ],
    });
    expect(await run("return cmsgpack.unpack('\\205')")).toMatchObject({ t: 'error', v: expect.stringMatching(/Missing bytes in input/) });
  });
});
