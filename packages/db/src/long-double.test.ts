import { describe, expect, it } from 'vitest';
import { addLongDouble, formatLongDouble, parseLongDouble } from './long-double.js';

const add = (a: string, b: string) => formatLongDouble(addLongDouble(parseLongDouble(a)!, parseLongDouble(b)!));

describe('long double arithmetic (Redis INCRBYFLOAT)', () => {
  it('matches Redis results', () => {
    expect(add('10.5', '0.1')).toBe('10.6');
    expect(add('10.6', '-5')).toBe('5.6');
    expect(add('5.6', '1e3')).toBe('1005.59999999999999998');
    expect(add('0', '3')).toBe('3');
    expect(add('3', '1.5')).toBe('4.5');
    expect(add('1.5', '-1.5')).toBe('0');
    expect(add('0.1', '0.2')).toBe('0.3');
    expect(add('-0', '0')).toBe('0');
    expect(add('5.0e3', '2.0e2')).toBe('5200');
  });

  it('rejects what strtold plus Redis checks reject', () => {
    for (const s of ['', ' 1', '1 ', 'abc', 'nan', '1e99999', '1.2.3', '--1', '0x', '0xg']) expect(parseLongDouble(s)).toBeNull();
    expect(parseLongDouble('inf')?.inf).toBe(true);
    expect(parseLongDouble('-Infinity')?.neg).toBe(true);
    expect(parseLongDouble('.5')).not.toBeNull();
    expect(formatLongDouble(parseLongDouble('0x10')!)).toBe('16');
    expect(parseLongDouble('5.')).not.toBeNull();
  });
});
