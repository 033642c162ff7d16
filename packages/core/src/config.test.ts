import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadToml, mergeConfig, parseConfig } from './config.js';
import { ConfigError } from './errors.js';

const schema = z.strictObject({
  name: z.string().default('x').describe('name'),
  port: z.number().int().min(1).default(80),
  nested: z.strictObject({ on: z.boolean().default(true) }).prefault({}),
});

describe('config', () => {
  it('fills defaults and freezes', () => {
    const c = parseConfig(schema, {});
    expect(c).toEqual({ name: 'x', port: 80, nested: { on: true } });
    expect(Object.isFrozen(c.nested)).toBe(true);
  });
  it('lists every problem as path: message', () => {
    let err: ConfigError | undefined;
    try {
      parseConfig(schema, { port: 'a', nested: { on: 1, extra: 2 }, bogus: 1 });
    } catch (e) {
      err = e as ConfigError;
    }
    if (!err) throw new Error('expected a ConfigError');
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.code).toBe('HERO_CONFIG');
    expect(err.issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^port: /),
        expect.stringMatching(/^nested\.on: /),
        'nested: unknown key(s) "extra"',
        '(root): unknown key(s) "bogus"',
      ]),
    );
  });
  it('loads TOML and reports parse errors with a line', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hero-cfg-'));
    const good = path.join(dir, 'a.toml');
    await fs.writeFile(good, 'name = "y"\n[nested]\non = false\n');
    expect(parseConfig(schema, await loadToml(good))).toEqual({ name: 'y', port: 80, nested: { on: false } });
    const bad = path.join(dir, 'b.toml');
    await fs.writeFile(bad, 'name = "y"\nport = = 3\n');
    await expect(loadToml(bad)).rejects.toThrow(/invalid TOML in .*b\.toml \(line 2/);
    await expect(loadToml(path.join(dir, 'none.toml'))).rejects.toThrow(/file not found/);
    await fs.rm(dir, { recursive: true });
  });
  it('merges layers, later wins', () => {
    expect(mergeConfig({ a: 1, n: { x: 1, y: 2 } }, { n: { y: 3 } }, { a: undefined, b: [1] })).toEqual({ a: 1, n: { x: 1, y: 3 }, b: [1] });
  });
});
