import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  it('doubles per consecutive crash up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 100, 1000))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
  it('is zero with a zero base and never overflows', () => {
    expect(backoffDelay(5, 0, 1000)).toBe(0);
    expect(backoffDelay(10_000, 100, 60_000)).toBe(60_000);
  });
  it('treats a cap below the base as the base', () => {
    expect(backoffDelay(3, 500, 100)).toBe(500);
  });
});
