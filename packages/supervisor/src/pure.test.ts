import { describe, expect, it } from 'vitest';
import { JobBuilder } from './job-builder.js';
import { instanceMember, keys, parseInstanceMember } from './keys.js';
import { describeTarget, parseRedisTarget, unixRedisUrl } from './redis.js';
import { Secrets } from './secrets.js';
import type { CallContext } from '@hero/core';

describe('keys', () => {
  it('follows the documented layout', () => {
    const k = keys('hero');
    expect(k.job('a')).toBe('hero:job:a');
    expect(k.workQueue('r')).toBe('hero:work_queue:r');
    expect(k.stopQueue('r')).toBe('hero:stop_queue:r');
    expect(k.reply('a')).toBe('hero:reply:a');
    expect(k.processing('r', 'i')).toBe('hero:processing:r:i');
    expect(parseInstanceMember(instanceMember('r', 'i-1'))).toEqual({ runner: 'r', instance: 'i-1' });
    expect(parseInstanceMember('garbage')).toBeUndefined();
  });
});

describe('parseRedisTarget', () => {
  it('reads back the URL handed to runners for a socket target, password and db included', () => {
    for (const t of [{ path: '/tmp/r.sock' }, { path: '/tmp/r.sock', db: 3 }, { path: '/tmp/r.sock', db: 2, password: 'p@ss:w/rd %x' }]) {
      expect(parseRedisTarget(unixRedisUrl(t))).toEqual(t);
    }
  });

  it('reads URLs and socket paths', () => {
    expect(parseRedisTarget('/tmp/r.sock')).toEqual({ path: '/tmp/r.sock' });
    expect(parseRedisTarget('unix:///tmp/r.sock?db=2')).toEqual({ path: '/tmp/r.sock', db: 2 });
    expect(parseRedisTarget('redis://:pw@127.0.0.1:6379/1')).toEqual({ url: 'redis://:pw@127.0.0.1:6379/1' });
    expect(() => parseRedisTarget('ftp://x')).toThrow(/invalid redis_url/);
    expect(describeTarget('redis://:secretpw@h:1')).toBe('redis://***@h:1');
  });
});

describe('JobBuilder', () => {
  it('builds a job with an id and copies env vars', () => {
    const b = new JobBuilder().runner('r').payload('echo').executor('sh').timeout(5).envVar('A', '1').callerId('c').contextId('x');
    const j = b.build();
    expect(j).toMatchObject({ runner: 'r', payload: 'echo', executor: 'sh', timeout: 5, env_vars: { A: '1' }, caller_id: 'c', context_id: 'x' });
    expect(j.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.build().id).not.toBe(j.id);
    expect(() => new JobBuilder().payload('x').build()).toThrow(/runner/);
    expect(() => new JobBuilder().runner('r').build()).toThrow(/payload/);
  });
});

describe('Secrets', () => {
  const call = (transport: CallContext['transport'], headers: Record<string, string> = {}): CallContext => ({
    transport,
    headers,
    signal: new AbortController().signal,
  });
  const fakeRedis = {} as never;
  it('maps secrets to roles and checks permissions', () => {
    const s = new Secrets({ admin: ['a'.repeat(8)], user: ['u'.repeat(8)], register: ['r'.repeat(8)] }, fakeRedis, keys('hero'));
    expect(s.open).toBe(false);
    expect(s.roleOf('a'.repeat(8))).toBe('admin');
    expect(s.roleOf('u'.repeat(8))).toBe('user');
    expect(s.roleOf('nope')).toBeUndefined();
    expect(s.authorize('u'.repeat(8), 'jobs', call('unix'))).toBe('user');
    expect(() => s.authorize('u'.repeat(8), 'register', call('unix'))).toThrow(/user secret may not/);
    expect(() => s.authorize('r'.repeat(8), 'jobs', call('unix'))).toThrow(/register secret may not/);
    expect(() => s.authorize(undefined, 'read', call('unix'))).toThrow(/missing secret/);
    expect(s.summary().admin.count).toBe(1);
    expect(JSON.stringify(s.summary())).not.toContain('aaaaaaaa');
  });
  it('with no secrets, trusts only direct Unix-socket callers', () => {
    const s = new Secrets({ admin: [], user: [], register: [] }, fakeRedis, keys('hero'));
    expect(s.open).toBe(true);
    expect(s.authorize(undefined, 'admin', call('unix'))).toBe('admin');
    expect(() => s.authorize(undefined, 'jobs', call('tcp'))).toThrow(/missing secret/);
    expect(() => s.authorize(undefined, 'jobs', call('internal'))).toThrow(/missing secret/);
    expect(() => s.authorize(undefined, 'jobs', call('unix', { 'x-hero-context': '{}' }))).toThrow(/missing secret/);
  });
});

describe('client bundle', () => {
  it('builds for browsers without Node built-ins', async () => {
    const esbuild = await import('esbuild');
    const out = await esbuild.build({
      entryPoints: [new URL('./client.ts', import.meta.url).pathname],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    const text = out.outputFiles[0]!.text;
    expect(text).toContain('SupervisorClient');
    expect(text).not.toMatch(/from ["']node:/);
  });
});
