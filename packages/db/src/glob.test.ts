import { describe, expect, it } from 'vitest';
import { globMatch } from './glob.js';

describe('globMatch', () => {
  it.each([
    ['*', 'anything', true],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h*llo', 'heeeello', true],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true],
    ['h[b-a]llo', 'hallo', true],
    ['h\\*llo', 'h*llo', true],
    ['h\\*llo', 'hello', false],
    ['*:*:end', 'a:b:end', true],
    ['a*', '', false],
    ['', '', true],
    // Redis never matches an empty string against a non-empty pattern, not even `*`
    ['*', '', false],
    ['**', '', false],
    ['a**', 'a', true],
    ['*b', 'abab', true],
    ['*b*a', 'abab', false],
    ['*b*a', 'abba', true],
    ['a*b?d', 'axxbxbcd', true],
    ['*[', 'a[', false],
    ['*[^', 'ab', true],
    ['[a-]x', '_', true], // the range swallows the ']', so the class runs to the end
    ['[a-]x', '_x', false],
    ['h\\', 'h\\', true],
    ['\\\\', '\\', true],
  ])('%s ~ %s = %s', (p, s, want) => {
    expect(globMatch(p, s)).toBe(want);
  });

  it('matches case-insensitively on request and survives hostile patterns', () => {
    expect(globMatch('HELLO', 'hello', true)).toBe(true);
    expect(globMatch('a'.repeat(30) + '*'.repeat(30) + 'b', 'a'.repeat(60))).toBe(false);
  });

  it('finishes on patterns that are exponential for a backtracking matcher', () => {
    const s = 'a'.repeat(50);
    expect(globMatch('*a*a*a*a*a*a*a*b', s)).toBe(false);
    expect(globMatch('*a'.repeat(200) + '*b', 'a'.repeat(10_000))).toBe(false);
    expect(globMatch('*a'.repeat(50) + '*', s)).toBe(true);
    expect(globMatch('*?'.repeat(40) + '[b]', s)).toBe(false);
  });

  it('gives up past 1000 nested stars, as Redis does', () => {
    const s = 'a'.repeat(1001);
    expect(globMatch('*a'.repeat(1000), s)).toBe(true);
    expect(globMatch('*a'.repeat(1001), s)).toBe(false);
    expect(globMatch('*a'.repeat(1001) + '*', s)).toBe(false);
    expect(globMatch('a'.repeat(1001) + '*'.repeat(2000), s)).toBe(true);
  });
});
