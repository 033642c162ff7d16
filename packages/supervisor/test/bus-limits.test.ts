import { describe, expect, it } from 'vitest';
import type { RpcHandler } from '@hero/core';
import { SenderLimiter } from '../src/bus.js';
import { serveOnBus, startBus, tempDir } from './helpers.js';

/** A handler whose every call waits until its signal aborts (like job.run with timeout 0). */
function waitingHandler(log: string[]): RpcHandler {
  return {
    handler: () => undefined,
    openrpc: () => ({}),
    dispatch: (message, call) =>
      new Promise((resolve) => {
        const id = (message as { id: number }).id;
        log.push(`call ${id}`);
        call!.signal!.addEventListener('abort', () => resolve({ jsonrpc: '2.0', id, result: 'aborted' }), { once: true });
      }),
  };
}

describe('SenderLimiter', () => {
  it('holds at most perSender slots per sender and frees them on release', () => {
    const l = new SenderLimiter(2);
    expect([l.acquire('a'), l.acquire('a'), l.acquire('a')]).toEqual([true, true, false]);
    expect(l.acquire('b')).toBe(true);
    l.release('a');
    expect(l.inFlight('a')).toBe(1);
    expect(l.acquire('a')).toBe(true);
  });
});

describe('bus calls', () => {
  it('are aborted after maxCallMs, and one sender cannot hold more than maxPerSender', async () => {
    const dir = await tempDir();
    const busSock = await startBus(dir);
    const log: string[] = [];
    const { ask: call } = await serveOnBus(busSock, waitingHandler(log), { maxCallMs: 800, maxPerSender: 2 });
    const ask = (id: number) => call(id, 'job.run', {});
    const first = [ask(1), ask(2)];
    await new Promise((r) => setTimeout(r, 200));
    // the sender already holds its two slots: the third is refused at once, not queued
    const third = await ask(3);
    expect(third.ms).toBeLessThan(500);
    expect(third.body).toMatchObject({ id: 3, error: { code: -32000, data: { code: 'HERO_UNAVAILABLE' } } });
    // the waiting calls end when their cap passes instead of holding their slots for ever
    const [one, two] = await Promise.all(first);
    expect(one!.body).toMatchObject({ id: 1, result: 'aborted' });
    expect(two!.body).toMatchObject({ id: 2, result: 'aborted' });
    expect(one!.ms).toBeGreaterThanOrEqual(700);
    expect(log).toEqual(['call 1', 'call 2']);
    // slots are free again
    const again = ask(4);
    expect((await again).body).toMatchObject({ id: 4, result: 'aborted' });
  });
});
