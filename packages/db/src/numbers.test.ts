import { describe, expect, it } from 'vitest';
import { addInt64, formatDouble, parseFloatArg, parseInt64 } from './numbers.js';

describe('numbers', () => {
  it('parses strict int64 like Redis string2ll', () => {
    expect(parseInt64('0')).toBe(0);
    expect(parseInt64('-12')).toBe(-12);
    expect(parseInt64('9223372036854775807')).toBe(9223372036854775807n);
    expect(parseInt64('-9223372036854775808')).toBe(-9223372036854775808n);
    for (const bad of ['', '-', '+1', '01', '-0', ' 1', '1 ', '1.0', '9223372036854775808', 'abc']) expect(parseInt64(bad)).toBeNull();
  });

  it('adds with overflow detection', () => {
    expect(addInt64(1, 2)).toBe(3);
    expect(addInt64(9223372036854775806n, 1)).toBe(9223372036854775807n);
    expect(addInt64(9223372036854775807n, 1)).toBeNull();
    expect(addInt64(Number.MAX_SAFE_INTEGER, 1)).toBe(9007199254740992n);
  });

  it('parses floats like strtod and refuses NaN', () => {
    expect(parseFloatArg('1.5')).toBe(1.5);
    expect(parseFloatArg('-inf')).toBe(-Infinity);
    expect(parseFloatArg('+Infinity')).toBe(Infinity);
    expect(parseFloatArg('1e3')).toBe(1000);
    for (const bad of ['', 'nan', 'abc', '1.5x', ' 1']) expect(parseFloatArg(bad)).toBeNull();
  });

  it('formats doubles as %.17g', () => {
    expect(formatDouble(1.1)).toBe('1.1000000000000001');
    expect(formatDouble(0.30000000000000004)).toBe('0.30000000000000004');
    expect(formatDouble(3)).toBe('3');
    expect(formatDouble(1e21)).toBe('1e+21');
    expect(formatDouble(1.5e-7)).toBe('1.4999999999999999e-07');
    expect(formatDouble(123456789012345680000)).toBe('1.2345678901234568e+20');
    expect(formatDouble(0.0001)).toBe('0.0001');
    expect(formatDouble(Infinity)).toBe('inf');
  });
});
