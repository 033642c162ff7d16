import { describe, expect, it } from 'vitest';
import { Bus, inboundJson, toInbound, type Envelope } from './bus.js';
import type { RecordRef } from './records.js';

const limits = { maxQueueMessages: 3, maxQueueBytes: 100, maxTotalBytes: 150, messageTtlMs: 1000, maxRecords: 10 };

function env(id: string, topicKey = '', size = 1, record?: RecordRef): Omit<Envelope, 'seq' | 'expiresAt'> {
  return { id, srcIp: '400::1', srcPk: 'a', dstIp: '400::1', dstPk: 'a', topicKey, topic: undefined, payload: 'eA==', size, record };
}

describe('Bus', () => {
  it('keeps FIFO order across topics and filters by prefix', async () => {
    const bus = new Bus(limits);
    bus.deliver(env('1', 'b'));
    bus.deliver(env('2', 'a.x'));
    bus.deliver(env('3', 'b'));
    expect(bus.take('a', false)?.id).toBe('2');
    expect(bus.take(undefined, true)?.id).toBe('1');
    expect(bus.take(undefined, false)?.id).toBe('1');
    expect(bus.take('', false)?.id).toBe('3');
    expect(bus.take(undefined, false)).toBeUndefined();
    expect(bus.stats()).toMatchObject({ messages: 0, bytes: 0, topics: 0 });
  });

  it('refuses at the count, per-topic byte and total byte limits', () => {
    const bus = new Bus(limits);
    for (const id of ['1', '2', '3']) bus.deliver(env(id, 't'));
    expect(() => bus.deliver(env('4', 't'))).toThrow(/inbox full/);
    bus.deliver(env('5', 'u', 99));
    expect(() => bus.deliver(env('6', 'u', 2))).toThrow(/bytes for the topic/);
    bus.deliver(env('7', 'v', 40));
    expect(() => bus.deliver(env('8', 'w', 20))).toThrow(/in total/);
    expect(bus.stats().messages).toBe(5);
  });

  it('hands a message straight to a waiting popper (peekers see it too)', async () => {
    const bus = new Bus(limits);
    const peeker = bus.pop('t', true, 10_000);
    const taker = bus.pop('t', false, 10_000);
    const other = bus.pop('zzz', false, 50);
    const { id, ref } = bus.records.add('400::1', 0, 1);
    bus.deliver(env('1', 'topic', 1, ref));
    expect((await peeker)?.id).toBe('1');
    expect((await taker)?.id).toBe('1');
    expect(bus.records.get(id)?.state).toBe('read');
    expect(await other).toBeNull();
    expect(bus.stats().messages).toBe(0);
  });

  it('expires unread messages and marks their records aborted', () => {
    const bus = new Bus(limits);
    const { id, ref } = bus.records.add('400::1', 0, 1);
    bus.deliver(env('1', 't', 1, ref), 0);
    bus.deliver(env('2', 't'), 500);
    expect(bus.records.get(id)?.state).toBe('received');
    expect(bus.sweep(1000)).toBe(1);
    expect(bus.records.get(id)?.state).toBe('aborted');
    expect(bus.take(undefined, false)?.id).toBe('2');
  });

  it('reply waiters get replies and time out; close ends every wait', async () => {
    const bus = new Bus(limits);
    const r = bus.waitReply('abc', 10_000);
    expect(bus.resolveReply('abc', { id: 'abc', srcIp: '', srcPk: '', dstIp: '', dstPk: '', payload: '' })).toBe(true);
    expect((await r)?.id).toBe('abc');
    expect(bus.resolveReply('abc', { id: 'abc', srcIp: '', srcPk: '', dstIp: '', dstPk: '', payload: '' })).toBe(false);
    expect(await bus.waitReply('t', 10)).toBeUndefined();
    const p = bus.pop(undefined, false, 60_000);
    const w = bus.waitReply('x', 60_000);
    bus.close();
    expect(await p).toBeNull();
    expect(await w).toBeUndefined();
    expect(() => bus.deliver(env('1'))).toThrow(/shutting down/);
  });

  it('an aborted long-poll leaves the queue untouched', async () => {
    const bus = new Bus(limits);
    const ac = new AbortController();
    const p = bus.pop(undefined, false, 60_000, ac.signal);
    ac.abort();
    expect(await p).toBeNull();
    bus.deliver(env('1'));
    expect(bus.stats().messages).toBe(1);
  });

  it('serialises a message exactly as JSON.stringify(toInbound(env))', () => {
    const base = { ...env('0123456789abcdef'), seq: 1, expiresAt: 0 } as Envelope;
    const cases: Envelope[] = [
      base,
      { ...base, topic: 'dA==', topicKey: 't' },
      { ...base, srcIp: '400::"x' },
      { ...base, srcPk: undefined as unknown as string },
    ];
    for (const e of cases) expect(inboundJson({ ...e })).toBe(JSON.stringify(toInbound(e)));
  });
});
