import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startProc, waitFor, waitState } from './helpers.js';

/** A loopback TCP port forwarding to a Unix socket (browsers cannot dial Unix sockets). */
async function tcpBridge(socketPath: string): Promise<number> {
  const conns = new Set<net.Socket>();
  const server = net.createServer((c) => {
    const u = net.connect(socketPath);
    conns.add(c).add(u);
    c.pipe(u).pipe(c);
    const end = () => {
      c.destroy();
      u.destroy();
    };
    c.on('error', end).on('close', end);
    u.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onTestFinished(
    () =>
      new Promise<void>((r) => {
        for (const c of conns) c.destroy();
        server.close(() => r());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

/** Reads SSE events from a Unix socket until `count` data events arrived. */
function readSse(socketPath: string, urlPath: string, count: number, onOpen?: () => void): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const events: unknown[] = [];
    const req = http.get({ socketPath, path: urlPath }, (res) => {
      expect(res.headers['content-type']).toBe('text/event-stream');
      onOpen?.();
      let buf = '';
      res.on('data', (c: Buffer) => {
        buf += c.toString();
        let i;
        while ((i = buf.indexOf('\n\n')) !== -1) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          for (const line of block.split('\n')) if (line.startsWith('data: ')) events.push(JSON.parse(line.slice(6)));
          if (events.length >= count) {
            req.destroy();
            resolve(events);
            return;
          }
        }
      });
    });
    req.on('error', (err) => {
      if (events.length < count) reject(err);
    });
  });
}

describe('admin.sock', () => {
  it('streams live log lines over SSE', async () => {
    const p = await startProc();
    await p.client.serviceSet({ name: 'talker', exec: 'echo first; sleep 0.5; echo second; exec sleep 1000' });
    await waitFor(async () => (await p.client.serviceLogs('talker')).lines.length >= 1);
    const events = (await readSse(p.adminSock, '/api/logs/stream?source=talker&lines=10', 2)) as { line: string; source: string }[];
    expect(events.map((e) => e.line)).toEqual(['first', 'second']);
    expect(events[0]!.source).toBe('svc:talker');
    // the same stream is on rpc.sock for the CLI
    const again = (await readSse(p.rpcSock, '/logs/stream?source=svc:talker&lines=1', 1)) as { line: string }[];
    expect(again[0]!.line).toBe('second');
  });

  it('serves JSON-RPC and heroservice.json on admin.sock', async () => {
    const p = await startProc();
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system.ping' });
    const res = await new Promise<string>((resolve, reject) => {
      const req = http.request({ socketPath: p.adminSock, path: '/rpc', method: 'POST', headers: { 'content-type': 'application/json' } }, (r) => {
        let b = '';
        r.on('data', (c) => (b += c));
        r.on('end', () => resolve(b));
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(JSON.parse(res)).toEqual({ jsonrpc: '2.0', id: 1, result: { pong: true } });
    const hs = await new Promise<string>((resolve, reject) => {
      http.get({ socketPath: p.adminSock, path: '/.well-known/heroservice.json' }, (r) => {
        let b = '';
        r.on('data', (c) => (b += c));
        r.on('end', () => resolve(b));
      }).on('error', reject);
    });
    expect(JSON.parse(hs)).toMatchObject({ protocol: 'ui', name: 'hero_proc', socket: 'admin' });
  });

  it('dashboard shows services, stops and starts them, and streams logs (headless Chromium)', async () => {
    const p = await startProc();
    await p.client.serviceSet({ name: 'web', exec: 'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.2; done' });
    await p.client.serviceSet({ name: 'worker', exec: 'exec sleep 1000' });
    const j = await p.client.jobCreate({ name: 'backup', exec: 'echo backed-up' });
    await p.client.jobWait(j.id);
    await waitState(p.client, 'web', 'running');
    const port = await tcpBridge(p.adminSock);
    const profile = await fs.mkdtemp(path.join(os.tmpdir(), 'hero-proc-chrome-'));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    onTestFinished(async () => {
      await browser.close();
      await fs.rm(profile, { recursive: true, force: true });
    });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${port}/`);
    const row = page.locator('#services tr[data-name="web"]');
    await row.locator('td.st').filter({ hasText: 'running' }).waitFor({ timeout: 15_000 });
    await expect.poll(() => page.locator('#services tbody tr').count()).toBe(2);
    await expect.poll(() => page.locator('#jobs tbody tr').first().innerText()).toMatch(/backup\s+succeeded/);
    // live logs of everything by default
    await page.locator('#logs div', { hasText: 'tick' }).first().waitFor({ timeout: 15_000 });

    await page.locator('#services tr[data-name="worker"] button[data-act="service.stop"]').click();
    await page.locator('#services tr[data-name="worker"] td.st', { hasText: 'inactive' }).waitFor({ timeout: 15_000 });
    expect((await p.client.serviceStatus('worker')).state).toBe('inactive');
    await page.locator('#services tr[data-name="worker"] button[data-act="service.start"]').click();
    await page.locator('#services tr[data-name="worker"] td.st', { hasText: 'running' }).waitFor({ timeout: 15_000 });

    // one service's logs, then a job's logs
    await row.locator('button[data-act="logs"]').click();
    await expect.poll(() => page.locator('#logsrc').textContent()).toBe('(svc:web)');
    await page.locator('#logs div', { hasText: 'tick' }).first().waitFor({ timeout: 15_000 });
    await page.locator('#jobs tbody tr').first().locator('button[data-act="joblogs"]').click();
    await page.locator('#logs div', { hasText: 'backed-up' }).waitFor({ timeout: 15_000 });
    const pid = (await p.client.serviceStatus('web')).pid!;
    await expect.poll(() => row.locator('td').nth(2).innerText()).toBe(String(pid));
    expect(errors).toEqual([]);
  });
});
