import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RotatingLogFile } from './log-file.js';
import { formatFileLine, grepMatcher, parseFileLine } from './log-hub.js';

let dir: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('RotatingLogFile', () => {
  it('rotates at the cap and keeps `keep` old files', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hero-proc-logfile-'));
    const file = path.join(dir, 'svc.log');
    const f = new RotatingLogFile(file, 1000, 2);
    for (let i = 0; i < 100; i++) f.write(`line ${String(i).padStart(3, '0')} ${'x'.repeat(40)}\n`);
    f.close();
    const files = fs.readdirSync(dir).sort();
    expect(files).toEqual(['svc.log', 'svc.log.1', 'svc.log.2']);
    for (const n of files) expect(fs.statSync(path.join(dir, n)).size).toBeLessThanOrEqual(1000);
    expect(fs.readFileSync(file, 'utf8').trimEnd().split('\n').at(-1)).toMatch(/^line 099/);
    // nothing lost between the kept files: they hold a contiguous, most recent range
    const kept = ['svc.log.2', 'svc.log.1', 'svc.log'].flatMap((n) => fs.readFileSync(path.join(dir, n), 'utf8').trimEnd().split('\n'));
    const nums = kept.map((l) => Number(l.slice(5, 8)));
    expect(nums).toEqual(nums.map((_, i) => nums[0]! + i));
  });
  it('continues an existing file and counts its size', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hero-proc-logfile-'));
    const file = path.join(dir, 'a.log');
    fs.writeFileSync(file, 'x'.repeat(900) + '\n');
    const f = new RotatingLogFile(file, 1000, 1);
    f.write('y'.repeat(200) + '\n');
    f.close();
    expect(fs.readFileSync(`${file}.1`, 'utf8').startsWith('xxx')).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toBe('y'.repeat(200) + '\n');
  });
});

describe('log line format', () => {
  it('round-trips and greps', () => {
    const l = { ts: '2026-01-01T00:00:00.000Z', stream: 'stderr' as const, line: 'a b  c' };
    expect(parseFileLine(formatFileLine(l).trimEnd())).toEqual(l);
    expect(parseFileLine('garbage')).toBeUndefined();
    expect(grepMatcher('B  C')('a b  c')).toBe(true);
    expect(grepMatcher('/^a\\sb/')('a b')).toBe(true);
    expect(grepMatcher('/^b/')('a b')).toBe(false);
  });
});
