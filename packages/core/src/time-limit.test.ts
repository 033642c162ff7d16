import { describe, expect, it } from 'vitest';
import { runWithTimeLimit } from './time-limit.js';

describe('runWithTimeLimit', () => {
  it('returns what the work returns, and passes its errors on', () => {
    expect(runWithTimeLimit(() => 6 * 7, 1000, () => new Error('late'))).toBe(42);
    expect(() => runWithTimeLimit(() => { throw new TypeError('bad'); }, 1000, () => new Error('late'))).toThrow(TypeError);
  });

  it('stops a regex that backtracks for ever, even inside it', () => {
    // unstopped, this would run for days
    expect(() => runWithTimeLimit(() => /^(a+)+$/.test(`${'a'.repeat(40)}b`), 100, () => new Error('too slow'))).toThrow('too slow');
    // usable again afterwards
    expect(runWithTimeLimit(() => /^(a+)+$/.test('aaa'), 100, () => new Error('too slow'))).toBe(true);
  });
});
