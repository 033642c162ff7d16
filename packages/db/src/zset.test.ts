import { describe, expect, it } from 'vitest';
import { Deque } from './deque.js';
import { ZSet, parseLexBound } from './zset.js';

describe('ZSet', () => {
  it('orders by score then member and keeps ranks in step', () => {
    const z = new ZSet();
    expect(z.add('b', 1)).toBe(true);
    z.add('a', 1);
    z.add('c', 0);
    expect(z.add('c', 2)).toBe(false);
    expect(z.arr.map((e) => e.m)).toEqual(['a', 'b', 'c']);
    expect(z.rank('c')).toBe(2);
    expect(z.remove('a')).toBe(true);
    expect(z.rank('b')).toBe(0);
  });

  it('finds score and lex spans', () => {
    const z = new ZSet();
    for (const [m, s] of [['a', 1], ['b', 2], ['c', 2], ['d', 3]] as const) z.add(m, s);
    expect([z.firstByScore(2, false), z.endByScore(2, false)]).toEqual([1, 3]);
    expect([z.firstByScore(2, true), z.endByScore(3, true)]).toEqual([3, 3]);
    const y = new ZSet();
    for (const m of ['a', 'b', 'c']) y.add(m, 0);
    expect([y.firstByLex(parseLexBound('(a')!), y.endByLex(parseLexBound('[c')!)]).toEqual([1, 3]);
    expect(parseLexBound('x')).toBeNull();
  });
});

describe('Deque', () => {
  it('pushes and pops at both ends across growth', () => {
    const d = new Deque();
    for (let i = 0; i < 100; i++) {
      d.pushBack(`b${i}`);
      d.pushFront(`f${i}`);
    }
    expect(d.length).toBe(200);
    expect(d.get(0)).toBe('f99');
    expect(d.get(199)).toBe('b99');
    expect(d.popFront()).toBe('f99');
    expect(d.popBack()).toBe('b99');
    expect(d.toArray(0, 2)).toEqual(['f98', 'f97']);
    d.replace(['x']);
    expect(d.toArray()).toEqual(['x']);
  });
});
