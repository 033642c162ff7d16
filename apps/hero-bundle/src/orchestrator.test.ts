import { describe, expect, it } from 'vitest';
import { HeroError } from '@hero/core';
import { Orchestrator, backoffDelay, type ServiceTask } from './orchestrator.js';

/** A fake service: ready at once, stops on abort, can be told to crash. */
function fake(name: string, log: string[], opts: { failStart?: boolean } = {}) {
  let crash: ((err: Error) => void) | undefined;
  let starts = 0;
  const task: ServiceTask = {
    key: name,
    service: name,
    start: (signal, ctx) =>
      new Promise<void>((resolve, reject) => {
        starts++;
        log.push(`start ${name}`);
        if (opts.failStart) return reject(new HeroError('HERO_CONFLICT', `${name} port in use`));
        crash = (err) => reject(err);
        signal.addEventListener('abort', () => {
          log.push(`stop ${name}`);
          setTimeout(resolve, 5);
        });
        setTimeout(() => ctx.onReady?.({ service: name, sockets: { rpc: `/x/${name}/rpc.sock` } }), 5);
      }),
  };
  return { task, crash: (err = new Error('boom')) => crash?.(err), starts: () => starts };
}

describe('Orchestrator', () => {
  it('starts in order, each awaited, and stops in reverse', async () => {
    const log: string[] = [];
    const a = fake('a', log);
    const b = fake('b', log);
    const c = fake('c', log);
    const o = new Orchestrator([a.task, b.task, c.task]);
    const st = await o.start();
    expect(st.map((s) => s.state)).toEqual(['running', 'running', 'running']);
    await o.shutdown();
    expect(await o.finished).toBe(0);
    expect(log).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
  });

  it('a start failure stops what already started and rethrows naming the service', async () => {
    const log: string[] = [];
    const o = new Orchestrator([fake('a', log).task, fake('b', log, { failStart: true }).task, fake('c', log).task]);
    await expect(o.start()).rejects.toMatchObject({ code: 'HERO_CONFLICT', service: 'b' });
    expect(log).toEqual(['start a', 'start b', 'stop a']);
  });

  it('restarts a crashed service with backoff while the others keep running', async () => {
    const log: string[] = [];
    const a = fake('a', log);
    const b = fake('b', log);
    const o = new Orchestrator([a.task, b.task], { backoffMs: 10 });
    await o.start();
    b.crash();
    await new Promise((r) => setTimeout(r, 200));
    expect(b.starts()).toBe(2);
    const st = o.statuses();
    expect(st[1]).toMatchObject({ state: 'running', restarts: 1, lastError: 'boom' });
    expect(st[0]).toMatchObject({ state: 'running', restarts: 0 });
    expect(a.starts()).toBe(1);
    await o.shutdown();
  });

  it('gives up with exit code 1 when a service keeps failing', async () => {
    const log: string[] = [];
    const a = fake('a', log);
    const b = fake('b', log);
    const o = new Orchestrator([a.task, b.task], { backoffMs: 1, maxRestarts: 2 });
    await o.start();
    for (let i = 0; i < 3; i++) {
      b.crash();
      await new Promise((r) => setTimeout(r, 60));
    }
    expect(await o.finished).toBe(1);
    expect(log).toContain('stop a');
    expect(o.failure).toBe('b failed 3 times within 60 s (last: boom); every service stopped');
  });

  it('a stop asked for while a service is starting is no start failure', async () => {
    const log: string[] = [];
    let stop!: () => void;
    const slow: ServiceTask = {
      key: 'slow',
      service: 'slow',
      // never ready; gives up as a service does when aborted before it serves
      start: (signal) =>
        new Promise<void>((_resolve, reject) => {
          log.push('start slow');
          signal.addEventListener('abort', () => reject(new HeroError('HERO_UNAVAILABLE', 'aborted before listening')));
          setTimeout(stop, 5); // SIGTERM arrives while it starts
        }),
    };
    const o = new Orchestrator([fake('a', log).task, slow, fake('c', log).task]);
    stop = () => void o.shutdown();
    const st = await o.start();
    expect(st.map((s) => s.state)).toEqual(['stopped', 'stopped']);
    expect(await o.finished).toBe(0);
    expect(log).toEqual(['start a', 'start slow', 'stop a']);
  });

  it('stops within one deadline: services that ignore abort are left behind, the rest still stop gracefully', async () => {
    const log: string[] = [];
    const t0 = Date.now();
    /** Ready at once, logs its abort and never stops. */
    const stuck = (name: string): ServiceTask => ({
      key: name,
      service: name,
      start: (signal, ctx) =>
        new Promise<void>(() => {
          signal.addEventListener('abort', () => log.push(`abort ${name} @${Date.now() - t0}`));
          ctx.onReady?.({ service: name, sockets: {} });
        }),
    });
    const graceful = ['a', 'b'].map((n) => fake(n, log).task);
    const o = new Orchestrator([...graceful, stuck('x'), stuck('y'), stuck('z')], { stopTimeoutMs: 1000, shutdownTimeoutMs: 2000 });
    await o.start();
    const begun = Date.now();
    await o.shutdown();
    // the stop lasts the whole deadline (the stuck ones are watched to the end), not 3 × 1 s more
    expect(Date.now() - begun).toBeGreaterThanOrEqual(1900);
    // a and b (started first, stopped last) were stopped, not cut off at the end
    expect(log.filter((l) => l.startsWith('stop'))).toEqual(['stop b', 'stop a']);
    // every stuck one was aborted, in reverse start order, before the deadline
    const aborts = log.filter((l) => l.startsWith('abort'));
    expect(aborts.map((l) => l.split(' ')[1])).toEqual(['z', 'y', 'x']);
    expect(Math.max(...aborts.map((l) => Number(l.split('@')[1]) - (begun - t0)))).toBeLessThan(2000);
    expect(o.leftBehind).toEqual(['z', 'y', 'x']);
    expect(o.statuses().map((s) => s.state)).toEqual(['stopped', 'stopped', 'failed', 'failed', 'failed']);
    expect(await o.finished).toBe(1);
    expect(o.failure).toMatch(/^z, y, x did not stop within 2 s/);
  });

  it('a slow service that overruns its share but stops before the deadline still counts as stopped', async () => {
    const log: string[] = [];
    const slow: ServiceTask = {
      key: 'slow',
      service: 'slow',
      start: (signal, ctx) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => setTimeout(() => {
            log.push('stop slow');
            resolve();
          }, 2600));
          ctx.onReady?.({ service: 'slow', sockets: {} });
        }),
    };
    const o = new Orchestrator([fake('a', log).task, slow], { shutdownTimeoutMs: 3000 });
    await o.start();
    await o.shutdown();
    // slow overran its share (3000 ms less a 750 ms reserve for a): a was stopped meanwhile, slow
    // finished before the deadline
    expect(log).toEqual(['start a', 'stop a', 'stop slow']);
    expect(o.leftBehind).toEqual([]);
    expect(await o.finished).toBe(0);
  });

  it('computes capped exponential backoff', () => {
    expect([1, 2, 3, 4, 10].map((n) => backoffDelay(n, 100, 1000))).toEqual([100, 200, 400, 800, 1000]);
  });
});
