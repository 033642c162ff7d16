import { describe, expect, it } from 'vitest';
import { RespWriter } from './writer.js';

const text = (w: RespWriter) => w.take()?.latin1Slice() ?? '';

describe('RespWriter', () => {
  it('encodes RESP2', () => {
    const w = new RespWriter();
    w.ok();
    w.int(-42);
    w.int(1234567890123);
    w.int(9223372036854775807n);
    w.bulk('a\r\nb');
    w.nil();
    w.nilArray();
    w.map(1);
    w.set(0);
    w.double(1.1);
    w.double(-Infinity);
    w.bool(true);
    w.error('ERR x\ny');
    expect(text(w)).toBe(
      '+OK\r\n:-42\r\n:1234567890123\r\n:9223372036854775807\r\n$4\r\na\r\nb\r\n$-1\r\n*-1\r\n*2\r\n*0\r\n$18\r\n1.1000000000000001\r\n$4\r\n-inf\r\n:1\r\n-ERR x y\r\n',
    );
  });

  it('encodes RESP3 types', () => {
    const w = new RespWriter();
    w.proto = 3;
    w.nil();
    w.map(2);
    w.set(1);
    w.push(3);
    w.double(2);
    w.bool(false);
    w.verbatim('hi');
    expect(text(w)).toBe('_\r\n%2\r\n~1\r\n>3\r\n,2\r\n#f\r\n=6\r\ntxt:hi\r\n');
  });

  it('grows for large replies and hands out detached chunks', () => {
    const w = new RespWriter();
    const big = 'x'.repeat(100_000);
    w.bulk(big);
    const a = w.take()!;
    w.ok();
    expect(a.length).toBe(big.length + 11);
    expect(a.latin1Slice(0, 10)).toBe('$100000\r\nx');
    expect(text(w)).toBe('+OK\r\n');
    expect(w.take()).toBeNull();
  });
});
