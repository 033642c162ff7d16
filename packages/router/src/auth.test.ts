import { describe, expect, it } from 'vitest';
import { createAccess } from './auth.js';

const token = 'a-very-long-secret-token';

describe('createAccess', () => {
  it('lets everything through when nothing is configured', () => {
    const a = createAccess({ tokens: [], allow: [], context: 'ctx' });
    expect(a.enabled).toBe(false);
    expect(a.check('10.1.1.1', undefined)).toEqual({ context: 'ctx' });
  });
  it('checks bearer tokens and gives their context', () => {
    const a = createAccess({ tokens: [{ token, context: 'team-a' }, { token: token + 'b', context: '' }], allow: [], context: 'def' });
    expect(a.enabled).toBe(true);
    expect(a.check('10.0.0.1', undefined)).toBe(401);
    expect(a.check('10.0.0.1', 'Bearer nope')).toBe(401);
    expect(a.check('10.0.0.1', `Basic ${token}`)).toBe(401);
    expect(a.check('10.0.0.1', `Bearer ${token}`)).toEqual({ context: 'team-a' });
    expect(a.check('10.0.0.1', `bearer ${token}b`)).toEqual({ context: 'def' });
  });
  it('checks the CIDR allow-list, v4, v6 and v4-mapped', () => {
    const a = createAccess({ tokens: [], allow: ['10.0.0.0/8', '::1/128', '192.168.1.7'], context: '' });
    expect(a.check('10.2.3.4', undefined)).toEqual({ context: '' });
    expect(a.check('::ffff:10.2.3.4', undefined)).toEqual({ context: '' });
    expect(a.check('::1', undefined)).toEqual({ context: '' });
    expect(a.check('192.168.1.7', undefined)).toEqual({ context: '' });
    expect(a.check('192.168.1.8', undefined)).toBe(403);
    expect(a.check('11.0.0.1', undefined)).toBe(403);
    expect(a.check(undefined, undefined)).toBe(403);
  });
  it('needs both when both are set', () => {
    const a = createAccess({ tokens: [{ token, context: '' }], allow: ['127.0.0.0/8'], context: '' });
    expect(a.check('8.8.8.8', `Bearer ${token}`)).toBe(403);
    expect(a.check('127.0.0.1', undefined)).toBe(401);
    expect(a.check('127.0.0.1', `Bearer ${token}`)).toEqual({ context: '' });
  });
  it('refuses malformed CIDRs', () => {
    expect(() => createAccess({ tokens: [], allow: ['10.0.0.0/33'], context: '' })).toThrow(/prefix/);
    expect(() => createAccess({ tokens: [], allow: ['nope/8'], context: '' })).toThrow(/not an IP/);
    expect(() => createAccess({ tokens: [], allow: ['10.0.0.0/'], context: '' })).toThrow(/prefix/);
  });
});
