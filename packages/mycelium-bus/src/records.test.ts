import { describe, expect, it } from 'vitest';
import { RecordRing } from './records.js';

describe('RecordRing', () => {
  it('gives 16-hex ids whose records are found, marked and reported', () => {
    const ring = new RecordRing(100, 60);
    const { id, ref } = ring.add('400::1', 1000, 5);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(ring.get(id)).toEqual({ dst: '400::1', state: 'pending', created: 1000, deadline: 1060, msgLen: 5 });
    ring.mark(ref, 'received');
    expect(ring.get(id)?.state).toBe('received');
    ring.mark(ref, 'read');
    expect(ring.get(id)?.state).toBe('read');
    // same slot, another tag; a slot never written; a slot past the cap
    const other = ((Number.parseInt(id.slice(0, 8), 16) ^ 1) >>> 0).toString(16).padStart(8, '0') + id.slice(8);
    expect(ring.get(other)).toBeUndefined();
    expect(ring.get(id.slice(0, 8) + '00000005')).toBeUndefined();
    expect(ring.get(id.slice(0, 8) + 'ffffffff')).toBeUndefined();
  });

  it('keeps the newest `cap` records: a new one takes the oldest slot, and old refs no longer mark it', () => {
    const ring = new RecordRing(3, 60);
    const made = Array.from({ length: 5 }, (_, i) => ring.add('400::1', 1000 + i, i));
    expect(ring.size).toBe(3);
    expect(ring.get(made[0]!.id)).toBeUndefined();
    expect(ring.get(made[1]!.id)).toBeUndefined();
    for (const m of made.slice(2)) expect(ring.get(m.id)?.msgLen).toBe(Number(made.indexOf(m)));
    // made[0] had slot 0, now made[3]'s
    ring.mark(made[0]!.ref, 'aborted');
    expect(ring.get(made[3]!.id)?.state).toBe('pending');
  });

  it('grows past its first block and prunes in creation order', () => {
    const ring = new RecordRing(5000, 10);
    const made = Array.from({ length: 3000 }, (_, i) => ring.add('400::2', i < 2000 ? 100 : 200, 1));
    expect(ring.get(made[2999]!.id)?.dst).toBe('400::2');
    ring.prune(100 + 10 + 5, 5); // deadline 110 + keep 5 <= 115: the first 2000 go
    expect(ring.size).toBe(1000);
    expect(ring.get(made[1999]!.id)).toBeUndefined();
    expect(ring.get(made[2000]!.id)?.created).toBe(200);
    ring.drop(made[2000]!.ref);
    expect(ring.get(made[2000]!.id)).toBeUndefined();
  });

  it('refuses a cap it cannot address', () => {
    expect(() => new RecordRing(0, 1)).toThrow(/record cap/);
    expect(() => new RecordRing(2 ** 32, 1)).toThrow(/record cap/);
  });
});
