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
  ])('%s ~ %s = %s', (p, s, want) => {
    expect(globMatch(p, s)).toBe(want);
  });

  it('matches case-insensitively on request and survives hostile patterns', () => {
    expect(globMatch('HELLO', 'hello', true)).toBe(true);
    expect(globMatch('a'.repeat(30) + '*'.repeat(30) + 'b', 'a'.repeat(60))).toBe(false);
  });
});
