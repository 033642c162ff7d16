import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { Raw, bothServers, compare, compareMulti, encode, startHero, startRedis } from './helpers.js';

const { hero, redis } = bothServers();

/** Sends `bytes` in one write on a fresh connection; resolves with everything received once the server closes. */
function sendUntilClosed(target: string | { host: string; port: number }, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = typeof target === 'string' ? net.connect(target) : net.connect(target.port, target.host);
    const got: Buffer[] = [];
    s.on('data', (d) => got.push(d));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(got).toString('latin1')));
    s.setTimeout(10_000, () => s.destroy(new Error('connection still open')));
    s.write(Buffer.from(bytes, 'latin1'));
  });
}

describe('cross-protocol scripting (HTTP sent to the RESP port)', () => {
  // Each case ends with a write that must never run; Redis answers nothing and closes.
  const attacks: [string, string][] = [
    ['inline POST', 'PING\r\nPOST / HTTP/1.1\r\nHost: 127.0.0.1:6378\r\nContent-Type: text/plain\r\n\r\n\r\nSET pwned yes\r\n'],
    ['inline Host: after a GET request line', 'GET / HTTP/1.1\r\nhOsT: example.com\r\n\r\nSET pwned yes\r\n'],
    ['multibulk post', encode(['PING']).toString('latin1') + encode(['post']).toString('latin1') + encode(['SET', 'pwned', 'yes']).toString('latin1')],
    ['multibulk "host:"', encode(['HOST:', 'x']).toString('latin1') + encode(['SET', 'pwned', 'yes']).toString('latin1')],
    ['inside MULTI', 'MULTI\r\nSET pwned yes\r\nPOST /\r\nEXEC\r\n'],
  ];

  it.each(attacks)('%s closes the connection like redis-server, running nothing after it', async (_name, bytes) => {
    const ok = await Raw.open(hero().resp);
    await ok.call('DEL', 'pwned');
    const [h, r] = [await sendUntilClosed(hero().resp, bytes), await sendUntilClosed(redis().sock, bytes)];
    expect(h).toBe(r);
    expect(h).toBe('');
    await compare(hero().resp, redis().sock, [['GET', 'pwned']]);
  });

  it('words that merely look alike are ordinary unknown commands', () =>
    compare(hero().resp, redis().sock, [['HOST'], ['host:x'], ['POSTS'], ['PING']]));

  it('an HTTP POST to the TCP port (curl --data-binary) cannot run the commands in its body', async () => {
    const h = await startHero({ tcp: '127.0.0.1:0' });
    try {
      const c = await Raw.open(h.resp);
      await c.call('SET', 'keep', '1');
      const body = '\r\nSET pwned yes\r\nFLUSHALL\r\n';
      const request =
        `POST / HTTP/1.1\r\nHost: ${h.tcp}\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n` +
        `Content-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
      const [host, port] = h.tcp!.split(':');
      expect(await sendUntilClosed({ host: host!, port: Number(port) }, request)).toBe('');
      expect(await c.call('GET', 'pwned')).toBe('$-1\r\n');
      expect(await c.call('GET', 'keep')).toBe('$1\r\n1\r\n');
    } finally {
      await h.stop();
    }
  });

  it('is refused before authentication, like redis-server with --requirepass', async () => {
    const [h, r] = await Promise.all([startHero({ requirepass: 'sekret' }), startRedis(undefined, ['--requirepass', 'sekret'])]);
    try {
      const bytes = 'GET k\r\nPOST / HTTP/1.1\r\nAUTH sekret\r\nSET pwned yes\r\n';
      expect(await sendUntilClosed(h.resp, bytes)).toBe(await sendUntilClosed(r.sock, bytes));
    } finally {
      await h.stop();
      await r.stop();
    }
  });
});

describe('glob patterns cannot hang the server (CVE-2022-36021)', () => {
  const key = 'a'.repeat(50);
  // Each extra `*a` used to multiply the time; these must answer at once.
  const slow = '*a*a*a*a*a*a*a*b';
  const slower = '*a'.repeat(40) + '*b';
  const matching = '*a'.repeat(40) + '*';

  it('KEYS and SCAN MATCH answer like redis-server', () =>
    compare(hero().resp, redis().sock, [
      ['FLUSHALL'],
      ['SET', key, '1'],
      ['KEYS', slow],
      ['KEYS', slower],
      ['KEYS', matching],
      ['SCAN', '0', 'MATCH', slow, 'COUNT', '1000'],
      ['SCAN', '0', 'MATCH', slower, 'COUNT', '1000'],
      ['SCAN', '0', 'MATCH', matching, 'COUNT', '1000'],
    ]));

  it('HSCAN, SSCAN and ZSCAN MATCH answer like redis-server', () =>
    compare(hero().resp, redis().sock, [
      ['FLUSHALL'],
      ['HSET', 'h', key, '1'],
      ['SADD', 's', key],
      ['ZADD', 'z', '1', key],
      ['HSCAN', 'h', '0', 'MATCH', slower],
      ['SSCAN', 's', '0', 'MATCH', slower],
      ['ZSCAN', 'z', '0', 'MATCH', slower],
      ['HSCAN', 'h', '0', 'MATCH', matching],
      ['SSCAN', 's', '0', 'MATCH', matching],
      ['ZSCAN', 'z', '0', 'MATCH', matching],
    ]));

  it('PSUBSCRIBE and PUBSUB CHANNELS answer like redis-server', () =>
    compareMulti(hero().resp, redis().sock, 3, [
      { c: 0, cmd: ['PSUBSCRIBE', slower] },
      { c: 2, cmd: ['SUBSCRIBE', key] },
      { c: 1, cmd: ['PUBLISH', key, 'hi'] },
      { c: 2, read: 1 },
      { c: 1, cmd: ['PUBSUB', 'CHANNELS', slower] },
      { c: 1, cmd: ['PUBSUB', 'CHANNELS', matching] },
    ]));

  it('keeps Redis quirks: an empty key matches only the empty pattern, at most 1000 stars nest', () =>
    compare(hero().resp, redis().sock, [
      ['FLUSHALL'],
      ['SET', '', '1'],
      ['KEYS', '**'],
      ['KEYS', '*'],
      ['SET', 'a'.repeat(1001), '1'],
      { cmd: ['KEYS', '*a'.repeat(1000)], unordered: true },
      ['KEYS', '*a'.repeat(1001)],
    ]));
});

describe('passwords', () => {
  it('AUTH accepts only the exact password, like redis-server', async () => {
    const [h, r] = await Promise.all([startHero({ requirepass: 'sekret' }), startRedis(undefined, ['--requirepass', 'sekret'])]);
    try {
      await compareMulti(h.resp, r.sock, 1, [
        { c: 0, cmd: ['AUTH', ''] },
        { c: 0, cmd: ['AUTH', 'sekre'] },
        { c: 0, cmd: ['AUTH', 'sekret '] },
        { c: 0, cmd: ['AUTH', 'SEKRET'] },
        { c: 0, cmd: ['AUTH', 'sekret\u0000'] },
        { c: 0, cmd: ['AUTH', 'x'.repeat(1000)] },
        { c: 0, cmd: ['HELLO', '2', 'AUTH', 'default', 'sekreT'] },
        { c: 0, cmd: ['GET', 'a'] },
        { c: 0, cmd: ['AUTH', 'sekret'] },
        { c: 0, cmd: ['GET', 'a'] },
      ]);
    } finally {
      await h.stop();
      await r.stop();
    }
  });

  it('CONFIG SET cannot clear the password while TCP listens beyond loopback', async () => {
    const s = await startHero({ tcp: '0.0.0.0:0', requirepass: 'sekret' });
    try {
      const c = await Raw.open(s.resp);
      expect(await c.call('AUTH', 'sekret')).toBe('+OK\r\n');
      expect(await c.call('CONFIG', 'SET', 'requirepass', '')).toBe(
        "-ERR CONFIG SET failed (possibly related to argument 'requirepass') - refusing to clear requirepass while listening on non-loopback TCP host 0.0.0.0\r\n",
      );
      expect(await c.call('CONFIG', 'GET', 'requirepass')).toBe('*2\r\n$11\r\nrequirepass\r\n$6\r\nsekret\r\n');
      // changing it is fine; a new client still has to authenticate
      expect(await c.call('CONFIG', 'SET', 'requirepass', 'other')).toBe('+OK\r\n');
      const d = await Raw.open(s.resp);
      expect(await d.call('GET', 'a')).toBe('-NOAUTH Authentication required.\r\n');
      expect(await d.call('AUTH', 'other')).toBe('+OK\r\n');
    } finally {
      await s.stop();
    }
  });

  it('CONFIG SET may clear the password when TCP is loopback only', async () => {
    const s = await startHero({ tcp: '127.0.0.1:0', requirepass: 'sekret' });
    try {
      const c = await Raw.open(s.resp);
      await c.call('AUTH', 'sekret');
      expect(await c.call('CONFIG', 'SET', 'requirepass', '')).toBe('+OK\r\n');
      const d = await Raw.open(s.resp);
      expect(await d.call('GET', 'a')).toBe('$-1\r\n');
    } finally {
      await s.stop();
    }
  });
});
