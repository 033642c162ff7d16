import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { z } from 'zod';
import { method, serveRpc } from '@hero/core';
import { startRouter, tempDir } from './helpers.js';

describe('dashboard', () => {
  it('lists services and methods and calls a method from the console in Chromium', async () => {
    const dir = path.join(await tempDir(), 'sockets');
    const ac = new AbortController();
    onTestFinished(() => ac.abort());
    await serveRpc(
      {
        info: { name: 'hero_greet', title: 'Greeter', version: '3.1.0', description: 'greets' },
        socket: { path: path.join(dir, 'hero_greet', 'rpc.sock'), service: 'hero_greet' },
        methods: {
          'greet.hello': method({
            summary: 'Says hello',
            params: z.object({ name: z.string() }),
            result: z.object({ text: z.string() }),
            handler: ({ name }) => ({ text: `hello ${name}` }),
          }),
        },
      },
      ac.signal,
    );
    const r = await startRouter({}, dir);
    const userDir = await fs.mkdtemp(path.join(os.tmpdir(), 'hero-router-chromium-'));
    onTestFinished(() => fs.rm(userDir, { recursive: true, force: true }));
    const browser = await chromium.launchPersistentContext(userDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    onTestFinished(() => browser.close());
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${r.base}/admin`);
    expect(page.url()).toBe(`${r.base}/admin/`);
    const row = page.locator('tr.sock[data-id="hero_greet/rpc"]');
    await row.waitFor({ timeout: 20_000 });
    await expect.poll(() => row.textContent()).toContain('healthy');
    expect(await row.textContent()).toContain('3.1.0');
    expect(await page.locator('tr.sock[data-id="hero_router/admin"]').count()).toBe(1);
    await row.click();
    await page.locator('#methods >> text=greet.hello').waitFor({ timeout: 20_000 });
    expect(await page.locator('#methods').textContent()).toContain('Says hello');
    await page.selectOption('#target', 'hero_greet/rpc');
    await page.fill('#method', 'greet.hello');
    await page.fill('#params', '{"name": "hero"}');
    await page.click('#call');
    await expect.poll(() => page.locator('#out').textContent(), { timeout: 20_000 }).toContain('hello hero');
    // a bad call shows the service's error
    await page.fill('#params', '{"name": 5}');
    await page.click('#call');
    await expect.poll(() => page.locator('#out').textContent(), { timeout: 20_000 }).toContain('-32602');
    expect(errors).toEqual([]);
  }, 90_000);
});
