import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLock } from '../src/lock.js';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'hero-db-lock-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('data dir lock', () => {
  it('refuses a lock held by a running process, naming it', () => {
    const file = path.join(tmp(), 'lock');
    const release = acquireLock(file, 'data dir');
    expect(() => acquireLock(file, 'data dir')).toThrow(`data dir is in use by another hero_db (pid ${process.pid}`);
    release();
    expect(fs.existsSync(file)).toBe(false);
  });

  it('takes over the lock of a process that is gone, or killed and not yet reaped', async () => {
    const file = path.join(tmp(), 'lock');
    fs.writeFileSync(file, '999999999');
    acquireLock(file, 'data dir')();

    // `sleep 0` exits in the background of a shell that then becomes `sleep 5` and never reaps it
    const parent = spawn('/bin/sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const zombie = Number(await new Promise<string>((resolve) => parent.stdout!.once('data', (d: Buffer) => resolve(d.toString()))));
      for (let i = 0; i < 200 && !fs.readFileSync(`/proc/${zombie}/stat`, 'utf8').includes(') Z '); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(fs.readFileSync(`/proc/${zombie}/stat`, 'utf8')).toContain(') Z ');
      fs.writeFileSync(file, String(zombie));
      const release = acquireLock(file, 'data dir');
      expect(fs.readFileSync(file, 'utf8')).toBe(String(process.pid));
      release();
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
