import { describe, expect, it } from 'vitest';
import { LogRing } from './log-ring.js';
import { LineSplitter } from './line-splitter.js';

describe('LogRing', () => {
  it('keeps the last N lines with increasing seq', () => {
    const r = new LogRing(3);
    for (let i = 1; i <= 5; i++) r.push({ ts: String(i), stream: 'stdout', line: `l${i}` });
    expect(r.all().map((l) => l.line)).toEqual(['l3', 'l4', 'l5']);
    expect(r.tail(2).map((l) => l.seq)).toEqual([4, 5]);
    expect(r.tail(10, 4).map((l) => l.line)).toEqual(['l5']);
    expect(r.size).toBe(3);
  });
  it('holds only the lines pushed until it is full, then wraps', () => {
    const r = new LogRing(1000);
    expect(r.size).toBe(0);
    expect(r.all()).toEqual([]);
    for (let i = 1; i <= 2; i++) r.push({ ts: String(i), stream: 'stdout', line: `l${i}` });
    expect(r.size).toBe(2);
    expect(r.tail(5).map((l) => l.line)).toEqual(['l1', 'l2']);
    const small = new LogRing(2);
    for (let i = 1; i <= 7; i++) small.push({ ts: String(i), stream: 'stderr', line: `l${i}` });
    expect(small.all().map((l) => l.seq)).toEqual([6, 7]);
  });
});

describe('LineSplitter', () => {
  it('joins partial chunks, splits long lines, flushes the rest', () => {
    const out: string[] = [];
    const s = new LineSplitter((l) => out.push(l), 8);
    s.push(Buffer.from('ab'));
    s.push(Buffer.from('c\r\nde\n'));
    s.push(Buffer.from('0123456789'));
    s.push(Buffer.from('\ntail'));
    s.flush();
    expect(out).toEqual(['abc', 'de', '01234567', '89', 'tail']);
  });
  it('keeps multi-byte characters split across chunks intact', () => {
    const out: string[] = [];
    const s = new LineSplitter((l) => out.push(l));
    const b = Buffer.from('héllo\n');
    s.push(b.subarray(0, 2));
    s.push(b.subarray(2));
    expect(out).toEqual(['héllo']);
  });
});
