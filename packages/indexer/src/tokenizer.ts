/** A token of a text: its lower-cased form, its UTF-16 offsets in the text and its position. */
export interface Token {
  term: string;
  start: number;
  end: number;
  position: number;
}

/** Tokens longer than this are skipped (base64 blobs, hashes): they never match a query. */
export const MAX_TOKEN_LENGTH = 64;

const WORD = /[\p{L}\p{N}]+/gu;

/**
 * Splits `text` into lower-cased word tokens (runs of letters and digits), calling `emit` for
 * each one with its offsets and position. Over-long tokens are skipped but keep their position.
 */
export function forEachToken(text: string, emit: (term: string, start: number, end: number, position: number) => void): number {
  WORD.lastIndex = 0;
  let position = 0;
  let m: RegExpExecArray | null;
  while ((m = WORD.exec(text)) !== null) {
    const raw = m[0];
    if (raw.length <= MAX_TOKEN_LENGTH) emit(raw.toLowerCase(), m.index, m.index + raw.length, position);
    position++;
  }
  return position;
}

/** All tokens of `text`. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  forEachToken(text, (term, start, end, position) => out.push({ term, start, end, position }));
  return out;
}

const WORDS = /[\p{L}\p{N}]+/gu;

/**
 * The lower-cased words of `text` in order, without offsets (the indexing fast path). Entries
 * longer than MAX_TOKEN_LENGTH are kept so positions stay aligned; callers skip them.
 */
export function words(text: string): string[] {
  const lower = text.toLowerCase();
  // a few characters change length when lower-cased; match on the original then, like forEachToken
  if (lower.length !== text.length) return (text.match(WORDS) ?? []).map((w) => w.toLowerCase());
  return lower.match(WORDS) ?? [];
}
