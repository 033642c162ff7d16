import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRootLogger, formatTable, loadServiceConfig } from './cli.js';
import { ConfigError } from './errors.js';
import { isLoopbackHost, parseHostPort } from './net-util.js';

describe('cli helpers', () => {
  it('formats aligned tables', () => {
    expect(formatTable([{ name: 'a', state: 'running' }, { name: 'long-name', state: null }])).toBe(
      'NAME       STATE\na          running\nlong-name  -',
    );
    expect(formatTable([])).toBe('(none)');
  });

  it('layers env defaults < file < flags and names bad keys', async () => {
    const schema = z.strictObject({ socket_dir: z.string().default('~/s'), port: z.number().default(1), name: z.string().default('n') });
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hero-cli-'));
    const file = path.join(dir, 'c.toml');
    await fs.writeFile(file, 'port = 5\nname = "file"\n');
    const cfg = await loadServiceConfig(schema, { defaults: { socket_dir: '/env' }, file, flags: { name: 'flag' } });
    expect(cfg).toEqual({ socket_dir: '/env', port: 5, name: 'flag' });
    await fs.writeFile(file, 'prot = 5\n');
    await expect(loadServiceConfig(schema, { file })).rejects.toThrow(/unknown key\(s\) "prot"/);
    await expect(loadServiceConfig(schema, { file })).rejects.toBeInstanceOf(ConfigError);
    await fs.rm(dir, { recursive: true });
  });

  it('rejects an unknown log level', async () => {
    await expect(createRootLogger('loud', false)).rejects.toThrow(/invalid log level "loud"/);
    expect((await createRootLogger('warn', false)).level).toBe('warn');
  });

  it('parses addresses and recognises loopback', () => {
    expect(parseHostPort('127.0.0.1:6378')).toEqual({ host: '127.0.0.1', port: 6378 });
    expect(parseHostPort('[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(parseHostPort('9998')).toEqual({ host: '127.0.0.1', port: 9998 });
    expect(() => parseHostPort('host:99999')).toThrow(/invalid address/);
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('::1')).toBe(true);
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('0.0.0.0')).toBe(false);
    expect(isLoopbackHost('10.0.0.1')).toBe(false);
  });
});
