import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DebouncedWriter, readJsonFile } from './json-file.js';

async function dir(): Promise<string> {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), 'hero-json-'));
  onTestFinished(() => fs.rm(d, { recursive: true, force: true }));
  return d;
}

function logger(lines: unknown[]) {
  return { warn: (obj: unknown, msg: string) => lines.push({ ...(obj as object), msg }) } as never;
}

describe('readJsonFile', () => {
  it('returns the file, or the fallback when it does not exist', async () => {
    const d = await dir();
    const f = path.join(d, 'a.json');
    expect(await readJsonFile(f, { n: 0 })).toEqual({ n: 0 });
    await fs.writeFile(f, '{"n":1}');
    expect(await readJsonFile(f, { n: 0 })).toEqual({ n: 1 });
    // no shape to check against a non-object fallback
    await fs.writeFile(f, '[1]');
    expect(await readJsonFile<unknown>(f, null)).toEqual([1]);
  });

  it('sets a file that does not parse, or is not an object, aside and returns the fallback', async () => {
    const d = await dir();
    const f = path.join(d, 'state.json');
    const lines: unknown[] = [];
    for (const text of ['', '{"services":{"a', '\0\0\0\0', 'null', '[]']) {
      await fs.writeFile(f, text);
      expect(await readJsonFile(f, { services: {} }, { logger: logger(lines) })).toEqual({ services: {} });
      await expect(fs.access(f)).rejects.toMatchObject({ code: 'ENOENT' });
      const aside = (await fs.readdir(d)).filter((x) => x.startsWith('state.json.corrupt-'));
      expect(aside).toHaveLength(1);
      expect(await fs.readFile(path.join(d, aside[0]!), 'utf8')).toBe(text);
      await fs.rm(path.join(d, aside[0]!));
    }
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatchObject({ file: f, msg: 'corrupt file set aside, starting from defaults' });
  });

  it('keeps other read errors fatal', async () => {
    const d = await dir();
    await expect(readJsonFile(d, {})).rejects.toMatchObject({ code: 'HERO_UNAVAILABLE' });
  });
});

describe('DebouncedWriter', () => {
  it('flush waits for a write that goes on to a newer snapshot; after close nothing is written', async () => {
    const d = await dir();
    const f = path.join(d, 's.json');
    let n = 0;
    const w = new DebouncedWriter(f, () => ({ n }), 0);
    n = 1;
    w.schedule();
    await new Promise((r) => setTimeout(r, 5)); // the timer's write is in flight now...
    n = 2;
    w.schedule(); // ...and this change is written by the same loop when it ends
    await w.flush();
    expect(JSON.parse(await fs.readFile(f, 'utf8'))).toEqual({ n: 2 });
    expect((await fs.readdir(d)).sort()).toEqual(['s.json']);

    n = 3;
    w.schedule();
    await w.close();
    expect(JSON.parse(await fs.readFile(f, 'utf8'))).toEqual({ n: 3 });
    n = 4;
    w.schedule();
    await new Promise((r) => setTimeout(r, 50));
    expect(JSON.parse(await fs.readFile(f, 'utf8'))).toEqual({ n: 3 });
    expect((await fs.readdir(d)).sort()).toEqual(['s.json']);
  });
});
