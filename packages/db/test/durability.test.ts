import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { Raw, encode, ioredis, sleep, startHero, tempDir } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.resolve(here, '../../../apps/hero-db/src/cli.ts');

async function waitSocket(file: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hero-db exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(file);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error('hero-db did not start');
    await sleep(50);
  }
}

/** Starts the hero-db CLI as a child process (so it can be killed with SIGKILL). */
async function spawnHero(dir: string, args: string[]): Promise<{ child: ChildProcess; sock: string; output: () => string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@hero/source', cli, 'serve', '--socket-dir', path.join(dir, 'sock'), '--data-dir', path.join(dir, 'data'), '--tcp', '', '--save', '', '--log-level', 'warn', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: path.resolve(here, '..') },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  const sock = path.join(dir, 'sock', 'hero_db', 'resp.sock');
  await waitSocket(sock, child);
  return { child, sock, output: () => out };
}

function kill9(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('durability', () => {
  it('appendfsync always: every acknowledged write survives kill -9', async () => {
    const dir = await tempDir();
    const a = await spawnHero(dir, ['--appendfsync', 'always']);
    const c = ioredis(a.sock);
    let acked = 0;
    const writer = (async () => {
      for (let i = 0; i < 100_000; i++) {
        await c.set(`k${i}`, String(i));
        acked = i + 1;
      }
    })().catch(() => {});
    await sleep(1500);
    await kill9(a.child);
    await writer;
    c.disconnect();
    expect(acked).toBeGreaterThan(10);
    const b = await spawnHero(dir, ['--appendfsync', 'always']);
    const d = ioredis(b.sock);
    const n = await d.dbsize();
    expect(n).toBeGreaterThanOrEqual(acked);
    expect(await d.get(`k${acked - 1}`)).toBe(String(acked - 1));
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('appendfsync everysec: a kill -9 loses at most about a second of writes', async () => {
    const dir = await tempDir();
    const a = await spawnHero(dir, ['--appendfsync', 'everysec']);
    const c = ioredis(a.sock);
    let acked = 0;
    const writer = (async () => {
      for (let i = 0; i < 1_000_000; i++) {
        await c.incr('counter');
        acked = i + 1;
      }
    })().catch(() => {});
    await sleep(1500);
    await kill9(a.child);
    await writer;
    c.disconnect();
    const b = await spawnHero(dir, []);
    const d = ioredis(b.sock);
    const v = Number(await d.get('counter'));
    // A process kill leaves written pages to the OS, so nothing acknowledged is lost here; an OS
    // crash could lose the last second, which is what everysec promises.
    expect(v).toBeGreaterThan(0);
    expect(acked - v).toBeLessThanOrEqual(acked);
    expect(v).toBeGreaterThanOrEqual(acked - 1);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('a torn AOF tail is truncated with a warning and the rest loads', async () => {
    const dir = await tempDir();
    const h = await startHero({ appendfsync: 'always' }, dir);
    const c = await Raw.open(h.resp);
    await c.call('SET', 'a', '1');
    await c.call('RPUSH', 'l', 'x', 'y');
    await c.call('MULTI');
    await c.call('SET', 'b', '2');
    await c.call('INCR', 'a');
    await c.call('EXEC');
    c.sock.destroy();
    await h.stop();
    const aof = path.join(dir, 'data', 'appendonly.aof');
    const good = (await fs.stat(aof)).size;
    // a half-written command, as after a crash mid-write
    await fs.appendFile(aof, '*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$10\r\nonly');
    const h2 = await startHero({ appendfsync: 'always' }, dir);
    const d = await Raw.open(h2.resp);
    expect(await d.call('MGET', 'a', 'b', 'c')).toBe('*3\r\n$1\r\n2\r\n$1\r\n2\r\n$-1\r\n');
    expect(await d.call('LRANGE', 'l', '0', '-1')).toBe('*2\r\n$1\r\nx\r\n$1\r\ny\r\n');
    expect((await fs.stat(aof)).size).toBe(good);
    await d.call('SET', 'after', 'yes');
    d.sock.destroy();
    await h2.stop();
    const h3 = await startHero({}, dir);
    const e = await Raw.open(h3.resp);
    expect(await e.call('GET', 'after')).toBe('$3\r\nyes\r\n');
    e.sock.destroy();
    await h3.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('an unterminated MULTI at the end of the AOF is dropped; a corrupt record keeps a copy', async () => {
    const dir = await tempDir();
    const h = await startHero({ appendfsync: 'always' }, dir);
    const c = await Raw.open(h.resp);
    await c.call('SET', 'a', '1');
    c.sock.destroy();
    await h.stop();
    const aof = path.join(dir, 'data', 'appendonly.aof');
    const good = (await fs.stat(aof)).size;
    await fs.appendFile(aof, Buffer.concat([encode(['MULTI']), encode(['SET', 'a', 'torn'])]));
    const h2 = await startHero({}, dir);
    const d = await Raw.open(h2.resp);
    expect(await d.call('GET', 'a')).toBe('$1\r\n1\r\n');
    d.sock.destroy();
    await h2.stop();
    expect((await fs.stat(aof)).size).toBe(good);
    await fs.appendFile(aof, 'garbage that is not RESP\r\n' + encode(['SET', 'z', '1']).toString());
    const h3 = await startHero({}, dir);
    const e = await Raw.open(h3.resp);
    expect(await e.call('GET', 'a')).toBe('$1\r\n1\r\n');
    e.sock.destroy();
    await h3.stop();
    const files = await fs.readdir(path.join(dir, 'data'));
    expect(files.some((f) => f.startsWith('appendonly.aof.corrupt-'))).toBe(true);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('BGREWRITEAOF compacts the log; writes during the rewrite are kept', async () => {
    const dir = await tempDir();
    const h = await startHero({ appendfsync: 'everysec', auto_aof_rewrite_percentage: 0 }, dir);
    const c = ioredis(h.resp);
    for (let i = 0; i < 2000; i++) await c.incr('n');
    await c.hset('h', { a: '1', b: '2' });
    await c.zadd('z', 1.5, 'x', '-inf', 'lo');
    await c.sadd('s', 'a', 'b');
    await c.rpush('l', 'a', 'b');
    await c.set('ttl', 'v', 'EX', 1000);
    const aof = path.join(dir, 'data', 'appendonly.aof');
    const before = (await fs.stat(aof)).size;
    expect(await c.bgrewriteaof()).toMatch(/rewriting started/);
    await c.set('during', 'x');
    for (let i = 0; i < 50; i++) {
      const info = await c.info('persistence');
      if (info.includes('aof_rewrite_in_progress:0')) break;
      await sleep(50);
    }
    await c.set('afterwards', 'y');
    const after = (await fs.stat(aof)).size;
    expect(after).toBeLessThan(before);
    c.disconnect();
    await h.stop();
    const h2 = await startHero({}, dir);
    const d = ioredis(h2.resp);
    expect(await d.get('n')).toBe('2000');
    expect(await d.hgetall('h')).toEqual({ a: '1', b: '2' });
    expect(await d.zrange('z', 0, -1, 'WITHSCORES')).toEqual(['lo', '-inf', 'x', '1.5']);
    expect((await d.smembers('s')).sort()).toEqual(['a', 'b']);
    expect(await d.lrange('l', 0, -1)).toEqual(['a', 'b']);
    expect(await d.ttl('ttl')).toBeGreaterThan(900);
    expect(await d.mget('during', 'afterwards')).toEqual(['x', 'y']);
    d.disconnect();
    await h2.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('the AOF grows back into a rewrite automatically', async () => {
    const dir = await tempDir();
    const h = await startHero({ auto_aof_rewrite_percentage: 100, auto_aof_rewrite_min_size: 0 }, dir);
    const c = ioredis(h.resp);
    for (let i = 0; i < 300; i++) await c.set('same', 'x'.repeat(100));
    let info = '';
    for (let i = 0; i < 200; i++) {
      info = await c.info('persistence');
      if (info.includes('aof_rewrite_in_progress:0')) break;
      await sleep(50);
    }
    // a rewrite ran on its own (the base is the rewritten dataset)
    expect(Number(/aof_base_size:(\d+)/.exec(info)![1])).toBeGreaterThan(0);
    await c.set('last', '1');
    c.disconnect();
    await h.stop();
    const h2 = await startHero({}, dir);
    const d = ioredis(h2.resp);
    expect(await d.mget('same', 'last')).toEqual(['x'.repeat(100), '1']);
    d.disconnect();
    await h2.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('snapshots: SAVE/BGSAVE/LASTSAVE, load on start without AOF, final save on stop', async () => {
    const dir = await tempDir();
    const h = await startHero({ appendonly: false, save: '3600 1' }, dir);
    const c = ioredis(h.resp);
    await c.set('a', '1');
    await c.hset('h', 'f', 'v');
    expect(await c.save()).toBe('OK');
    const t = await c.lastsave();
    expect(t).toBeGreaterThan(0);
    await c.set('b', '2');
    expect(await c.bgsave()).toBe('Background saving started');
    await sleep(200);
    await c.set('c', '3');
    c.disconnect();
    await h.stop();
    expect((await fs.readdir(path.join(dir, 'data'))).includes('dump.hdb')).toBe(true);
    const h2 = await startHero({ appendonly: false }, dir);
    const d = ioredis(h2.resp);
    expect(await d.mget('a', 'b', 'c')).toEqual(['1', '2', '3']);
    expect(await d.hget('h', 'f')).toBe('v');
    d.disconnect();
    await h2.stop();
    // turning the AOF on later seeds it from the snapshot
    const h3 = await startHero({ appendonly: true }, dir);
    await h3.stop();
    await fs.rm(path.join(dir, 'data', 'dump.hdb'));
    const h4 = await startHero({ appendonly: true }, dir);
    const e = ioredis(h4.resp);
    expect(await e.mget('a', 'b', 'c')).toEqual(['1', '2', '3']);
    e.disconnect();
    await h4.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('expiry: TTLs survive a restart, expired keys are removed without being read', async () => {
    const dir = await tempDir();
    const h = await startHero({}, dir);
    const c = ioredis(h.resp);
    await c.set('long', 'v', 'EX', 1000);
    await c.set('short', 'v', 'PX', 150);
    for (let i = 0; i < 200; i++) await c.set(`tmp${i}`, 'v', 'PX', 100);
    expect(await c.dbsize()).toBe(202);
    await sleep(1200);
    // no reads of the keys themselves: active expiry freed them
    expect(await c.dbsize()).toBe(1);
    expect(await c.info('stats')).toMatch(/expired_keys:20[01]/);
    c.disconnect();
    await h.stop();
    const h2 = await startHero({}, dir);
    const d = ioredis(h2.resp);
    expect(await d.ttl('long')).toBeGreaterThan(990);
    expect(await d.exists('short')).toBe(0);
    d.disconnect();
    await h2.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('two servers cannot share a socket dir or a data dir', async () => {
    const dir = await tempDir();
    const h = await startHero({}, dir);
    await expect(startHero({}, dir)).rejects.toThrow(/already running/);
    const other = await tempDir();
    await expect(startHero({ data_dir: path.join(dir, 'data'), socket_dir: path.join(other, 'sock') })).rejects.toThrow(/in use/);
    await h.stop();
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rm(other, { recursive: true, force: true });
  });
});

describe('background work', () => {
  it('BGREWRITEAOF during a BGSAVE runs after it', async () => {
    const dir = await tempDir();
    const h = await startHero({ auto_aof_rewrite_percentage: 0 }, dir);
    const c = ioredis(h.resp);
    for (let i = 0; i < 500; i++) await c.set('k', String(i));
    expect(await c.bgsave()).toBe('Background saving started');
    expect(await c.bgrewriteaof()).toMatch(/scheduled|started/);
    let info = '';
    for (let i = 0; i < 200; i++) {
      info = await c.info('persistence');
      if (/aof_base_size:[1-9]/.test(info) && info.includes('aof_rewrite_in_progress:0')) break;
      await sleep(50);
    }
    expect(info).toMatch(/aof_base_size:[1-9]/);
    expect(Number(/aof_current_size:(\d+)/.exec(info)![1])).toBeLessThan(1000);
    c.disconnect();
    await h.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });
});

describe('AOF write errors', () => {
  it('refuses writes with MISCONF while the AOF cannot be written, then recovers', async () => {
    const nodefs = (await import('node:fs')).default;
    const dir = await tempDir();
    const h = await startHero({ appendfsync: 'everysec' }, dir);
    const c = await Raw.open(h.resp);
    const real = nodefs.writeSync.bind(nodefs);
    let failing = true;
    const spy = vi.spyOn(nodefs, 'writeSync').mockImplementation(((fd: number, buf: Buffer, ...rest: unknown[]) => {
      if (failing && Buffer.isBuffer(buf) && buf.includes('poison')) {
        throw Object.assign(new Error('No space left on device'), { code: 'ENOSPC' });
      }
      return (real as (...a: unknown[]) => number)(fd, buf, ...rest);
    }) as typeof nodefs.writeSync);
    try {
      expect(await c.call('SET', 'poison', '1')).toBe('+OK\r\n');
      expect(await c.call('SET', 'other', '1')).toBe('-MISCONF Errors writing to the AOF file: No space left on device\r\n');
      expect(await c.call('GET', 'poison')).toBe('$1\r\n1\r\n');
      expect(await c.call('INFO', 'persistence')).toContain('aof_last_write_status:err');
      failing = false;
      await c.call('PING');
      await sleep(50);
      expect(await c.call('SET', 'other', '2')).toBe('+OK\r\n');
    } finally {
      spy.mockRestore();
    }
    c.sock.destroy();
    await h.stop();
    const h2 = await startHero({}, dir);
    const d = await Raw.open(h2.resp);
    expect(await d.call('MGET', 'poison', 'other')).toBe('*2\r\n$1\r\n1\r\n$1\r\n2\r\n');
    d.sock.destroy();
    await h2.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });
});
