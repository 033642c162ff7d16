import { describe, expect, it } from 'vitest';
import { phraseFreq } from './phrase-freq.js';

/** The original quadratic scan: rescans each later term's positions from the start. */
function reference(lists: Uint32Array[], rel: number[], slop: number): number {
  let count = 0;
  for (const p of lists[0]!) {
    const base = p - rel[0]!;
    if (lists.slice(1).every((L, i) => L.some((q) => Math.abs(q - (base + rel[i + 1]!)) <= slop))) count++;
  }
  return count;
}

/** Positions of each word of `text` (split on spaces). */
function positionsOf(text: string, words: string[]): Uint32Array[] {
  const toks = text.split(' ').filter((w) => w !== '');
  return words.map((w) => Uint32Array.from(toks.flatMap((t, i) => (t === w ? [i] : []))));
}

describe('phraseFreq', () => {
  it('counts every occurrence in a document that repeats the phrase many times', () => {
    const n = 60_000;
    const text = 'a b '.repeat(n);
    expect(phraseFreq(positionsOf(text, ['a', 'b']), [0, 1], 0)).toBe(n);
    expect(phraseFreq(positionsOf(text, ['b', 'a']), [0, 1], 0)).toBe(n - 1);
    expect(phraseFreq(positionsOf(text, ['a', 'a']), [0, 1], 0)).toBe(0);
    // with slack, "a a" also finds each a's own position (distance 1 from the wanted place)
    expect(phraseFreq(positionsOf(text, ['a', 'a']), [0, 1], 1)).toBe(n);
    expect(phraseFreq(positionsOf(text, ['a', 'b', 'a']), [0, 1, 2], 0)).toBe(n - 1);
    const same = Uint32Array.from({ length: n }, (_, i) => i);
    expect(phraseFreq([same, same], [0, 1], 0)).toBe(n - 1);
  });

  it('honours slop and gaps left by stopwords', () => {
    const text = 'quick x fox quick fox y y fox quick';
    expect(phraseFreq(positionsOf(text, ['quick', 'fox']), [0, 1], 0)).toBe(1);
    expect(phraseFreq(positionsOf(text, ['quick', 'fox']), [0, 1], 1)).toBe(2);
    expect(phraseFreq(positionsOf(text, ['quick', 'fox']), [0, 2], 0)).toBe(1);
    expect(phraseFreq(positionsOf(text, ['quick', 'fox', 'y']), [0, 1, 2], 0)).toBe(1);
    expect(phraseFreq(positionsOf(text, ['quick', 'fox']), [0, 1], 10)).toBe(3);
  });

  it('matches the plain scan on random documents', () => {
    let seed = 42;
    const rand = (k: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % k;
    };
    for (let round = 0; round < 300; round++) {
      const words = ['a', 'b', 'c', 'd'];
      const text = Array.from({ length: 1 + rand(200) }, () => words[rand(words.length)]).join(' ');
      const terms = Array.from({ length: 2 + rand(3) }, () => words[rand(words.length)]!);
      const rel = [0];
      for (let t = 1; t < terms.length; t++) rel.push(rel[t - 1]! + 1 + rand(2));
      const slop = rand(4);
      const lists = positionsOf(text, terms);
      expect(phraseFreq(lists, rel, slop)).toBe(reference(lists, rel, slop));
    }
  });
});
