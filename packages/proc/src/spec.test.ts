import { describe, expect, it } from 'vitest';
import { formatIssues } from '@hero/core';
import { cronError, jobSpecSchema, restartPolicy, scheduleSpecSchema, secretRefs, serviceSpecSchema } from './spec.js';
import { parseStat, membersOf, type ProcEntry } from './proc-table.js';
import { normalizeSignal } from './signals.js';

const issues = (schema: { safeParse: (v: unknown) => { success: boolean; error?: unknown } }, v: unknown) => {
  const r = schema.safeParse(v);
  return r.success ? [] : formatIssues(r.error as never);
};

describe('service spec', () => {
  it('fills defaults', () => {
    const d = serviceSpecSchema.parse({ name: 'web', exec: 'sleep 1' });
    expect(d).toMatchObject({ restart_delay_ms: 1000, stop_signal: 'SIGTERM', autostart: true, after: [], oneshot: false });
    expect(restartPolicy(d)).toBe('always');
    expect(restartPolicy(serviceSpecSchema.parse({ name: 'm', exec: 'x', oneshot: true }))).toBe('on-failure');
  });
  it('names every bad field', () => {
    expect(issues(serviceSpecSchema, { name: 'x', exec: 'a', colour: 'red' })).toEqual(['(root): unknown key(s) "colour"']);
    expect(issues(serviceSpecSchema, { name: 'x', exec: 'a', stop_signal: 'SIGFOO' })).toEqual(['stop_signal: unknown signal "SIGFOO"']);
    expect(issues(serviceSpecSchema, { name: 'x' })[0]).toMatch(/^exec: one of "exec"/);
    expect(issues(serviceSpecSchema, { name: 'x', exec: 'a', cmd: ['b'] })[0]).toMatch(/^cmd: give either/);
    expect(issues(serviceSpecSchema, { name: '../etc', exec: 'a' })[0]).toMatch(/^name:/);
    expect(issues(serviceSpecSchema, { name: 'x', exec: 'a', after: ['x'] })).toEqual(['after: a service cannot depend on itself']);
    expect(issues(serviceSpecSchema, { name: 'x', exec: 'a', health: { kind: 'ping', target: 'x' } })[0]).toMatch(/^health\.kind:/);
    expect(issues(serviceSpecSchema, { name: 'x', exec: 'a', restart: 'sometimes' })[0]).toMatch(/^restart:/);
  });
  it('accepts signal spellings', () => {
    expect(serviceSpecSchema.parse({ name: 'x', exec: 'a', stop_signal: 'int' }).stop_signal).toBe('SIGINT');
    expect(normalizeSignal('sighup')).toBe('SIGHUP');
    expect(normalizeSignal('NOPE')).toBeUndefined();
  });
});

describe('job and schedule specs', () => {
  it('validates jobs', () => {
    expect(jobSpecSchema.parse({ cmd: ['true'] })).toMatchObject({ timeout_ms: 0, retries: 0 });
    expect(issues(jobSpecSchema, { exec: 'x', retries: -1 })[0]).toMatch(/^retries:/);
  });
  it('validates cron expressions and time zones', () => {
    expect(cronError('*/5 * * * *')).toBeUndefined();
    expect(cronError('61 * * * *')).toBeDefined();
    expect(issues(scheduleSpecSchema, { name: 's', cron: 'every day', job: { exec: 'x' } })[0]).toMatch(/^cron: invalid cron expression "every day"/);
    expect(issues(scheduleSpecSchema, { name: 's', cron: '* * * * *', timezone: 'Mars/Olympus', job: { exec: 'x' } })[0]).toMatch(/^timezone: unknown time zone/);
    expect(issues(scheduleSpecSchema, { name: 's', cron: '* * * * *', job: {} })[0]).toMatch(/^job\.exec:/);
  });
  it('parses secret references', () => {
    expect(secretRefs({ A: 'k', B: 'ctx/k2' }, 'default')).toEqual([
      { env: 'A', context: 'default', key: 'k' },
      { env: 'B', context: 'ctx', key: 'k2' },
    ]);
    expect(secretRefs(['TOKEN'], 'c')).toEqual([{ env: 'TOKEN', context: 'c', key: 'TOKEN' }]);
  });
});

describe('/proc parsing', () => {
  it('parses stat lines with odd command names', () => {
    const e = parseStat('1234 (my (weird) cmd) S 1 1234 1234 0 -1 4194560 1 0 0 0 7 3 0 0 20 0 1 0 5000 1000 250 18446744073709551615');
    expect(e).toMatchObject({ pid: 1234, state: 'S', ppid: 1, pgrp: 1234, session: 1234, cpuTicks: 10, startTicks: 5000, rssPages: 250 });
  });
  it('finds group, session and descendant members', () => {
    const p = (pid: number, ppid: number, pgrp: number, session: number, state = 'S'): ProcEntry => ({ pid, ppid, pgrp, session, state, cpuTicks: 0, startTicks: 0, rssPages: 0 });
    const table = [p(100, 1, 100, 100), p(101, 100, 100, 100), p(102, 101, 102, 102), p(103, 102, 103, 103), p(104, 1, 104, 104), p(105, 100, 100, 100, 'Z')];
    expect(membersOf(table, 100).map((e) => e.pid).sort()).toEqual([100, 101, 102, 103]);
  });
});
