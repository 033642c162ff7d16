import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RpcClient } from '../src/index.js';

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('RpcClient loading', () => {
  it('does not load undici until a client makes a call', async () => {
    // a resolve hook that refuses undici: importing core and building a client must still work
    const hook = `export async function resolve(s, c, next) { if (s === 'undici') throw new Error('undici loaded'); return next(s, c); }`;
    const script = `
      import { register } from 'node:module';
      register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
      const core = await import('@hero/core');
      const c = new core.RpcClient('/nonexistent/rpc.sock');
      await c.close();
      const err = await new core.RpcClient('/nonexistent/rpc.sock').call('x').catch((e) => e);
      console.log(JSON.stringify({ ok: true, err: String(err && err.message) }));`;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--conditions=@hero/source', '--input-type=module', '-e', script],
        { cwd: pkgDir },
        (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout)),
      );
    });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { ok: boolean; err: string };
    expect(r.ok).toBe(true);
    expect(r.err).toMatch(/undici loaded/);
  });

  it('refuses calls after close', async () => {
    const c = new RpcClient('/nonexistent/rpc.sock');
    await c.close();
    await expect(c.call('x')).rejects.toMatchObject({ code: 'HERO_UNAVAILABLE', message: /client closed/ });
  });
});
