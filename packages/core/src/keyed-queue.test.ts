import { describe, expect, it } from 'vitest';
import { KeyedQueue } from './keyed-queue.js';

describe('KeyedQueue', () => {
  it('runs one key in call order, other keys alongside, whatever earlier calls did', async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    const step = (name: string, ms: number, fail = false) => () =>
      new Promise<string>((resolve, reject) => setTimeout(() => (log.push(name), fail ? reject(new Error(name)) : resolve(name)), ms));
    const a1 = q.run('a', step('a1', 30, true));
    const a2 = q.run('a', step('a2', 1));
    const b1 = q.run('b', step('b1', 5));
    await expect(a1).rejects.toThrow('a1');
    expect(await a2).toBe('a2');
    expect(await b1).toBe('b1');
    expect(log).toEqual(['b1', 'a1', 'a2']);
    await q.idle();
  });

  it('after(key) waits for what was queued, idle() for everything', async () => {
    const q = new KeyedQueue();
    let done = false;
    void q.run('k', () => new Promise<void>((r) => setTimeout(() => ((done = true), r()), 20)));
    await q.after('k');
    expect(done).toBe(true);
    await q.after('nothing-queued');
    await q.idle();
  });
});
