import type { Analyzer } from './analyzer.js';

export interface Snippet {
  snippet: string;
  /** [start, end) of each matched word, relative to `snippet`. */
  matches: [number, number][];
  /** Offset of the snippet in the text. */
  offset: number;
}

/**
 * Cuts the window of about `maxChars` characters of `text` holding the most words whose
 * analyzed term is in `terms` (or starts with one of `prefixes`), with their offsets.
 * Returns undefined when nothing in the text matches.
 */
export function makeSnippet(
  text: string,
  analyzer: Analyzer,
  terms: ReadonlySet<string>,
  prefixes: readonly string[] = [],
  maxChars = 160,
): Snippet | undefined {
  const hits: [number, number][] = [];
  analyzer.each(text, (term, _pos, start, end) => {
    if (terms.has(term)) hits.push([start, end]);
    else if (prefixes.length) {
      const raw = text.slice(start, end).toLowerCase();
      if (prefixes.some((p) => raw.startsWith(p))) hits.push([start, end]);
    }
  });
  if (hits.length === 0) return undefined;
  // best window: most hits starting at hit i within maxChars
  let best = 0;
  let bestCount = 0;
  let j = 0;
  for (let i = 0; i < hits.length; i++) {
    if (j < i) j = i;
    while (j + 1 < hits.length && hits[j + 1]![1] - hits[i]![0] <= maxChars) j++;
    if (j - i + 1 > bestCount) {
      bestCount = j - i + 1;
      best = i;
    }
  }
  const first = hits[best]!;
  const lastHit = hits[best + bestCount - 1]!;
  // centre the matched span in the window, then snap to word boundaries
  const slack = Math.max(0, maxChars - (lastHit[1] - first[0]));
  let start = Math.max(0, first[0] - Math.floor(slack / 2));
  let end = Math.min(text.length, start + maxChars);
  if (end - start < maxChars) start = Math.max(0, end - maxChars);
  if (end < first[1]) end = first[1];
  while (start > 0 && start < first[0] && /[\p{L}\p{N}]/u.test(text[start - 1]!)) start++;
  while (end < text.length && end > lastHit[1] && /[\p{L}\p{N}]/u.test(text[end]!)) end--;
  const matches: [number, number][] = [];
  for (const [s, e] of hits) if (s >= start && e <= end) matches.push([s - start, e - start]);
  return { snippet: text.slice(start, end), matches, offset: start };
}
