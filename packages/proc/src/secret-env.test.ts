import { describe, expect, it } from 'vitest';
import { MASK_MIN, maskLine, maskList } from './secret-env.js';

describe('secret masking', () => {
  it('hides every occurrence, longest value first, and skips values too short to matter', () => {
    const masks = maskList(['abcd', 'xxabcdyy', 'ab', 'abcd']);
    expect(masks).toEqual(['xxabcdyy', 'abcd']);
    expect(maskLine('k=xxabcdyy v=abcd abcd ab', masks)).toBe('k=*** v=*** *** ab');
    expect(maskList(['x'.repeat(MASK_MIN - 1)])).toEqual([]);
  });

  it('hides each line of a multi-line value, since output is captured line by line', () => {
    const masks = maskList(['-----BEGIN KEY-----\r\nc2VjcmV0LWJvZHk=\nhi\n-----END KEY-----']);
    expect(maskLine('c2VjcmV0LWJvZHk=', masks)).toBe('***');
    expect(maskLine('hi there', masks)).toBe('hi there');
  });
});
