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

/**
 * Union of the sets of a disjunction where each doc's summed score is scaled by the share of
 * clauses it matched (coordination): a doc with every query word beats one that repeats a few.
 */
export function unionCoord(sets: Scored[], docCount: number): Scored {
  const n = sets.length;
  if (n < 2) return unionMany(sets, docCount);
  const acc = new Float64Array(docCount);
  const hits = new Uint16Array(docCount);
  let count = 0;
  for (const s of sets) {
    const d = s.docs;
    const sc = s.scores;
    for (let i = 0; i < d.length; i++) {
      const doc = d[i]!;
      if (hits[doc] === 0) count++;
      hits[doc]!++;
      acc[doc]! += sc[i]!;
    }
  }
  const docs = new Uint32Array(count);
  const scores = new Float64Array(count);
  let k = 0;
  for (let doc = 0; doc < docCount; doc++) {
    const h = hits[doc]!;
    if (h) {
      docs[k] = doc;
      scores[k++] = (acc[doc]! * h) / n;
    }
  }
  return { docs, scores };
}

/**
 * Union where each doc scores its best set plus `tie` times the others (a disjunction-max, used
 * for one word searched in several fields: the best field decides, the rest only break ties).
 */
export function disMax(sets: Scored[], tie: number): Scored {
  const nonEmpty = sets.filter((s) => s.docs.length > 0);
  if (nonEmpty.length === 0) return EMPTY;
  if (nonEmpty.length === 1) return nonEmpty[0]!;
  let docs = nonEmpty[0]!.docs;
  let max = nonEmpty[0]!.scores;
  let sum = nonEmpty[0]!.scores;
  for (let s = 1; s < nonEmpty.length; s++) {
    const b = nonEmpty[s]!;
    const n = docs.length + b.docs.length;
    const nd = new Uint32Array(n);
    const nm = new Float64Array(n);
    const ns = new Float64Array(n);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < docs.length || j < b.docs.length) {
      const x = i < docs.length ? docs[i]! : 0xffffffff;
      const y = j < b.docs.length ? b.docs[j]! : 0xffffffff;
      if (x < y) {
        nd[k] = x;
        nm[k] = max[i]!;
        ns[k++] = sum[i++]!;
      } else if (y < x) {
        nd[k] = y;
        nm[k] = b.scores[j]!;
        ns[k++] = b.scores[j++]!;
      } else {
        nd[k] = x;
        nm[k] = Math.max(max[i]!, b.scores[j]!);
        ns[k++] = sum[i++]! + b.scores[j++]!;
      }
    }
    docs = nd.subarray(0, k);
    max = nm.subarray(0, k);
    sum = ns.subarray(0, k);
  }
  const scores = new Float64Array(docs.length);
  for (let i = 0; i < scores.length; i++) scores[i] = max[i]! + tie * (sum[i]! - max[i]!);
  return { docs, scores };
}
