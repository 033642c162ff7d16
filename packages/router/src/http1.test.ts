import { describe, expect, it } from 'vitest';
import { ChunkScanner, hasNoBody, parseRequestHead, parseResponseHead, upstreamHead } from './http1.js';

describe('parseRequestHead', () => {
  it('parses the request line, headers and framing', () => {
    const r = parseRequestHead('POST /a/b?c HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\nX-A:  1 \r\nConnection: keep-alive\r\nKeep-Alive: 5\r\nX-Forwarded-For: 1.1.1.1');
    expect(r).toMatchObject({ method: 'POST', target: '/a/b?c', minor: 1, contentLength: 12, chunked: false, close: false, host: 'h', forwardedFor: '1.1.1.1' });
    expect(typeof r === 'object' && r.headers).toEqual(['Host', 'h', 'Content-Length', '12', 'X-A', '1']);
  });
  it('reads Origin (kept for the upstream), refuses two, and drops the router-owned mark', () => {
    const r = parseRequestHead('POST / HTTP/1.1\r\nHost: h\r\nORIGIN: http://h\r\nCookie: c\r\nX-Hero-Router-Proxy: guess');
    expect(r).toMatchObject({ origin: 'http://h' });
    expect(typeof r === 'object' && r.headers).toEqual(['Host', 'h', 'ORIGIN', 'http://h', 'Cookie', 'c']);
    expect(parseRequestHead('GET / HTTP/1.1\r\nHost: h\r\nAccept: x')).toMatchObject({ origin: undefined });
    expect(parseRequestHead('GET / HTTP/1.1\r\nHost: h\r\nOrigin: http://h\r\norigin: http://e')).toBe(400);
  });
  it('knows close, chunked, upgrade and HTTP/1.0', () => {
    expect(parseRequestHead('GET / HTTP/1.1\r\nHost: h\r\nConnection: close')).toMatchObject({ close: true });
    expect(parseRequestHead('GET / HTTP/1.0')).toMatchObject({ close: true, minor: 0 });
    expect(parseRequestHead('GET / HTTP/1.0\r\nConnection: keep-alive')).toMatchObject({ close: false });
    expect(parseRequestHead('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked')).toMatchObject({ chunked: true, contentLength: -1 });
    expect(parseRequestHead('GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket')).toMatchObject({ upgrade: 'websocket' });
    expect(parseRequestHead('GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket')).toMatchObject({ upgrade: undefined });
  });
  it('refuses what could smuggle a request', () => {
    const bad = [
      'GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked',
      'GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2',
      'GET / HTTP/1.1\r\nHost: h\r\nContent-Length: -1',
      'GET / HTTP/1.1\r\nHost: h\r\nContent-Length : 1',
      'GET / HTTP/1.1\r\nHost: h\r\n folded',
      'GET / HTTP/1.1\r\nHost: h\r\nX: a\nb',
      'GET / HTTP/1.1\r\nHost: a\r\nHost: b',
      'GET / HTTP/1.1',
      'GET  / HTTP/1.1\r\nHost: h',
      'GET / HTTP/1.1 x\r\nHost: h',
    ];
    for (const h of bad) expect(parseRequestHead(h), JSON.stringify(h)).toBe(400);
    expect(parseRequestHead('GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked')).toBe(501);
    expect(parseRequestHead('GET / HTTP/2.0\r\nHost: h')).toBe(505);
  });
});

describe('upstreamHead', () => {
  it('rebuilds the head with forwarding headers', () => {
    const req = parseRequestHead('GET /svc/rpc/x HTTP/1.1\r\nHost: h:1\r\nAuthorization: Bearer t\r\nX-Forwarded-For: 9.9.9.9');
    if (typeof req !== 'object') throw new Error('parse');
    const head = upstreamHead(req, '/x', { remoteAddress: '127.0.0.1', proto: 'http', prefix: '/svc/rpc', context: 'c', dropAuthorization: true });
    expect(head).toBe(
      'GET /x HTTP/1.1\r\nHost: h:1\r\nX-Forwarded-For: 9.9.9.9, 127.0.0.1\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Prefix: /svc/rpc\r\nX-Forwarded-Host: h:1\r\nX-Hero-Context: c\r\n\r\n',
    );
  });
});

describe('parseResponseHead', () => {
  it('drops hop-by-hop headers and keeps chunked framing', () => {
    const r = parseResponseHead('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: timeout=5\r\nX-Secret: 1\r\nTransfer-Encoding: chunked');
    expect(r).toEqual({ status: 200, head: 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked', contentLength: -1, chunked: true, close: false });
    expect(parseResponseHead('HTTP/1.1 204 No Content\r\nConnection: close')).toMatchObject({ status: 204, close: true });
    expect(parseResponseHead('HTTP/1.0 200 OK\r\nContent-Length: 3')).toMatchObject({ head: 'HTTP/1.1 200 OK\r\nContent-Length: 3', close: true, contentLength: 3 });
    expect(parseResponseHead('-ERR unknown command')).toBeUndefined();
    expect(hasNoBody('HEAD', 200)).toBe(true);
    expect(hasNoBody('GET', 304)).toBe(true);
    expect(hasNoBody('GET', 200)).toBe(false);
  });
});

describe('ChunkScanner', () => {
  const body = Buffer.from('5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\nNEXT');
  it('finds the end of a chunked body in one piece', () => {
    expect(new ChunkScanner().scan(body, 0, body.length)).toBe(body.length - 4);
  });
  it('finds it byte by byte', () => {
    const s = new ChunkScanner();
    let end = -1;
    for (let i = 0; i < body.length && end === -1; i++) {
      const r = s.scan(body, i, i + 1);
      if (r >= 0) end = r;
    }
    expect(end).toBe(body.length - 4);
  });
  it('rejects malformed framing', () => {
    for (const bad of ['x\r\n', '5\r\nhelloXX', '\r\n', '5\nhello']) {
      const b = Buffer.from(bad);
      expect(new ChunkScanner().scan(b, 0, b.length), bad).toBe(-2);
    }
  });
});
