import { describe, expect, it } from 'vitest';
import { median, percentile, renderTable, runSuite, type Suite } from './harness.js';

describe('bench harness', () => {
  it('takes medians and nearest-rank percentiles', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([5], 99)).toBe(5);
  });

  it('runs both contenders alternately every round and prints the table with the ratio', async () => {
    const order: string[] = [];
    const values: Record<string, number[]> = { anchor: [100, 300, 200], hero: [50, 70, 60] };
    const suite: Suite = {
      name: 't',
      description: 'test suite',
      metrics: [
        { key: 'rps', label: 'requests/s', unit: 'req/s', better: 'higher' },
        { key: 'ms', label: 'latency', unit: 'ms', better: 'lower' },
      ],
      contenders: () =>
        (['anchor', 'hero'] as const).map((name) => ({
          name,
          role: name,
          run: async () => {
            order.push(name);
            const v = values[name]!.shift()!;
            return { rps: v, ms: 1000 / v };
          },
        })),
    };
    const r = await runSuite(suite, { rounds: 3 });
    expect(order).toEqual(['anchor', 'hero', 'hero', 'anchor', 'anchor', 'hero']);
    expect(r.medians).toEqual({ anchor: { rps: 200, ms: 5 }, hero: { rps: 60, ms: 1000 / 60 } });
    expect(r.table.split('\n')).toEqual([
      '| metric | anchor (anchor) | hero | hero / anchor |',
      '|---|---|---|---|',
      '| requests/s (req/s, higher is better) | 200.0 | 60.0 | 0.30× |',
      '| latency (ms, lower is better) | 5.000 | 16.7 | 0.30× |',
    ]);
  });

  it('renders n/a for a metric a contender did not report', () => {
    const suite: Suite = { name: 't', description: '', metrics: [{ key: 'x', label: 'x', unit: 'u', better: 'higher' }], contenders: () => [] };
    const table = renderTable(suite, [{ name: 'a', role: 'anchor', run: async () => ({}) }, { name: 'h', role: 'hero', run: async () => ({}) }], { a: { x: 2 }, h: {} });
    expect(table.split('\n')[2]).toBe('| x (u, higher is better) | 2.000 | n/a | n/a |');
  });
});
