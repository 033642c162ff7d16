/** A set of doc numbers of one segment (ascending) with a score for each. */
export interface Scored {
  docs: Uint32Array;
  scores: Float64Array;
}

export const EMPTY: Scored = { docs: new Uint32Array(0), scores: new Float64Array(0) };

/** Every doc 0..n-1 with score 0. */
export function allDocs(n: number): Scored {
  const docs = new Uint32Array(n);
  for (let i = 0; i < n; i++) docs[i] = i;
  return { docs, scores: new Float64Array(n) };
}

/** Docs in either set; scores of docs in both are summed. */
export function union(a: Scored, b: Scored): Scored {
  if (a.docs.length === 0) return b;
  if (b.docs.length === 0) return a;
  const docs = new Uint32Array(a.docs.length + b.docs.length);
  const scores = new Float64Array(docs.length);
  let i = 0;
  let j = 0;
  let k = 0;
  const ad = a.docs;
  const bd = b.docs;
  while (i < ad.length && j < bd.length) {
    const x = ad[i]!;
    const y = bd[j]!;
    if (x < y) {
      docs[k] = x;
      scores[k++] = a.scores[i++]!;
    } else if (y < x) {
      docs[k] = y;
      scores[k++] = b.scores[j++]!;
    } else {
      docs[k] = x;
      scores[k++] = a.scores[i++]! + b.scores[j++]!;
    }
  }
  while (i < ad.length) {
    docs[k] = ad[i]!;
    scores[k++] = a.scores[i++]!;
  }
  while (j < bd.length) {
    docs[k] = bd[j]!;
    scores[k++] = b.scores[j++]!;
  }
  return { docs: docs.subarray(0, k), scores: scores.subarray(0, k) };
}

/** Unions many sets with one dense accumulator when that is cheaper than pairwise merges. */
export function unionMany(sets: Scored[], docCount: number): Scored {
  const nonEmpty = sets.filter((s) => s.docs.length > 0);
  if (nonEmpty.length === 0) return EMPTY;
  if (nonEmpty.length === 1) return nonEmpty[0]!;
  let total = 0;
  for (const s of nonEmpty) total += s.docs.length;
  if (nonEmpty.length === 2 || total * 4 < docCount) {
    let acc = nonEmpty[0]!;
    for (let i = 1; i < nonEmpty.length; i++) acc = union(acc, nonEmpty[i]!);
    return acc;
  }
  const acc = new Float64Array(docCount);
  const seen = new Uint8Array(docCount);
  let count = 0;
  for (const s of nonEmpty) {
    const d = s.docs;
    const sc = s.scores;
    for (let i = 0; i < d.length; i++) {
      const doc = d[i]!;
      if (seen[doc] === 0) {
        seen[doc] = 1;
        count++;
      }
      acc[doc]! += sc[i]!;
    }
  }
  const docs = new Uint32Array(count);
  const scores = new Float64Array(count);
  let k = 0;
  for (let doc = 0; doc < docCount; doc++) {
    if (seen[doc]) {
      docs[k] = doc;
      scores[k++] = acc[doc]!;
    }
  }
  return { docs, scores };
}

/** Docs in both sets, scores summed. */
export function intersect(a: Scored, b: Scored): Scored {
  const n = Math.min(a.docs.length, b.docs.length);
  const docs = new Uint32Array(n);
  const scores = new Float64Array(n);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.docs.length && j < b.docs.length) {
    const x = a.docs[i]!;
    const y = b.docs[j]!;
    if (x < y) i++;
    else if (y < x) j++;
    else {
      docs[k] = x;
      scores[k++] = a.scores[i++]! + b.scores[j++]!;
    }
  }
  return { docs: docs.subarray(0, k), scores: scores.subarray(0, k) };
}

/** Docs of `a` not in `b`. */
export function minus(a: Scored, b: Scored): Scored {
  if (b.docs.length === 0) return a;
  const docs = new Uint32Array(a.docs.length);
  const scores = new Float64Array(a.docs.length);
  let j = 0;
  let k = 0;
  for (let i = 0; i < a.docs.length; i++) {
    const x = a.docs[i]!;
    while (j < b.docs.length && b.docs[j]! < x) j++;
    if (j < b.docs.length && b.docs[j] === x) continue;
    docs[k] = x;
    scores[k++] = a.scores[i]!;
  }
  return { docs: docs.subarray(0, k), scores: scores.subarray(0, k) };
}

/** `a` with the scores of docs also in `b` added (optional clauses next to required ones). */
export function addScores(a: Scored, b: Scored): Scored {
  if (b.docs.length === 0) return a;
  const scores = Float64Array.from(a.scores);
  let j = 0;
  for (let i = 0; i < a.docs.length; i++) {
    const x = a.docs[i]!;
    while (j < b.docs.length && b.docs[j]! < x) j++;
    if (j < b.docs.length && b.docs[j] === x) scores[i]! += b.scores[j]!;
  }
  return { docs: a.docs, scores };
}
