import { describe, expect, it } from 'vitest';
import { formatBanner } from './banner.js';

describe('banner', () => {
  it('is one table of every service with its sockets, TCP listeners and state', () => {
    const text = formatBanner('1.2.3', '/s', [
      { key: 'db', service: 'hero_db', state: 'running', restarts: 0, ready: { service: 'hero_db', sockets: { rpc: '/s/hero_db/rpc.sock', resp: '/s/hero_db/resp.sock' }, tcp: { resp: '127.0.0.1:6378' } } },
      { key: 'router', service: 'hero_router', state: 'running', restarts: 0, ready: { service: 'hero_router', sockets: { rpc: '/s/hero_router/rpc.sock' } } },
    ], 412.6);
    expect(text).toBe(
      [
        'hero_bundle 1.2.3 ready in 413 ms — sockets under /s',
        'SERVICE      STATE    SOCKETS    TCP',
        'hero_db      running  rpc, resp  resp=127.0.0.1:6378',
        'hero_router  running  rpc',
        '',
      ].join('\n'),
    );
  });
});
