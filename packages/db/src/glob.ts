/** Redis gives up past this many nested stars (its recursion limit). */
const MAX_STARS = 1000;

/**
 * Redis-style glob matching (`*`, `?`, `[a-z]`, `[^x]`, `\` escapes) over latin1 strings.
 *
 * Every token but `*` consumes exactly one character, so on a mismatch it is enough to let the
 * most recent `*` swallow one more character and retry from just after it: earlier stars never
 * need to grow. That keeps the work at O(pattern × string) where a naive recursive matcher is
 * exponential in the number of stars (CVE-2022-36021: `KEYS *a*a*a*…b`).
 */
export function globMatch(pattern: string, str: string, nocase = false): boolean {
  const plen = pattern.length;
  const slen = str.length;
  // Redis's matcher never enters its loop for an empty string: only the empty pattern matches it.
  if (slen === 0) return plen === 0;
  let pi = 0;
  let si = 0;
  // Pattern index just after the last `*`, and the string index that star's match ends at.
  let starP = -1;
  let starS = 0;
  let stars = 0;
  while (si < slen) {
    if (pi < plen && pattern.charCodeAt(pi) === 42) {
      while (pi < plen && pattern.charCodeAt(pi) === 42) pi++;
      if (pi === plen) return true;
      // Redis recurses once per star and gives up past 1000 levels; any match would pass this one
      if (++stars > MAX_STARS) return false;
      starP = pi;
      starS = si;
      continue;
    }
    const next = pi < plen ? matchOne(pattern, pi, str.charCodeAt(si), nocase) : -1;
    if (next !== -1) {
      pi = next;
      si++;
    } else if (starP === -1) {
      return false;
    } else {
      pi = starP;
      si = ++starS;
    }
  }
  while (pi < plen && pattern.charCodeAt(pi) === 42) pi++;
  return pi === plen;
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** Matches the one-character token at `pi` against `sc`: the index after the token, or -1. */
function matchOne(p: string, pi: number, sc: number, nocase: boolean): number {
  const plen = p.length;
  const pc = p.charCodeAt(pi);
  if (pc === 63) return pi + 1; // '?'
  if (pc === 91) return matchClass(p, pi + 1, sc, nocase); // '['
  if (pc === 92 && pi + 1 < plen) pi++; // '\' escapes the next character; a trailing one is literal
  const a = p.charCodeAt(pi);
  return (nocase ? lower(a) === lower(sc) : a === sc) ? pi + 1 : -1;
}

/** `[...]` starting just after the `[`; quirks (unterminated class, `[a-]`) follow Redis's stringmatchlen. */
function matchClass(p: string, pi: number, sc: number, nocase: boolean): number {
  const plen = p.length;
  const not = p.charCodeAt(pi) === 94; // '^'
  if (not) pi++;
  const c = nocase ? lower(sc) : sc;
  let match = false;
  for (;;) {
    if (pi >= plen) {
      // unterminated: the class ends with the pattern
      pi--;
      break;
    }
    const pc = p.charCodeAt(pi);
    if (pc === 92 && pi + 1 < plen) {
      // Redis compares an escaped class member exactly, even when matching without case
      pi++;
      if (p.charCodeAt(pi) === sc) match = true;
    } else if (pc === 93) {
      break;
    } else if (pi + 2 < plen && p.charCodeAt(pi + 1) === 45) {
      let a = pc;
      let b = p.charCodeAt(pi + 2);
      if (a > b) [a, b] = [b, a];
      if (nocase) {
        a = lower(a);
        b = lower(b);
      }
      pi += 2;
      if (c >= a && c <= b) match = true;
    } else if ((nocase ? lower(pc) : pc) === c) {
      match = true;
    }
    pi++;
  }
  if (not) match = !match;
  return match ? pi + 1 : -1;
}
