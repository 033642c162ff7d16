import { describe, expect, it } from 'vitest';
import { hasUnsafePath, isValidName, parseRoute } from './names.js';

describe('isValidName', () => {
  it('accepts the allowed alphabet', () => {
    for (const n of ['hero_db', 'rpc', 'a.b-c_1', 'X', '...x']) expect(isValidName(n)).toBe(true);
  });
  it('rejects everything else', () => {
    for (const n of ['', '.', '..', 'a/b', 'a b', 'a%2F', 'é', 'a\\b', 'a:b', 'x'.repeat(256)]) expect(isValidName(n)).toBe(false);
  });
});

describe('parseRoute', () => {
  it('splits service, name and rest', () => {
    expect(parseRoute('/hero_db/rpc/rpc')).toEqual({ service: 'hero_db', name: 'rpc', rest: '/rpc' });
    expect(parseRoute('/hero_db/rpc')).toEqual({ service: 'hero_db', name: 'rpc', rest: '/' });
    expect(parseRoute('/hero_db/rpc/')).toEqual({ service: 'hero_db', name: 'rpc', rest: '/' });
    expect(parseRoute('/hero_db/rpc?x=1')).toEqual({ service: 'hero_db', name: 'rpc', rest: '/?x=1' });
    expect(parseRoute('/s/n/a/b.json?q=a..b/../c')).toEqual({ service: 's', name: 'n', rest: '/a/b.json?q=a..b/../c' });
  });
  it('returns undefined for short paths', () => {
    expect(parseRoute('/')).toBeUndefined();
    expect(parseRoute('/rpc')).toBeUndefined();
    expect(parseRoute('/admin/')).toBeUndefined();
  });
  it('rejects traversal and odd names', () => {
    expect(parseRoute('/../x/y')).toBe('bad_path');
    expect(parseRoute('/s/../../etc/passwd')).toBe('bad_path');
    expect(parseRoute('/s/n/../../x')).toBe('bad_path');
    expect(parseRoute('/s/n/./x')).toBe('bad_path');
    expect(parseRoute('/s/n/x/..')).toBe('bad_path');
    expect(parseRoute('/s%2F..%2Fx/n/')).toBe('bad_path');
    expect(parseRoute('/s/n%2frpc/x')).toBe('bad_path');
    expect(parseRoute('/s/%2E%2E/x')).toBe('bad_path');
    expect(parseRoute('/s/n\\..\\x')).toBe('bad_path');
    expect(parseRoute('*')).toBe('bad_path');
    expect(parseRoute('/s p/n/x')).toBe('bad_name');
    expect(parseRoute('//n/x')).toBe('bad_name');
    expect(parseRoute('/s//x')).toBe('bad_name');
  });
  it('allows dots inside names and segments', () => {
    expect(hasUnsafePath('/a/.well-known/x')).toBe(false);
    expect(hasUnsafePath('/a/..b/x.')).toBe(false);
    expect(hasUnsafePath('/a/%20b')).toBe(false);
  });
});
