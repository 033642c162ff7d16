import { describe, expect, it } from 'vitest';
import { readProcTable } from './proc-table.js';

describe('readProcTable', () => {
  it('shares one fresh read among the callers of one turn, and reads again for a later one', async () => {
    const first = await Promise.all(Array.from({ length: 50 }, () => readProcTable(0)));
    expect(new Set(first).size).toBe(1);
    expect(first[0]!.some((e) => e.pid === process.pid)).toBe(true);
    // asked after that read: never handed the earlier table
    const later = await readProcTable(0);
    expect(later).not.toBe(first[0]);
    // a caller that accepts an old table within its age gets the cached one
    expect(await readProcTable(60_000)).toBe(later);
  });
});
