import { describe, expect, it } from 'vitest';
import { defaultDataDir, expandHome, resolveSocketDir, socketPath } from './paths.js';

describe('paths', () => {
  it('expands ~', () => {
    expect(expandHome('~', '/h')).toBe('/h');
    expect(expandHome('~/a/b', '/h')).toBe('/h/a/b');
    expect(expandHome('/x/~/y', '/h')).toBe('/x/~/y');
  });
  it('resolves the socket dir: explicit, env, default', () => {
    expect(resolveSocketDir('/explicit', { HERO_SOCKET_DIR: '/env' }, '/h')).toBe('/explicit');
    expect(resolveSocketDir(undefined, { HERO_SOCKET_DIR: '/env' }, '/h')).toBe('/env');
    expect(resolveSocketDir(undefined, { HERO_SOCKET_DIR: '~/s' }, '/h')).toBe('/h/s');
    expect(resolveSocketDir(undefined, {}, '/h')).toBe('/h/hero/var/sockets');
    expect(socketPath('/s', 'hero_db', 'resp')).toBe('/s/hero_db/resp.sock');
    expect(defaultDataDir('hero_db', '/h')).toBe('/h/hero/var/hero_db');
  });
});
