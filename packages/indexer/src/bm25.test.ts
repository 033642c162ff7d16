import { describe, expect, it } from 'vitest';
import { bm25, idf } from './bm25.js';
import { boundedLevenshtein } from './levenshtein.js';
import { LruCache } from './lru-cache.js';
import { disMax, intersect, minus, union, unionCoord, type Scored } from './doc-set.js';

describe('bm25', () => {
  it('rare terms weigh more, and idf is never negative', () => {
    expect(idf(1000, 1)).toBeGreaterThan(idf(1000, 100));
    expect(idf(10, 10)).toBeGreaterThan(0);
  });

  it('saturates term frequency and prefers shorter fields', () => {
    const w = idf(100, 5);
    expect(bm25(2, 10, 10, w)).toBeGreaterThan(bm25(1, 10, 10, w));
    expect(bm25(20, 10, 10, w) - bm25(10, 10, 10, w)).toBeLessThan(bm25(2, 10, 10, w) - bm25(1, 10, 10, w));
    expect(bm25(1, 5, 10, w)).toBeGreaterThan(bm25(1, 20, 10, w));
    // a hand-computed value: idf=ln(1+(100-5+.5)/(5+.5)), tf=1, dl=avgdl
    expect(bm25(1, 10, 10, w)).toBeCloseTo(Math.log(1 + 95.5 / 5.5), 10);
  });
});

describe('levenshtein', () => {
  it('bounds the distance', () => {
    expect(boundedLevenshtein('colour', 'color', 1)).toBe(1);
    expect(boundedLevenshtein('kitten', 'sitting', 3)).toBe(3);
    expect(boundedLevenshtein('kitten', 'sitting', 2)).toBe(3);
    expect(boundedLevenshtein('same', 'same', 0)).toBe(0);
  });
});

describe('LruCache', () => {
  it('evicts the least recently used by weight', () => {
    const c = new LruCache<string>(10);
    c.set('a', 'A', 4);
    c.set('b', 'B', 4);
    c.get('a');
    c.set('c', 'C', 4);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe('A');
    expect(c.usedBytes).toBe(8);
    c.set('huge', 'H', 11);
    expect(c.get('huge')).toBeUndefined();
  });
});

describe('doc sets', () => {
  const s = (docs: number[], scores: number[]): Scored => ({ docs: Uint32Array.from(docs), scores: Float64Array.from(scores) });
  const plain = (x: Scored) => [Array.from(x.docs), Array.from(x.scores)];
  it('union, intersect, minus', () => {
    expect(plain(union(s([1, 3], [1, 1]), s([2, 3], [2, 2])))).toEqual([[1, 2, 3], [1, 2, 3]]);
    expect(plain(intersect(s([1, 3, 5], [1, 1, 1]), s([3, 5, 7], [2, 2, 2])))).toEqual([[3, 5], [3, 3]]);
    expect(plain(minus(s([1, 3, 5], [1, 1, 1]), s([3], [0])))).toEqual([[1, 5], [1, 1]]);
  });
  it('coordination scales by the share of clauses matched; dismax keeps the best', () => {
    expect(plain(unionCoord([s([1, 2], [1, 1]), s([2], [1])], 4))).toEqual([[1, 2], [0.5, 2]]);
    expect(plain(disMax([s([1], [4]), s([1, 2], [2, 1])], 0.5))).toEqual([[1, 2], [5, 1]]);
  });
});
