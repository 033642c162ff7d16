/** Integer and float parsing/formatting with Redis's exact rules. */

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * Parses a strict base-10 int64 (no sign '+', no leading zeros, no spaces). Returns a number when
 * it is a safe integer, a bigint when it is beyond 2^53, or null when invalid.
 */
export function parseInt64(s: string): number | bigint | null {
  const len = s.length;
  if (len === 0 || len > 20) return null;
  let i = 0;
  const neg = s.charCodeAt(0) === 45;
  if (neg) {
    if (len === 1) return null;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48) return len === 1 ? 0 : null;
  if (first < 49 || first > 57) return null;
  let n = 0;
  for (let j = i; j < len; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
    n = n * 10 + (c - 48);
  }
  if (len - i <= 15) return neg ? -n : n;
  const b = BigInt(s);
  if (b > INT64_MAX || b < INT64_MIN) return null;
  if (b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= BigInt(Number.MIN_SAFE_INTEGER)) return Number(b);
  return b;
}

/** parseInt64 narrowed to JS numbers (values beyond 2^53 are clamped, fine for counts/indexes). */
export function parseIntArg(s: string): number | null {
  const v = parseInt64(s);
  if (v === null) return null;
  return typeof v === 'bigint' ? Number(v) : v;
}

/** Adds two int64s; null on overflow. */
export function addInt64(a: number | bigint, b: number | bigint): number | bigint | null {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  const r = BigInt(a) + BigInt(b);
  if (r > INT64_MAX || r < INT64_MIN) return null;
  return r >= BigInt(Number.MIN_SAFE_INTEGER) && r <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(r) : r;
}

const FLOAT_RE = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity)$/i;

/** Parses a float the way Redis's strtod-based helpers do; null when invalid. NaN is invalid. */
export function parseFloatArg(s: string): number | null {
  if (s.length === 0 || s.length > 5000 || !FLOAT_RE.test(s)) return null;
  const c = s.charCodeAt(s.length - 1) | 0x20;
  if (c === 102 || c === 121) return s.charCodeAt(0) === 45 ? -Infinity : Infinity;
  const v = Number(s);
  return Number.isNaN(v) ? null : v;
}

/** C's `%.17g`, which Redis 7.0 uses for doubles (scores). */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  if (Number.isInteger(d) && Math.abs(d) < 1e17) return String(d);
  const exp = d.toExponential(16);
  const ei = exp.indexOf('e');
  const x = Number(exp.slice(ei + 1));
  if (x < -4 || x >= 17) {
    let mant = exp.slice(0, ei);
    if (mant.includes('.')) mant = mant.replace(/0+$/, '').replace(/\.$/, '');
    const ax = Math.abs(x);
    return `${mant}e${x < 0 ? '-' : '+'}${ax < 10 ? '0' : ''}${ax}`;
  }
  let fixed = d.toFixed(Math.max(0, 16 - x));
  if (fixed.includes('.')) fixed = fixed.replace(/0+$/, '').replace(/\.$/, '');
  return fixed;
}

/** Human-friendly long-double style used by INCRBYFLOAT/HINCRBYFLOAT: no exponent, no trailing zeros. */
export function formatHumanFloat(d: number): string {
  if (Number.isInteger(d) && Math.abs(d) < 1e21) return d.toFixed(0) === '-0' ? '0' : d.toFixed(0);
  const s = String(d);
  if (!s.includes('e')) return s;
  // Expand exponent notation into plain digits.
  const [mant, e] = s.split('e') as [string, string];
  const exp = Number(e);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const dot = (mant.replace('-', '').indexOf('.') === -1 ? mant.replace('-', '').length : mant.replace('-', '').indexOf('.')) + exp;
  let out: string;
  if (dot <= 0) out = '0.' + '0'.repeat(-dot) + digits;
  else if (dot >= digits.length) out = digits + '0'.repeat(dot - digits.length);
  else out = digits.slice(0, dot) + '.' + digits.slice(dot);
  return (neg ? '-' : '') + out;
}

/** Formats an int64 result for storage as a string value. */
export function intToString(n: number | bigint): string {
  return typeof n === 'number' ? String(n) : n.toString();
}
