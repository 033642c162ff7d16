import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { configSchema, run } from '../src/index.js';
import { REGISTER, USER, redisServerBackend, startSupervisor, tempDir } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';

describe('the browser client', () => {
  it('runs jobs from a page through the fetch transport (CORS)', async (ctx) => {
    try {
      await fs.access(CHROMIUM);
    } catch {
      return ctx.skip();
    }
    const dir = await tempDir();
    const redis = await redisServerBackend.start(dir);
    const sv = await startSupervisor(redis.url);
    await sv.client(REGISTER).registerRunner('web');
    // a second supervisor on the same Redis with TCP and CORS, as a browser would reach it
    const ac = new AbortController();
    let tcp = '';
    const done = run(
      configSchema.parse({ socket_dir: path.join(dir, 's2'), redis_url: redis.url, user_secrets: [USER], tcp: '127.0.0.1:0', cors_origins: ['*'] }),
      ac.signal,
      { onReady: (i) => (tcp = i.tcp!.rpc!) },
    );
    onTestFinished(async () => {
      ac.abort();
      await done;
    });
    const { createRunner } = await import('../src/index.js');
    const runner = createRunner({ name: 'web', redis: redis.url, handler: (job) => `hello ${job.payload}` });
    await runner.ready;
    onTestFinished(() => runner.close());
    while (!tcp) await new Promise((r) => setTimeout(r, 20));

    const bundle = await build({
      entryPoints: [path.resolve(import.meta.dirname, '../src/client.ts')],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      globalName: 'Hero',
      write: false,
      logLevel: 'silent',
    });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    onTestFinished(() => browser.close());
    const page = await browser.newPage();
    await page.setContent('<html><body>hero</body></html>');
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
    const out = await page.evaluate(
      async ({ url, secret }) => {
        const H = (globalThis as unknown as { Hero: typeof import('../src/client.js') }).Hero;
        const c = new H.SupervisorClient(url, { secret });
        const job = new H.JobBuilder().runner('web').payload('browser').build();
        const res = await c.runJob(job);
        let denied = '';
        try {
          await new H.SupervisorClient(url).listRunners();
        } catch (e) {
          denied = (e as { code: string }).code;
        }
        return { res, status: (await c.jobStatus(job.id!)).status, denied };
      },
      { url: `http://${tcp}`, secret: USER },
    );
    expect(out).toEqual({ res: { success: 'hello browser' }, status: 'finished', denied: 'HERO_AUTH' });
  });
});
