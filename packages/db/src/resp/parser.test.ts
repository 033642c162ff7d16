import { describe, expect, it } from 'vitest';
import { ProtocolError, RespParser, splitArgs } from './parser.js';

const limits = { maxBulk: 1024 };

function all(p: RespParser): string[][] {
  const out: string[][] = [];
  for (let c = p.next(); c !== null; c = p.next()) out.push(c);
  return out;
}

describe('RespParser', () => {
  it('parses pipelined multibulk and inline commands from one chunk', () => {
    const p = new RespParser(limits);
    p.feed(Buffer.from('*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n*1\r\n$4\r\nPING\r\n'));
    expect(all(p)).toEqual([['GET', 'k'], ['PING'], ['PING']]);
    expect(p.pending).toBe(0);
  });

  it('resumes across arbitrary chunk boundaries and keeps binary bytes', () => {
    const msg = Buffer.concat([Buffer.from('*2\r\n$3\r\nSET\r\n$4\r\n'), Buffer.from([0, 0xff, 13, 10]), Buffer.from('\r\n')]);
    for (let cut = 1; cut < msg.length; cut++) {
      const p = new RespParser(limits);
      p.feed(msg.subarray(0, cut));
      const first = p.next();
      p.feed(msg.subarray(cut));
      const cmd = first ?? p.next();
      expect(cmd).toEqual(['SET', '\x00\xff\r\n']);
    }
  });

  it('skips empty and negative multibulk counts and blank inline lines', () => {
    const p = new RespParser(limits);
    p.feed(Buffer.from('*0\r\n*-1\r\n\r\n  \r\nECHO hi\r\n'));
    expect(all(p)).toEqual([['ECHO', 'hi']]);
  });

  it('reports Redis protocol errors', () => {
    const bad = (s: string, msg: string, opts = limits) => {
      const p = new RespParser(opts);
      p.feed(Buffer.from(s));
      expect(() => all(p)).toThrow(ProtocolError);
      const q = new RespParser(opts);
      q.feed(Buffer.from(s));
      expect(() => all(q)).toThrow(msg);
    };
    bad('*x\r\n', 'invalid multibulk length');
    bad('*1\r\n:1\r\n', "expected '$', got ':'");
    bad('*1\r\n$2000\r\n', 'invalid bulk length');
    bad('*1\r\n$-1\r\n', 'invalid bulk length');
    bad('SET "a\r\n', 'unbalanced quotes');
  });

  it('caps unauthenticated request sizes', () => {
    const p = new RespParser(limits);
    p.authRequired = true;
    p.feed(Buffer.from('*11\r\n'));
    expect(() => p.next()).toThrow('unauthenticated multibulk length');
  });

  it('multibulk-only mode refuses inline text', () => {
    const p = new RespParser({ maxBulk: 10, multibulkOnly: true });
    p.feed(Buffer.from('PING\r\n'));
    expect(() => p.next()).toThrow("expected '*', got 'P'");
  });

  it('splits inline arguments like redis-cli', () => {
    expect(splitArgs('set k "a b\\x41\\n"')).toEqual(['set', 'k', 'a bA\n']);
    expect(splitArgs("echo 'it\\'s'")).toEqual(['echo', "it's"]);
    expect(splitArgs('a "b"c')).toBeNull();
    expect(splitArgs('   ')).toEqual([]);
  });
});
