import { describe, expect, it } from 'vitest';
import { dependentsOf, findCycle, namesInCycles, startOrder } from './deps.js';

const g = (o: Record<string, string[]>) => new Map(Object.entries(o));

describe('dependency graph', () => {
  it('finds a cycle as a path', () => {
    expect(findCycle(g({ a: ['b'], b: ['c'], c: ['a'], d: [] }))).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle(g({ a: ['b'], b: [], c: ['a', 'missing'] }))).toBeUndefined();
  });
  it('lists every name in a cycle', () => {
    expect([...namesInCycles(g({ a: ['b'], b: ['a'], c: ['c2'], c2: ['c'], d: ['a'] }))].sort()).toEqual(['a', 'b', 'c', 'c2']);
  });
  it('orders dependencies first', () => {
    const order = startOrder(g({ web: ['db', 'cache'], db: ['migrate'], migrate: [], cache: [] }));
    expect(order.indexOf('migrate')).toBeLessThan(order.indexOf('db'));
    expect(order.indexOf('db')).toBeLessThan(order.indexOf('web'));
    expect(order.indexOf('cache')).toBeLessThan(order.indexOf('web'));
  });
  it('finds dependents', () => {
    expect(dependentsOf(g({ a: ['db'], b: ['db'], db: [] }), 'db')).toEqual(['a', 'b']);
  });
});

describe('cycleThrough', () => {
  it('only reports cycles through the given name', async () => {
    const { cycleThrough } = await import('./deps.js');
    const graph = g({ a: ['b'], b: ['a'], c: ['d'], d: [] });
    expect(cycleThrough(graph, 'a')).toEqual(['a', 'b', 'a']);
    expect(cycleThrough(graph, 'c')).toBeUndefined();
    expect(cycleThrough(g({ x: ['y'], y: ['z'], z: ['x'] }), 'y')).toEqual(['y', 'z', 'x', 'y']);
  });
});
