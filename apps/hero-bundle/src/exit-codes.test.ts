import { describe, expect, it } from 'vitest';
import { ConfigError, HeroError } from '@hero/core';
import { startFailureExitCode } from './exit-codes.js';

describe('startFailureExitCode', () => {
  it('is 2 for configuration problems: bad settings, a port or socket held by another program', () => {
    expect(startFailureExitCode(new ConfigError('bad'))).toBe(2);
    expect(startFailureExitCode(new HeroError('HERO_CONFLICT', 'address already in use: 127.0.0.1:6379'))).toBe(2);
    expect(startFailureExitCode(new HeroError('HERO_SOCKET_IN_USE', 'hero_db is already running at /x'))).toBe(2);
    expect(startFailureExitCode(Object.assign(new Error('usage'), { exitCode: 2 }))).toBe(2);
  });

  it('is 1 for runtime failures', () => {
    expect(startFailureExitCode(new Error('boom'))).toBe(1);
    expect(startFailureExitCode(new HeroError('HERO_INTERNAL', 'boom'))).toBe(1);
    expect(startFailureExitCode(new HeroError('HERO_UNAVAILABLE', 'redis unreachable'))).toBe(1);
    expect(startFailureExitCode('a string')).toBe(1);
    expect(startFailureExitCode(undefined)).toBe(1);
  });
});
