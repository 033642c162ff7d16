/** Delay before restart number `crashes` (1-based): base · 2^(crashes-1), capped at `max`. */
export function backoffDelay(crashes: number, baseMs: number, maxMs: number): number {
  if (baseMs <= 0) return 0;
  const exp = Math.min(Math.max(crashes - 1, 0), 40);
  return Math.min(baseMs * 2 ** exp, Math.max(maxMs, baseMs));
}
