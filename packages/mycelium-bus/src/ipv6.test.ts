import { describe, expect, it } from 'vitest';
import { canonicalIpv6, formatIpv6, parseIpv6, parseSubnet, formatSubnet, subnetContains } from './ipv6.js';
import { base64Length, isBase64 } from './base64.js';

describe('ipv6', () => {
  it('parses and formats canonically', () => {
    expect(canonicalIpv6('0400:0000:0000:0000:0000:0000:0000:0001')).toBe('400::1');
    expect(canonicalIpv6('5FD:7636:B80:9AD0::1')).toBe('5fd:7636:b80:9ad0::1');
    expect(canonicalIpv6('::')).toBe('::');
    expect(canonicalIpv6('1:0:0:1:0:0:0:1')).toBe('1:0:0:1::1');
    expect(canonicalIpv6('1:0:1:1:1:1:1:1')).toBe('1:0:1:1:1:1:1:1');
    expect(canonicalIpv6('::ffff:1.2.3.4')).toBe('::ffff:102:304');
    expect(canonicalIpv6('1.2.3.4')).toBeUndefined();
    expect(canonicalIpv6('fe80::1%eth0')).toBeUndefined();
    expect(canonicalIpv6('nope')).toBeUndefined();
    expect(formatIpv6(parseIpv6('2001:db8::')!)).toBe('2001:db8::');
  });

  it('parses subnets and tests membership', () => {
    const s = parseSubnet('503:5478:df06:d79a:1::/64')!;
    expect(formatSubnet(s)).toBe('503:5478:df06:d79a::/64');
    expect(subnetContains(s, parseIpv6('503:5478:df06:d79a::9')!)).toBe(true);
    expect(subnetContains(s, parseIpv6('503:5478:df06:d79b::9')!)).toBe(false);
    expect(subnetContains(parseSubnet('400::/7')!, parseIpv6('5ff::1')!)).toBe(true);
    expect(subnetContains(parseSubnet('400::/7')!, parseIpv6('600::1')!)).toBe(false);
    expect(formatSubnet(parseSubnet('400::1')!)).toBe('400::1/128');
    expect(parseSubnet('400::/129')).toBeUndefined();
    expect(parseSubnet('400::/x')).toBeUndefined();
  });
});

describe('base64', () => {
  it('accepts only padded standard base64', () => {
    expect(isBase64('')).toBe(true);
    expect(isBase64('xuV+')).toBe(true);
    expect(isBase64('aGk=')).toBe(true);
    expect(isBase64('aA==')).toBe(true);
    expect(isBase64('aGk')).toBe(false);
    expect(isBase64('a-_b')).toBe(false);
    expect(isBase64('aA=a')).toBe(false);
    expect(isBase64(12)).toBe(false);
    expect(base64Length('aGk=')).toBe(2);
    expect(base64Length('aA==')).toBe(1);
    expect(base64Length('xuV+')).toBe(3);
  });
});
