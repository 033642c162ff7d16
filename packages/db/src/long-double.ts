/**
 * x87 80-bit long double arithmetic (64-bit significand), enough to reproduce Redis's
 * INCRBYFLOAT/HINCRBYFLOAT exactly: parse like strtold, add with one rounding, print like
 * `%.17Lf` with trailing zeros removed. Values are sign · m · 2^e with 2^63 ≤ m < 2^64.
 */
export interface LongDouble {
  neg: boolean;
  m: bigint;
  e: number;
  inf?: boolean;
}

const ZERO: LongDouble = { neg: false, m: 0n, e: 0 };
const MAX_EXP = 16384;

function bitlen(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Rounds num/den (positive) to 64 significant bits, half to even. */
function round64(num: bigint, den: bigint, neg: boolean, exp2 = 0): LongDouble {
  if (num === 0n) return { ...ZERO, neg };
  const k = 66 + bitlen(den) - bitlen(num);
  let q: bigint;
  let r: bigint;
  if (k >= 0) {
    const n = num << BigInt(k);
    q = n / den;
    r = n % den;
  } else {
    const d = den << BigInt(-k);
    q = num / d;
    r = num % d;
  }
  const sticky = r !== 0n;
  const shift = bitlen(q) - 64;
  let m = q >> BigInt(shift);
  const rem = q & ((1n << BigInt(shift)) - 1n);
  const half = 1n << BigInt(shift - 1);
  if (rem > half || (rem === half && (sticky || (m & 1n) === 1n))) m++;
  let e = shift - k + exp2;
  if (m === 1n << 64n) {
    m >>= 1n;
    e++;
  }
  if (e + 64 > MAX_EXP) return { neg, m: 0n, e: 0, inf: true };
  return { neg, m, e };
}

const HEX_RE = /^([+-])?0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d{1,6}))?$/;
const DEC_RE = /^([+-])?(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/;

/** Parses like Redis's strtold-based check; null when invalid (spaces, garbage, NaN, out of range). */
export function parseLongDouble(s: string): LongDouble | null {
  if (s.length === 0 || s.length > 5000) return null;
  const lower = s.toLowerCase();
  const inf = /^([+-])?(inf|infinity)$/.exec(lower);
  if (inf) return { neg: inf[1] === '-', m: 0n, e: 0, inf: true };
  const hx = HEX_RE.exec(s);
  if (hx) {
    const hneg = hx[1] === '-';
    const hd = (hx[2] ?? '') + (hx[3] ?? '');
    if (hd === '') return null;
    const e2 = Number(hx[4] ?? '0') - 4 * (hx[3] ?? '').length;
    const H = BigInt('0x' + hd);
    if (H === 0n) return { ...ZERO, neg: hneg };
    return e2 >= 0 ? round64(H << BigInt(e2), 1n, hneg) : round64(H, 1n << BigInt(-e2), hneg);
  }
  const mt = DEC_RE.exec(s);
  if (!mt) return null;
  const neg = mt[1] === '-';
  const intPart = mt[2] ?? '';
  const frac = mt[3] ?? mt[4] ?? '';
  const exp = Number(mt[5] ?? '0');
  const digits = (intPart + frac).replace(/^0+/, '');
  if (digits === '') return { ...ZERO, neg };
  const p10 = exp - frac.length;
  const mag = digits.length + p10;
  if (mag > 4933 || mag < -4950) return null; // ERANGE in strtold
  const D = BigInt(digits);
  if (p10 >= 0) return round64(D * 10n ** BigInt(p10), 1n, neg);
  return round64(D, 10n ** BigInt(-p10), neg);
}

export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (a.inf || b.inf) return { neg: a.inf ? a.neg : b.neg, m: 0n, e: 0, inf: true };
  if (a.m === 0n) return b.m === 0n ? { ...ZERO, neg: a.neg && b.neg } : b;
  if (b.m === 0n) return a;
  const emin = Math.min(a.e, b.e);
  const A = (a.m << BigInt(a.e - emin)) * (a.neg ? -1n : 1n);
  const B = (b.m << BigInt(b.e - emin)) * (b.neg ? -1n : 1n);
  const S = A + B;
  if (S === 0n) return ZERO;
  return round64(S < 0n ? -S : S, 1n, S < 0n, emin);
}

/** `%.17Lf` with trailing zeros (and a bare '.') removed, as Redis prints long doubles. */
export function formatLongDouble(x: LongDouble): string {
  if (x.inf) return x.neg ? '-inf' : 'inf';
  const SCALE = 10n ** 17n;
  let n: bigint;
  if (x.e >= 0) n = (x.m * SCALE) << BigInt(x.e);
  else {
    const num = x.m * SCALE;
    const den = 1n << BigInt(-x.e);
    n = num / den;
    const r = num % den;
    const twice = r * 2n;
    if (twice > den || (twice === den && (n & 1n) === 1n)) n++;
  }
  const ip = n / SCALE;
  const frac = (n % SCALE).toString().padStart(17, '0').replace(/0+$/, '');
  let out = ip.toString() + (frac ? '.' + frac : '');
  if (x.neg && out !== '0') out = '-' + out;
  return out;
}
