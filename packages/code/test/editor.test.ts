import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startFakeProc } from './fake-proc.js';
import { makeFixture, startCode, tempDir } from './helpers.js';
import { rawRequest } from './raw-request.js';

/** Browsers cannot reach a Unix socket: a loopback TCP port piped to editor.sock. */
async function tcpProxy(socketPath: string): Promise<string> {
  const conns = new Set<net.Socket>();
  const server = net.createServer((c) => {
    const up = net.connect(socketPath);
    conns.add(c);
    conns.add(up);
    c.pipe(up).pipe(c);
    const drop = () => {
      c.destroy();
      up.destroy();
    };
    c.on('error', drop);
    up.on('error', drop);
    c.on('close', drop);
    up.on('close', drop);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onTestFinished(() => {
    for (const c of conns) c.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  const addr = server.address() as net.AddressInfo;
  return `http://127.0.0.1:${addr.port}`;
}

let browser: Browser;

// launch() gives every run a fresh temporary profile of its own.
beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe('editor UI', () => {
  it('serves the page, health and heroservice.json; /rpc requires JSON', async () => {
    const { info } = await startCode();
    const sock = info.sockets.editor!;
    const page = await rawRequest(sock, 'GET', '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Hero code</title>');
    expect(JSON.parse((await rawRequest(sock, 'GET', '/.well-known/heroservice.json')).body)).toMatchObject({ protocol: 'ui', name: 'hero_code', socket: 'editor' });
    const form = await rawRequest(sock, 'POST', '/rpc', '{"jsonrpc":"2.0","id":1,"method":"repo.list"}', { 'content-type': 'text/plain' });
    expect(form.status).toBe(415);
    const ok = await rawRequest(sock, 'POST', '/rpc', '{"jsonrpc":"2.0","id":1,"method":"repo.list"}', { 'content-type': 'application/json' });
    expect(JSON.parse(ok.body).result.repos).toHaveLength(2);
  });

  it('opens a file, edits, saves, builds a context and runs a prompt with a stub agent', async () => {
    const dir = await tempDir();
    const fx = await makeFixture(dir);
    await startFakeProc(path.join(dir, 'sockets'));
    const { info, root } = await startCode({ agent_command: 'echo "stub agent says:"; cat' }, { dir, ...fx });
    const base = await tcpProxy(info.sockets.editor!);
    const ctx = await browser.newContext();
    onTestFinished(() => ctx.close());
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(base + '/');
    // a broken page script fails here at once (it is parsed before 'load') instead of timing out later
    expect(errors).toEqual([]);
    await page.waitForSelector('body[data-ready="1"]');
    await expect.poll(() => page.textContent('#root')).toContain('2 repositories');

    // open alpha/src/a.ts through the tree
    await page.click('.tree-item[data-path="alpha"]');
    await page.click('.tree-item[data-path="alpha/src"]');
    await page.click('.tree-item[data-path="alpha/src/a.ts"]');
    await expect.poll(() => page.inputValue('#editor')).toContain('export const a = 1;');
    expect(await page.textContent('#filepath')).toBe('alpha/src/a.ts');

    // edit and save
    await page.fill('#editor', 'export const a = 42;\n');
    expect(await page.textContent('#filepath')).toBe('alpha/src/a.ts •');
    await page.click('#save');
    await expect.poll(() => page.textContent('#status')).toContain('saved alpha/src/a.ts');
    expect(await fs.readFile(path.join(root, 'alpha/src/a.ts'), 'utf8')).toBe('export const a = 42;\n');

    // a second save after an outside change is refused, and the file keeps the outside edit
    await fs.writeFile(path.join(root, 'alpha/src/a.ts'), 'outside edit\n');
    await page.fill('#editor', 'export const a = 43;\n');
    await page.click('#save');
    await expect.poll(() => page.getAttribute('#status', 'class')).toBe('err');
    expect(await page.textContent('#status')).toContain('changed since it was read');
    expect(await fs.readFile(path.join(root, 'alpha/src/a.ts'), 'utf8')).toBe('outside edit\n');

    // build a context from the open file plus the README, and render it
    // the unsaved edit asks before it is discarded
    const dialog = new Promise<string>((resolve) => page.once('dialog', (d) => (resolve(d.message()), void d.accept())));
    await page.click('.tree-item[data-path="alpha/README.md"]');
    expect(await dialog).toContain('Discard unsaved changes to alpha/src/a.ts');
    await expect.poll(() => page.textContent('#filepath')).toBe('alpha/README.md');
    await page.click('#add-to-ctx');
    await page.fill('#ctx-name', 'docs');
    await page.click('#ctx-save');
    await expect.poll(() => page.textContent('#ctx-info')).toBe('saved context docs');
    await expect.poll(() => page.locator('#ctx-list [data-name="docs"]').count()).toBe(1);
    await page.click('#ctx-render');
    await expect.poll(() => page.textContent('#ctx-info')).toContain('1 file(s), 67 bytes');
    expect(await page.textContent('#ctx-preview')).toContain('===== alpha/README.md (27 bytes) =====');

    // create a session using the context and run a prompt through the stub agent
    await page.click('.tabs button[data-tab="sessions"]');
    await page.fill('#ses-name', 'ui session');
    await page.fill('#ses-repo', 'alpha');
    await page.fill('#ses-contexts', 'docs');
    await page.click('#ses-create');
    await page.waitForSelector('#ses-detail:not([hidden])');
    await page.fill('#prompt', 'Summarise the project');
    await page.click('#send');
    const entry = page.locator('#history .entry[data-seq="1"]');
    await expect.poll(() => entry.getAttribute('data-state'), { timeout: 30_000 }).toBe('succeeded');
    const out = await entry.locator('pre.output').textContent();
    expect(out).toContain('stub agent says:');
    expect(out).toContain('# Alpha');
    expect(out).toContain('Summarise the project');
    await expect.poll(() => page.textContent('#status')).toBe('prompt #1 succeeded (exit 0)');

    // create a new file from the editor, then type into it and save
    page.once('dialog', (d) => void d.accept('alpha/notes/todo.md'));
    await page.click('#new-file');
    await expect.poll(() => page.textContent('#filepath')).toBe('alpha/notes/todo.md');
    expect(await page.locator('.tree-item[data-path="alpha/notes/todo.md"]').count()).toBe(1);
    await page.fill('#editor', '- write docs\n');
    await page.keyboard.press('Control+s');
    await expect.poll(() => fs.readFile(path.join(root, 'alpha/notes/todo.md'), 'utf8').catch(() => '')).toBe('- write docs\n');

    // search opens a hit
    await page.click('.tabs button[data-tab="search"]');
    await page.fill('#q', 'findNeedle');
    await page.click('#search');
    await expect.poll(() => page.locator('#results > div').count()).toBe(0);
    await page.fill('#q', 'beta');
    await page.click('#search');
    await page.click('#results > div[data-path="group/beta/main.py"]');
    await expect.poll(() => page.inputValue('#editor')).toBe('print("beta")\n');
    // the hit's line is selected
    expect(await page.$eval('#editor', (e) => {
      const t = e as unknown as { value: string; selectionStart: number; selectionEnd: number };
      return t.value.slice(t.selectionStart, t.selectionEnd);
    })).toBe('print("beta")');
    expect(errors).toEqual([]);
  }, 120_000);
});
