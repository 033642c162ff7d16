/** BM25 parameters (Robertson/Spärck Jones; the Lucene/tantivy defaults). */
export interface Bm25Params {
  k1: number;
  b: number;
}

export const DEFAULT_BM25: Bm25Params = { k1: 1.2, b: 0.75 };

/** Inverse document frequency of a term found in `df` of `n` documents (never negative). */
export function idf(n: number, df: number): number {
  return Math.log(1 + (n - df + 0.5) / (df + 0.5));
}

/** The BM25 weight of one term in one field of one document. */
export function bm25(tf: number, fieldLength: number, avgFieldLength: number, idfValue: number, params: Bm25Params = DEFAULT_BM25): number {
  const norm = params.k1 * (1 - params.b + (params.b * fieldLength) / (avgFieldLength || 1));
  return (idfValue * (tf * (params.k1 + 1))) / (tf + norm);
}
