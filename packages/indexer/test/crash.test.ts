import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { IndexerClient } from '../src/client.js';
import { configSchema, run } from '../src/index.js';
import { tempDir } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BATCH = 1000;

function batch(n: number) {
  return Array.from({ length: BATCH }, (_, i) => {
    const k = n * BATCH + i;
    return { id: `m${k}`, subject: `message ${k} batch${n}`, body: `lorem ipsum dolor ${'word'.repeat(1 + (k % 5))} `.repeat(40), box: `box${k % 3}` };
  });
}

describe('crash safety', () => {
  it('reopens cleanly after kill -9 during a large add, losing at most the uncommitted batch', async () => {
    const dir = await tempDir();
    const socketDir = path.join(dir, 's');
    const dataDir = path.join(dir, 'data');
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@hero/source', path.join(here, 'fixtures/serve-child.ts'), socketDir, dataDir], {
      cwd: path.join(here, '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const sock = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /ready (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    const client = new IndexerClient(sock, { timeoutMs: 60_000 });
    await client.create('mail', { fields: { subject: { type: 'text' }, body: { type: 'text' }, box: { type: 'keyword' } } });

    let acked = 0;
    let stop = false;
    const loop = (async () => {
      for (let n = 0; !stop; n++) {
        await client.add('mail', batch(n), true);
        acked = n + 1;
      }
    })().catch(() => undefined); // the last request dies with the server
    while (acked < 3) {
      if (child.exitCode !== null) throw new Error('the service died before the kill');
      await new Promise((r) => setTimeout(r, 5));
    }
    // the next batch is in flight now; land the kill at a different point of it each run
    await new Promise((r) => setTimeout(r, Math.random() * 150));
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    stop = true;
    await exited;
    await loop;
    await client.close().catch(() => undefined);
    const ackedAtKill = acked;

    // reopen in-process on the same dirs
    const ac = new AbortController();
    let ready!: () => void;
    const readyP = new Promise<void>((r) => (ready = r));
    const done = run(configSchema.parse({ socket_dir: socketDir, data_dir: dataDir }), ac.signal, { onReady: () => ready() });
    await readyP;
    const c2 = IndexerClient.forSocketDir(socketDir);
    try {
      const [info] = await c2.list();
      expect(info!.name).toBe('mail');
      expect(info!.docs % BATCH).toBe(0);
      expect(info!.docs).toBeGreaterThanOrEqual(ackedAtKill * BATCH);
      expect(info!.docs).toBeLessThanOrEqual((ackedAtKill + 1) * BATCH);
      const total = (await c2.search({ db: 'mail', query: 'lorem' })).total;
      expect(total).toBe(info!.docs);
      expect((await c2.search({ db: 'mail', query: 'batch0' })).total).toBe(BATCH);
      expect(await c2.get('mail', 'm0')).toMatchObject({ subject: 'message 0 batch0' });
      // only committed files remain, and the index keeps working
      const files = fs.readdirSync(path.join(dataDir, 'mail'));
      expect(files.every((f) => f === 'MANIFEST' || /^seg-\d+\.seg(\.del-\d+)?$/.test(f))).toBe(true);
      await c2.add('mail', [{ id: 'after', subject: 'after the crash' }], true);
      expect((await c2.search({ db: 'mail', query: 'crash' })).hits[0]!.id).toBe('after');
    } finally {
      await c2.close();
      ac.abort();
      await done;
    }
  }, 120_000);
});
