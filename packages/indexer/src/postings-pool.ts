import type { TermPostings } from './segment-writer.js';

/**
 * The in-memory inverted index of one text field while a batch is built. Occurrences are
 * appended in document order to two flat typed arrays (term id, position); `sorted()` then
 * groups them by term with one counting sort, which keeps every step sequential or
 * scatter-only (no per-term arrays, no pointer chasing, little garbage).
 */
export class PostingsPool {
  private readonly termIds = new Map<string, number>();
  private readonly terms: string[] = [];
  private occTerm = new Int32Array(1 << 16);
  private occPos = new Uint32Array(1 << 16);
  private occ = 0;
  private readonly docNums: number[] = [];
  private readonly docStarts: number[] = [];

  /** The id of `term`, creating it. */
  id(term: string): number {
    let id = this.termIds.get(term);
    if (id === undefined) {
      id = this.terms.length;
      this.terms.push(term);
      this.termIds.set(term, id);
    }
    return id;
  }

  /** Starts the occurrences of document `doc` (documents must come in ascending order). */
  startDoc(doc: number): void {
    this.docNums.push(doc);
    this.docStarts.push(this.occ);
  }

  /** Records one occurrence of term `t` at `position` in the current document. */
  add(t: number, position: number): void {
    if (this.occ === this.occTerm.length) {
      const terms = new Int32Array(this.occ * 2);
      terms.set(this.occTerm);
      this.occTerm = terms;
      const pos = new Uint32Array(this.occ * 2);
      pos.set(this.occPos);
      this.occPos = pos;
    }
    this.occTerm[this.occ] = t;
    this.occPos[this.occ++] = position;
  }

  /** Terms in ascending order with their postings and positions (views valid until the next one). */
  *sorted(): Iterable<TermPostings> {
    const T = this.terms.length;
    const n = this.occ;
    const start = new Int32Array(T + 1);
    for (let i = 0; i < n; i++) start[this.occTerm[i]! + 1]!++;
    for (let t = 0; t < T; t++) start[t + 1]! += start[t]!;
    const cursor = start.slice(0, T);
    const sDoc = new Uint32Array(n);
    const sPos = new Uint32Array(n);
    const docs = this.docNums;
    const starts = this.docStarts;
    for (let k = 0; k < docs.length; k++) {
      const d = docs[k]!;
      const end = k + 1 < docs.length ? starts[k + 1]! : n;
      for (let i = starts[k]!; i < end; i++) {
        const j = cursor[this.occTerm[i]!]!++;
        sDoc[j] = d;
        sPos[j] = this.occPos[i]!;
      }
    }
    const order = this.terms.map((_, i) => i);
    const terms = this.terms;
    order.sort((a, b) => (terms[a]! < terms[b]! ? -1 : 1));
    let dBuf = new Uint32Array(1024);
    let fBuf = new Uint32Array(1024);
    for (const t of order) {
      const a = start[t]!;
      const b = start[t + 1]!;
      if (a === b) continue;
      if (b - a > dBuf.length) {
        dBuf = new Uint32Array((b - a) * 2);
        fBuf = new Uint32Array((b - a) * 2);
      }
      let df = 0;
      let last = -1;
      for (let i = a; i < b; i++) {
        const d = sDoc[i]!;
        if (d !== last) {
          dBuf[df] = d;
          fBuf[df++] = 1;
          last = d;
        } else fBuf[df - 1]!++;
      }
      yield { term: terms[t]!, docs: dBuf.subarray(0, df), freqs: fBuf.subarray(0, df), positions: sPos.subarray(a, b) };
    }
  }
}
