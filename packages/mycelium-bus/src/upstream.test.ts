import { describe, expect, it } from 'vitest';
import { redactUrl } from './upstream.js';

describe('redactUrl', () => {
  it('drops credentials', () => {
    expect(redactUrl('http://user:secret@127.0.0.1:8989/x')).toBe('http://127.0.0.1:8989/x');
    expect(redactUrl('http://127.0.0.1:8989')).toBe('http://127.0.0.1:8989/');
    expect(redactUrl('::nonsense')).toBe('(invalid url)');
  });
});
