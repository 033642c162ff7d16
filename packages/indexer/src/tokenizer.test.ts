import { describe, expect, it } from 'vitest';
import { Analyzer } from './analyzer.js';
import { getLanguage } from './language.js';
import { MAX_TOKEN_LENGTH, tokenize, words } from './tokenizer.js';

describe('tokenize', () => {
  it('lower-cases words and reports offsets and positions', () => {
    const text = 'Hello, World! e-mail 42x Ünïcode';
    const toks = tokenize(text);
    expect(toks.map((t) => t.term)).toEqual(['hello', 'world', 'e', 'mail', '42x', 'ünïcode']);
    for (const t of toks) expect(text.slice(t.start, t.end).toLowerCase()).toBe(t.term);
    expect(toks.map((t) => t.position)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('skips over-long tokens but keeps their position', () => {
    const toks = tokenize(`a ${'x'.repeat(MAX_TOKEN_LENGTH + 1)} b`);
    expect(toks.map((t) => [t.term, t.position])).toEqual([['a', 0], ['b', 2]]);
  });

  it('words() agrees with tokenize()', () => {
    const text = 'The Quick brown FOX — jumps; über 12.5';
    expect(words(text)).toEqual(tokenize(text).map((t) => t.term));
  });
});

describe('Analyzer', () => {
  it('drops stopwords and stems (english), keeping position gaps', () => {
    const a = new Analyzer(getLanguage('english')!);
    expect(a.analyze('The running of the dogs').map((t) => [t.term, t.position])).toEqual([['run', 1], ['dog', 4]]);
  });

  it('"none" only lower-cases', () => {
    const a = new Analyzer(getLanguage('none')!);
    expect(a.analyze('The Running').map((t) => t.term)).toEqual(['the', 'running']);
  });
});

describe('registerLanguage', () => {
  it('plugs in a stemmer and stopwords that schemas can name', async () => {
    const { registerLanguage, languageNames } = await import('./language.js');
    const { checkSchema } = await import('./schema.js');
    registerLanguage({ name: 'test-plural', stem: (t) => t.replace(/s$/, ''), stopwords: new Set(['le']) });
    expect(languageNames()).toContain('test-plural');
    expect(checkSchema({ fields: { t: { type: 'text' } }, language: 'test-plural' }, 'english').language).toBe('test-plural');
    const a = new Analyzer(getLanguage('test-plural')!);
    expect(a.analyze('le chats').map((t) => t.term)).toEqual(['chat']);
  });
});
