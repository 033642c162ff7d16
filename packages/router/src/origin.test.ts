import { describe, expect, it } from 'vitest';
import { browserRuleBroken, isIpLiteralHostHeader, isSameOrigin } from './origin.js';

describe('isSameOrigin', () => {
  it('matches scheme-less host:port with Host, ignoring case and default ports', () => {
    expect(isSameOrigin('http://127.0.0.1:9998', '127.0.0.1:9998')).toBe(true);
    expect(isSameOrigin('https://LOCALHOST:9998', 'localhost:9998')).toBe(true);
    expect(isSameOrigin('http://localhost', 'localhost:80')).toBe(true);
    expect(isSameOrigin('https://node.example', 'node.example:443')).toBe(true);
    expect(isSameOrigin('http://[::1]:9998', '[::1]:9998')).toBe(true);
  });
  it('refuses other sites, other ports, null and garbage', () => {
    expect(isSameOrigin('https://evil.example', '127.0.0.1:9998')).toBe(false);
    expect(isSameOrigin('http://127.0.0.1:9999', '127.0.0.1:9998')).toBe(false);
    expect(isSameOrigin('http://localhost', 'localhost:443')).toBe(false);
    expect(isSameOrigin('null', 'localhost')).toBe(false);
    expect(isSameOrigin('http://localhost:9998/x', 'localhost:9998')).toBe(false);
    expect(isSameOrigin('localhost:9998', 'localhost:9998')).toBe(false);
    expect(isSameOrigin('http://localhost:9998', 'localhost:999')).toBe(false);
    expect(isSameOrigin('http://[:9998', '{:9998')).toBe(false);
  });
});

describe('isIpLiteralHostHeader', () => {
  it('accepts IPv4 and bracketed IPv6 literals only', () => {
    for (const h of ['10.1.2.3', '10.1.2.3:9998', '[fd00::1]:9998', '[::1]']) expect(isIpLiteralHostHeader(h), h).toBe(true);
    for (const h of ['node.example', '10.1.2', 'fd00::1', '[fd00::1', '10.1.2.3:x']) expect(isIpLiteralHostHeader(h), h).toBe(false);
  });
});

describe('browserRuleBroken', () => {
  it('restricts Host by rule, and always checks Origin', () => {
    expect(browserRuleBroken('attacker.example:9998', undefined, 'loopback')).toBe('host');
    expect(browserRuleBroken('attacker.example:9998', undefined, 'literal')).toBe('host');
    expect(browserRuleBroken('attacker.example:9998', undefined, 'any')).toBeUndefined();
    expect(browserRuleBroken('10.0.0.5:9998', undefined, 'loopback')).toBe('host');
    expect(browserRuleBroken('10.0.0.5:9998', undefined, 'literal')).toBeUndefined();
    expect(browserRuleBroken('attacker.example:9998', 'http://attacker.example:9998', 'loopback')).toBe('host');
    expect(browserRuleBroken('attacker.example:9998', 'http://attacker.example:9998', 'any')).toBeUndefined();
    expect(browserRuleBroken('127.0.0.1:9998', 'https://evil.example', 'loopback')).toBe('origin');
    expect(browserRuleBroken('node.example:9998', 'https://evil.example', 'any')).toBe('origin');
    expect(browserRuleBroken(undefined, 'http://localhost', 'loopback')).toBe('origin');
    expect(browserRuleBroken(undefined, undefined, 'loopback')).toBeUndefined();
  });
});
