import { describe, expect, it } from 'vitest';
import { parseQuery, QuerySyntaxError } from './query-parser.js';

const strip = (n: unknown): unknown =>
  JSON.parse(JSON.stringify(n, (k, v) => (k === 'pos' || (k === 'boost' && v === 1) ? undefined : v)));

describe('parseQuery', () => {
  it('parses a term and a phrase with slop', () => {
    expect(strip(parseQuery('hello'))).toEqual({ type: 'term', text: 'hello' });
    expect(strip(parseQuery('"hello world"~2'))).toEqual({ type: 'phrase', text: 'hello world', slop: 2 });
  });

  it('combines side-by-side clauses with the default operator', () => {
    expect(strip(parseQuery('a b'))).toEqual({
      type: 'bool', must: [], mustNot: [],
      should: [{ type: 'term', text: 'a' }, { type: 'term', text: 'b' }],
    });
    expect(strip(parseQuery('a b', { defaultOperator: 'and' }))).toMatchObject({ must: [{ text: 'a' }, { text: 'b' }] });
  });

  it('handles +must -mustnot and NOT', () => {
    expect(strip(parseQuery('+a -b c NOT d'))).toEqual({
      type: 'bool',
      must: [{ type: 'term', text: 'a' }],
      should: [{ type: 'term', text: 'c' }],
      mustNot: [{ type: 'term', text: 'b' }, { type: 'term', text: 'd' }],
    });
  });

  it('gives AND precedence over OR', () => {
    expect(strip(parseQuery('a AND b OR c'))).toEqual({
      type: 'bool', must: [], mustNot: [],
      should: [
        { type: 'bool', must: [{ type: 'term', text: 'a' }, { type: 'term', text: 'b' }], should: [], mustNot: [] },
        { type: 'term', text: 'c' },
      ],
    });
    expect(strip(parseQuery('a && b || c'))).toEqual(strip(parseQuery('a AND b OR c')));
  });

  it('parses fields, groups, prefix, fuzzy, boost and ranges', () => {
    expect(strip(parseQuery('title:foo'))).toEqual({ type: 'term', field: 'title', text: 'foo' });
    expect(strip(parseQuery('title:(a b)'))).toMatchObject({ should: [{ field: 'title', text: 'a' }, { field: 'title', text: 'b' }] });
    expect(strip(parseQuery('sear*'))).toEqual({ type: 'prefix', prefix: 'sear' });
    expect(strip(parseQuery('colour~1'))).toEqual({ type: 'fuzzy', text: 'colour', distance: 1 });
    expect(strip(parseQuery('colour~'))).toEqual({ type: 'fuzzy', text: 'colour', distance: 1 });
    expect(strip(parseQuery('a^2.5'))).toEqual({ type: 'term', text: 'a', boost: 2.5 });
    expect(strip(parseQuery('price:[10 TO 20}'))).toEqual({ type: 'range', field: 'price', from: '10', to: '20', includeFrom: true, includeTo: false });
    expect(strip(parseQuery('date:[* TO "2002-08-22T10:00:00Z"]'))).toMatchObject({ from: null, to: '2002-08-22T10:00:00Z' });
    expect(strip(parseQuery('*'))).toEqual({ type: 'all' });
  });

  it('keeps hyphenated words and escapes as text', () => {
    expect(strip(parseQuery('e-mail'))).toEqual({ type: 'term', text: 'e-mail' });
    expect(strip(parseQuery('a\\:b'))).toEqual({ type: 'term', text: 'a:b' });
  });

  it('treats a lone negation as "everything except"', () => {
    expect(strip(parseQuery('-spam'))).toEqual({ type: 'bool', must: [], should: [], mustNot: [{ type: 'term', text: 'spam' }] });
  });

  const bad: [string, number, RegExp][] = [
    ['"open phrase', 0, /unterminated phrase/],
    ['a AND', 2, /after AND/],
    ['(a b', 0, /missing "\)"/],
    ['a )', 2, /unexpected "\)"/],
    ['title:', 6, /expected a value/],
    ['x:[1 TO 2', 9, /unterminated range/],
    ['x:[1 2]', 5, /expected "TO"/],
    ['x:[1 TO', 7, /expected a range bound/],
    ['x:[1 TOO 2]', 5, /expected "TO"/],
    ['a~9', 1, /fuzzy distance/],
    ['OR b', 0, /unexpected/],
    ['a^x', 1, /positive number/],
    ['[1 TO 2]', 0, /needs a field/],
    ['', 0, /empty query/],
    ['('.repeat(65) + 'a' + ')'.repeat(65), 64, /nested more than 64 levels deep/],
    ['a AND (b OR ' + 'NOT '.repeat(64) + 'c)', 264, /nested more than 64 levels deep/],
    ['-'.repeat(66) + 'a', 65, /nested more than 64 levels deep/],
    ['('.repeat(2000) + 'a' + ')'.repeat(2000), 64, /nested more than 64 levels deep/],
  ];
  it('accepts nesting up to the limit, which an option can change', () => {
    expect(strip(parseQuery('('.repeat(64) + 'a' + ')'.repeat(64)))).toEqual({ type: 'term', text: 'a' });
    expect(strip(parseQuery('NOT '.repeat(63) + 'a'))).toMatchObject({ type: 'bool', mustNot: [{ type: 'bool' }] });
    expect(() => parseQuery('((a))', { maxDepth: 1 })).toThrow(/nested more than 1 levels deep at position 1/);
    expect(strip(parseQuery('(a) (b)', { maxDepth: 1 }))).toMatchObject({ should: [{ text: 'a' }, { text: 'b' }] });
  });

  it.each(bad)('reports %j at position %i', (q, pos, msg) => {
    let err: unknown;
    try {
      parseQuery(q);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(QuerySyntaxError);
    expect((err as QuerySyntaxError).position).toBe(pos);
    expect((err as Error).message).toMatch(msg);
  });
});
