import { describe, expect, it } from 'vitest';
import { MAX_ID, MIN_ID, Stream, cmpId, getConsumer, idStr, nextId, parseId, pelAdd, pelRange, pelRemove, prevId } from './stream.js';

describe('stream ids', () => {
  it('parses, orders and steps ids', () => {
    expect(parseId('5', 0)).toEqual({ ms: 5, seq: 0 });
    expect(parseId('5-7', 0)).toEqual({ ms: 5, seq: 7 });
    expect(parseId('5', 9)).toEqual({ ms: 5, seq: 9 });
    expect(parseId('x', 0)).toBeNull();
    expect(parseId('1-', 0)).toBeNull();
    expect(parseId('-1', 0)).toBeNull();
    expect(cmpId({ ms: 1, seq: 2 }, { ms: 1, seq: 3 })).toBe(-1);
    expect(cmpId({ ms: 2, seq: 0 }, { ms: 1, seq: 3 })).toBe(1);
    expect(nextId({ ms: 1, seq: 2 })).toEqual({ ms: 1, seq: 3 });
    expect(prevId({ ms: 1, seq: 0 })).toEqual({ ms: 0, seq: Number.MAX_SAFE_INTEGER });
    expect(prevId(MIN_ID)).toBeNull();
    expect(nextId(MAX_ID)).toBeNull();
  });
});

describe('Stream', () => {
  function filled(n: number): Stream {
    const s = new Stream();
    for (let i = 1; i <= n; i++) s.append({ ms: i, seq: 0 }, ['f', String(i)]);
    return s;
  }

  it('ranges forwards and backwards with counts', () => {
    const s = filled(10);
    expect(s.range({ ms: 3, seq: 0 }, { ms: 5, seq: 0 }, 0, false).map((e) => e.id.ms)).toEqual([3, 4, 5]);
    expect(s.range(MIN_ID, MAX_ID, 2, true).map((e) => e.id.ms)).toEqual([10, 9]);
    expect(s.range({ ms: 6, seq: 0 }, { ms: 5, seq: 0 }, 0, false)).toEqual([]);
  });

  it('deletes and trims, remembering the largest deleted id', () => {
    const s = filled(250);
    expect(s.delete({ ms: 7, seq: 0 })).toBe(true);
    expect(s.delete({ ms: 7, seq: 0 })).toBe(false);
    expect(idStr(s.maxDeletedId)).toBe('7-0');
    expect(s.trim('maxlen', 200, false, 0)).toBe(49);
    expect(s.length).toBe(200);
    // Approximate trims remove whole blocks only.
    expect(s.trim('maxlen', 150, true, 0)).toBe(0);
    expect(s.trim('maxlen', 50, true, 0)).toBe(100);
    expect(s.trim('minid', { ms: 240, seq: 0 }, false, 0)).toBe(89);
    expect(s.firstId).toEqual({ ms: 240, seq: 0 });
    expect(s.entriesAdded).toBe(250);
  });

  it('keeps the pending list ordered and per consumer', () => {
    const s = filled(5);
    const g = s.createGroup('g', MIN_ID, 0);
    const a = getConsumer(g, 'a', 1).c;
    const b = getConsumer(g, 'b', 1).c;
    pelAdd(g, { ms: 3, seq: 0 }, a, 1, 1);
    pelAdd(g, { ms: 1, seq: 0 }, b, 1, 1);
    pelAdd(g, { ms: 2, seq: 0 }, a, 1, 1);
    expect(g.pel.map((p) => p.id.ms)).toEqual([1, 2, 3]);
    expect(pelRange(g, MIN_ID, MAX_ID, 10, a).map((p) => p.id.ms)).toEqual([2, 3]);
    pelAdd(g, { ms: 2, seq: 0 }, b, 5, 2);
    expect(a.pending.size).toBe(1);
    expect(b.pending.size).toBe(2);
    expect(pelRemove(g, { ms: 1, seq: 0 })).toBe(true);
    expect(pelRemove(g, { ms: 1, seq: 0 })).toBe(false);
    expect(g.pel.map((p) => p.id.ms)).toEqual([2, 3]);
    const copy = s.clone();
    expect(copy.groups.get('g')!.pel.map((p) => [p.id.ms, p.consumer.name])).toEqual([
      [2, 'b'],
      [3, 'a'],
    ]);
  });
});
