import { forEachToken } from './tokenizer.js';
import type { Language } from './language.js';

/** An analyzed token: the indexed term, its position, and its offsets in the source text. */
export interface AnalyzedToken {
  term: string;
  position: number;
  start: number;
  end: number;
}

/**
 * Tokenizes, drops stopwords and stems, with a memo of stems (most words repeat, and stemming
 * is the costly part of indexing). Positions keep the gaps left by stopwords.
 */
export class Analyzer {
  private readonly memo = new Map<string, string>();
  constructor(readonly language: Language, private readonly memoLimit = 200_000) {}

  /** The term a token maps to, or undefined for a stopword. */
  term(token: string): string | undefined {
    let s = this.memo.get(token);
    if (s === undefined) {
      // '' marks a stopword in the memo
      s = this.language.stopwords.has(token) ? '' : this.language.stem(token);
      if (this.memo.size >= this.memoLimit) this.memo.clear();
      this.memo.set(token, s);
    }
    return s === '' ? undefined : s;
  }

  /** Calls `emit(term, position)` for each indexed term; returns the number of positions. */
  each(text: string, emit: (term: string, position: number, start: number, end: number) => void): number {
    return forEachToken(text, (tok, start, end, pos) => {
      const t = this.term(tok);
      if (t !== undefined) emit(t, pos, start, end);
    });
  }

  /** All indexed terms of `text` with positions and offsets. */
  analyze(text: string): AnalyzedToken[] {
    const out: AnalyzedToken[] = [];
    this.each(text, (term, position, start, end) => out.push({ term, position, start, end }));
    return out;
  }
}
