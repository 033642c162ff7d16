/** Redis-style glob matching (`*`, `?`, `[a-z]`, `[^x]`, `\` escapes) over latin1 strings. */
export function globMatch(pattern: string, str: string, nocase = false): boolean {
  return matchAt(pattern, 0, str, 0, nocase, 0);
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

function matchAt(p: string, pi: number, s: string, si: number, nocase: boolean, depth: number): boolean {
  // Bound recursion the way Redis does, so hostile patterns cannot blow the stack.
  if (depth > 1000) return false;
  const plen = p.length;
  const slen = s.length;
  while (pi < plen) {
    const pc = p.charCodeAt(pi);
    switch (pc) {
      case 42: {
        // '*'
        while (pi + 1 < plen && p.charCodeAt(pi + 1) === 42) pi++;
        if (pi + 1 === plen) return true;
        for (let k = si; k <= slen; k++) {
          if (matchAt(p, pi + 1, s, k, nocase, depth + 1)) return true;
        }
        return false;
      }
      case 63: // '?'
        if (si >= slen) return false;
        si++;
        break;
      case 91: {
        // '['
        if (si >= slen) return false;
        pi++;
        const not = p.charCodeAt(pi) === 94;
        if (not) pi++;
        let match = false;
        const sc = nocase ? lower(s.charCodeAt(si)) : s.charCodeAt(si);
        for (;;) {
          if (pi >= plen) {
            pi--;
            break;
          }
          const c = p.charCodeAt(pi);
          if (c === 92 && pi + 1 < plen) {
            pi++;
            const e = p.charCodeAt(pi);
            if ((nocase ? lower(e) : e) === sc) match = true;
          } else if (c === 93) {
            break;
          } else if (pi + 2 < plen && p.charCodeAt(pi + 1) === 45) {
            let a = p.charCodeAt(pi);
            let b = p.charCodeAt(pi + 2);
            if (a > b) [a, b] = [b, a];
            if (nocase) {
              a = lower(a);
              b = lower(b);
            }
            pi += 2;
            if (sc >= a && sc <= b) match = true;
          } else if ((nocase ? lower(c) : c) === sc) {
            match = true;
          }
          pi++;
        }
        if (not) match = !match;
        if (!match) return false;
        si++;
        break;
      }
      default: {
        if (pc === 92 && pi + 1 < plen) pi++;
        if (si >= slen) return false;
        const a = p.charCodeAt(pi);
        const b = s.charCodeAt(si);
        if (nocase ? lower(a) !== lower(b) : a !== b) return false;
        si++;
      }
    }
    pi++;
  }
  return si === slen;
}
