import { describe, expect, it } from 'vitest';
import { isLoopbackHostHeader } from './net-util.js';

describe('isLoopbackHostHeader', () => {
  it('accepts loopback names and literals, with or without a port', () => {
    for (const h of ['localhost', 'LocalHost:9998', 'app.localhost', 'a.b.localhost:1', '127.0.0.1', '127.1.2.3:80', '[::1]', '[::1]:9998']) {
      expect(isLoopbackHostHeader(h), h).toBe(true);
    }
  });
  it('refuses every other name and malformed values', () => {
    for (const h of [
      'attacker.example', 'attacker.example:9998', 'localhost.attacker.example', 'evillocalhost', '.localhost', '10.0.0.1',
      '128.0.0.1', '[::2]', '::1', '[::1', 'localhost:', 'localhost:99999x', 'localhost:123456', '127.0.0.1:80:80', '', '0.0.0.0',
    ]) {
      expect(isLoopbackHostHeader(h), h).toBe(false);
    }
  });
});
