/**
 * Dependency graph maths over `after` lists: cycle detection and stop order. No I/O.
 */

/** The first cycle found as a path (`[a, b, a]`), or undefined. Unknown names are ignored. */
export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 1 | 2>(); // 1 = on the stack, 2 = done
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    const s = state.get(n);
    if (s === 2) return undefined;
    if (s === 1) return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 1);
    stack.push(n);
    for (const d of graph.get(n) ?? []) {
      if (!graph.has(d)) continue;
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 2);
    return undefined;
  };
  for (const n of [...graph.keys()].sort()) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

/** Every name that is part of some cycle. */
export function namesInCycles(graph: ReadonlyMap<string, readonly string[]>): Set<string> {
  const out = new Set<string>();
  const g = new Map(graph);
  for (;;) {
    const c = findCycle(g);
    if (!c) return out;
    for (const n of c) out.add(n);
    for (const n of c) g.delete(n);
  }
}

/** Names that list `name` in their `after`. */
export function dependentsOf(graph: ReadonlyMap<string, readonly string[]>, name: string): string[] {
  return [...graph].filter(([, after]) => after.includes(name)).map(([n]) => n).sort();
}

/** Names in an order where every name comes after its dependencies (cycles broken arbitrarily). */
export function startOrder(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (n: string) => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const d of graph.get(n) ?? []) if (graph.has(d)) visit(d);
    out.push(n);
  };
  for (const n of [...graph.keys()].sort()) visit(n);
  return out;
}

/** A cycle that passes through `name` (as a path from and back to it), or undefined. */
export function cycleThrough(graph: ReadonlyMap<string, readonly string[]>, name: string): string[] | undefined {
  const seen = new Set<string>();
  const path: string[] = [name];
  const visit = (n: string): boolean => {
    for (const d of graph.get(n) ?? []) {
      if (d === name) {
        path.push(d);
        return true;
      }
      if (seen.has(d) || !graph.has(d)) continue;
      seen.add(d);
      path.push(d);
      if (visit(d)) return true;
      path.pop();
    }
    return false;
  };
  return visit(name) ? path : undefined;
}
