import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { sendJson, serveUi } from '../src/index.js';
import { rawRequest, tempDir } from './helpers.js';

describe('serveUi', () => {
  it('serves the page, health, heroservice.json (protocol ui) and API routes on a 0600 socket', async () => {
    const dir = await tempDir();
    const sock = path.join(dir, 'svc', 'admin.sock');
    const ui = await serveUi({
      info: { name: 'svc', title: 'Svc', version: '1.0.0', description: 'dash' },
      html: '<!doctype html><title>Svc</title><h1>dashboard</h1>',
      socket: { path: sock, service: 'svc' },
      routes: (req, res) => {
        if (req.url === '/api/state') {
          sendJson(res, 200, { ok: true });
          return true;
        }
        return false;
      },
    });
    onTestFinished(() => ui.close());
    const page = await rawRequest(sock, 'GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('<h1>dashboard</h1>');
    expect(JSON.parse((await rawRequest(sock, 'GET', '/.well-known/heroservice.json')).body)).toEqual({
      protocol: 'ui', name: 'svc', title: 'Svc', version: '1.0.0', description: 'dash', socket: 'admin',
    });
    expect(JSON.parse((await rawRequest(sock, 'GET', '/health')).body)).toMatchObject({ status: 'ok', service: 'svc' });
    expect(JSON.parse((await rawRequest(sock, 'GET', '/api/state')).body)).toEqual({ ok: true });
    expect((await rawRequest(sock, 'GET', '/missing')).status).toBe(404);
    expect((await rawRequest(sock, 'DELETE', '/')).status).toBe(405);
    expect((await fs.stat(sock)).mode & 0o777).toBe(0o600);
    await ui.close();
    await expect(fs.stat(sock)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
