import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Engine } from '../src/engine.js';
import { cmd } from '../src/command.js';
import { allCommands } from '../src/commands/index.js';
import { listenResp } from '../src/resp-server.js';

/** Sends raw RESP and collects what comes back until the server closes or `until` matches. */
function exchange(sock: string, data: string, until?: RegExp): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const c = net.connect(sock, () => c.write(data));
    let text = '';
    c.on('data', (d) => {
      text += d;
      if (until?.test(text)) {
        c.destroy();
        resolve({ text, closed: false });
      }
    });
    c.on('close', () => resolve({ text, closed: true }));
    c.on('error', reject);
  });
}

describe('a command handler that throws', () => {
  it('answers that client with an error and closes it; the server keeps serving', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hero-db-throw-'));
    onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
    const engine = new Engine({ databases: 16, requirepass: '', protoMaxBulkLen: 512 * 1024 * 1024, maxclients: 100, params: new Map() });
    engine.table.add(allCommands());
    engine.table.add([
      cmd('boom', 1, 'fast', [0, 0, 0], () => {
        throw new Error('handler bug');
      }),
    ]);
    const sock = path.join(dir, 'resp.sock');
    const l = await listenResp(engine, { socketPath: sock, service: 'hero_db' });
    onTestFinished(() => l.close());
    const bad = await exchange(sock, '*1\r\n$4\r\nBOOM\r\n');
    expect(bad).toEqual({ text: '-ERR internal error\r\n', closed: true });
    const ok = await exchange(sock, '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n', /\$1\r\nv\r\n/);
    expect(ok.text).toBe('+OK\r\n$1\r\nv\r\n');
  });
});
