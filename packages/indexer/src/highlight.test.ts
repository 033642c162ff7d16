import { describe, expect, it } from 'vitest';
import { Analyzer } from './analyzer.js';
import { makeSnippet } from './highlight.js';
import { getLanguage } from './language.js';

const an = new Analyzer(getLanguage('english')!);

describe('makeSnippet', () => {
  it('marks matched words with offsets into the snippet', () => {
    const text = 'Searching is fun. We search daily.';
    const s = makeSnippet(text, an, new Set(['search']))!;
    expect(s.offset).toBe(0);
    expect(s.matches.map(([a, b]) => s.snippet.slice(a, b))).toEqual(['Searching', 'search']);
  });

  it('cuts a window around the densest matches', () => {
    const text = `${'filler '.repeat(60)}the fox jumps over the fox ${'tail '.repeat(60)}`;
    const s = makeSnippet(text, an, new Set(['fox']), [], 60)!;
    expect(s.snippet.length).toBeLessThanOrEqual(60);
    expect(s.matches).toHaveLength(2);
    for (const [a, b] of s.matches) expect(text.slice(s.offset + a, s.offset + b)).toBe('fox');
  });

  it('returns undefined without a match', () => {
    expect(makeSnippet('nothing here', an, new Set(['fox']))).toBeUndefined();
  });
});
