import { describe, expect, it } from 'vitest';
import { agentInput, renderAgentCommand, shellQuote } from './agent-command.js';
import { collectOutput } from './sessions.js';
import { scanLines, compileQuery } from './search.js';
import type { SearchMatch } from './types.js';

describe('agent command', () => {
  it('quotes values for the shell', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(renderAgentCommand('agent --session {session} --repo {repo} {other}', { session: 's-1', repo: "a b'c" })).toBe(
      `agent --session 's-1' --repo 'a b'\\''c' {other}`,
    );
    expect(renderAgentCommand('claude -p', { session: 's', repo: '' })).toBe('claude -p');
  });
  it('puts contexts, a blank line and the prompt on stdin', () => {
    expect(agentInput('', 'hi')).toBe('hi\n');
    expect(agentInput('ctx\n', 'hi\n')).toBe('ctx\n\nhi\n');
    expect(agentInput('ctx', 'hi')).toBe('ctx\n\nhi\n');
    expect(agentInput('ctx\n\n', 'hi')).toBe('ctx\n\nhi\n');
  });
  it('collects one stream within a byte cap', () => {
    const lines = [
      { ts: '', stream: 'stdout' as const, line: 'a' },
      { ts: '', stream: 'stderr' as const, line: 'e' },
      { ts: '', stream: 'stdout' as const, line: 'bb' },
    ];
    expect(collectOutput(lines, 'stdout', 100)).toEqual({ text: 'a\nbb\n', truncated: false });
    expect(collectOutput(lines, 'stderr', 100)).toEqual({ text: 'e\n', truncated: false });
    expect(collectOutput(lines, 'stdout', 3)).toEqual({ text: 'a\n', truncated: true });
  });
});

describe('line scanning', () => {
  it('finds 1-based lines and columns', () => {
    const out: SearchMatch[] = [];
    scanLines('one\r\ntwo needle\nneedle three\n', compileQuery({ query: 'needle', regex: false, case_sensitive: true }), 'f', 10, out);
    expect(out).toEqual([
      { path: 'f', line: 2, column: 5, text: 'two needle' },
      { path: 'f', line: 3, column: 1, text: 'needle three' },
    ]);
  });
  it('reports one result per line for literal, case-insensitive and regex queries alike', () => {
    const text = 'x\nab AB ab\n\nzz aB\nlast ab';
    for (const q of [
      { query: 'ab', regex: false, case_sensitive: false },
      { query: 'a[b]', regex: true, case_sensitive: false },
    ]) {
      const out: SearchMatch[] = [];
      scanLines(text, compileQuery(q), 'f', 10, out);
      expect(out.map((m) => [m.line, m.column, m.text])).toEqual([
        [2, 1, 'ab AB ab'],
        [4, 4, 'zz aB'],
        [5, 6, 'last ab'],
      ]);
    }
    const cs: SearchMatch[] = [];
    scanLines(text, compileQuery({ query: 'AB', regex: false, case_sensitive: true }), 'f', 10, cs);
    expect(cs.map((m) => [m.line, m.column])).toEqual([[2, 4]]);
    const first: SearchMatch[] = [];
    scanLines('ab\nx', compileQuery({ query: 'ab', regex: false, case_sensitive: true }), 'f', 10, first);
    expect(first.map((m) => m.line)).toEqual([1]);
  });

  it('stops at the room left and escapes literal queries', () => {
    const out: SearchMatch[] = [];
    scanLines('a.b\naxb\na.b\n', compileQuery({ query: 'a.b', regex: false, case_sensitive: true }), 'f', 1, out);
    expect(out).toHaveLength(1);
    expect(() => compileQuery({ query: '(', regex: true, case_sensitive: true })).toThrow('invalid regular expression');
  });
});
