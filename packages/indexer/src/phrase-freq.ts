/**
 * How often a phrase occurs in one doc: the positions of the first term from which every other
 * term `t` has a position within `slop` of `start + rel[t]`. `lists[t]` holds term t's positions
 * in the doc, ascending.
 */
export function phraseFreq(lists: Uint32Array[], rel: number[], slop: number): number {
  let count = 0;
  const first = lists[0]!;
  // The wanted place of each term only grows with the first term's position, so each term's
  // cursor only moves forward: linear in the positions, not their product.
  const cur = new Array<number>(lists.length).fill(0);
  for (let a = 0; a < first.length; a++) {
    const base = first[a]! - rel[0]!;
    let ok = true;
    for (let t = 1; t < lists.length && ok; t++) {
      const want = base + rel[t]!;
      const L = lists[t]!;
      let j = cur[t]!;
      while (j < L.length && L[j]! < want - slop) j++;
      cur[t] = j;
      ok = j < L.length && L[j]! <= want + slop;
    }
    if (ok) count++;
  }
  return count;
}
