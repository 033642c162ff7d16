import { describe, expect, it } from 'vitest';
import { CallTable } from './call-table.js';

const call = (id: number) => ({ id });

describe('CallTable', () => {
  it('finds, takes and counts calls by id', () => {
    const t = new CallTable<{ id: number }>(2);
    for (let id = 1; id <= 3; id++) t.add(call(id));
    expect(t.size).toBe(3);
    expect(t.get(2)?.id).toBe(2);
    expect(t.take(2)?.id).toBe(2);
    expect(t.take(2)).toBeUndefined();
    expect(t.get(2)).toBeUndefined();
    expect(t.get(7)).toBeUndefined();
    expect(t.size).toBe(2);
  });

  it('keeps a call that outlives its ring slot', () => {
    const t = new CallTable<{ id: number }>(2); // 4 slots
    t.add(call(1)); // a long poll
    for (let id = 2; id <= 20; id++) {
      t.add(call(id));
      expect(t.take(id)?.id).toBe(id);
    }
    // slot of id 1 was wanted by 5, 9, 13 and 17: it moved aside and is still found
    expect(t.size).toBe(1);
    expect(t.get(1)?.id).toBe(1);
    expect(t.values().map((c) => c.id)).toEqual([1]);
    expect(t.take(1)?.id).toBe(1);
    expect(t.size).toBe(0);
  });

  it('lists and clears calls in the ring and moved aside alike', () => {
    const t = new CallTable<{ id: number }>(1); // 2 slots
    for (let id = 1; id <= 5; id++) t.add(call(id));
    expect(
      t
        .values()
        .map((c) => c.id)
        .sort(),
    ).toEqual([1, 2, 3, 4, 5]);
    expect(t.clear()).toHaveLength(5);
    expect(t.size).toBe(0);
    expect(t.get(5)).toBeUndefined();
    t.add(call(6));
    expect(t.get(6)?.id).toBe(6);
  });

  it('works for ids past 2^32', () => {
    const t = new CallTable<{ id: number }>(3);
    const big = 2 ** 32 + 5;
    t.add(call(big));
    t.add(call(5));
    expect(t.get(big)?.id).toBe(big);
    expect(t.take(5)?.id).toBe(5);
    expect(t.take(big)?.id).toBe(big);
  });
});
