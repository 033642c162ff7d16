import type { TermPostings } from './segment-writer.js';

/** An Int32Array that grows by doubling. */
class Grow {
  data: Int32Array;
  len = 0;
  constructor(cap = 1024) {
    this.data = new Int32Array(cap);
  }
  push(v: number): number {
    if (this.len === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.len] = v;
    return this.len++;
  }
}

/**
 * The in-memory inverted index of one text field while a batch is built: postings and positions
 * live in a few growing typed arrays chained by index (no per-term arrays, little garbage).
 */
export class PostingsPool {
  readonly termIds = new Map<string, number>();
  private readonly terms: string[] = [];
  // per term
  private readonly head = new Grow();
  private readonly tail = new Grow();
  private readonly lastDoc = new Grow();
  private readonly df = new Grow();
  // per (term, doc) entry
  private readonly eDoc = new Grow(4096);
  private readonly eFreq = new Grow(4096);
  private readonly eNext = new Grow(4096);
  private readonly ePosHead = new Grow(4096);
  private readonly ePosTail = new Grow(4096);
  // per occurrence
  private readonly pVal = new Grow(16384);
  private readonly pNext = new Grow(16384);

  /** The id of `term`, creating it. */
  id(term: string): number {
    let id = this.termIds.get(term);
    if (id === undefined) {
      id = this.terms.length;
      this.terms.push(term);
      this.termIds.set(term, id);
      this.head.push(-1);
      this.tail.push(-1);
      this.lastDoc.push(-1);
      this.df.push(0);
    }
    return id;
  }

  /** Records one occurrence of term `t` in `doc` (docs must come in ascending order). */
  add(t: number, doc: number, position: number): void {
    const p = this.pVal.push(position);
    this.pNext.push(-1);
    if (this.lastDoc.data[t] === doc) {
      const e = this.tail.data[t]!;
      this.eFreq.data[e]!++;
      this.pNext.data[this.ePosTail.data[e]!] = p;
      this.ePosTail.data[e] = p;
      return;
    }
    const e = this.eDoc.push(doc);
    this.eFreq.push(1);
    this.eNext.push(-1);
    this.ePosHead.push(p);
    this.ePosTail.push(p);
    if (this.head.data[t] === -1) this.head.data[t] = e;
    else this.eNext.data[this.tail.data[t]!] = e;
    this.tail.data[t] = e;
    this.lastDoc.data[t] = doc;
    this.df.data[t]!++;
  }

  // scratch arrays reused for every term yielded by sorted()
  private sDocs = new Uint32Array(1024);
  private sFreqs = new Uint32Array(1024);
  private sPos = new Uint32Array(4096);

  /** Terms in ascending order with their postings and positions (views valid until the next one). */
  *sorted(): Iterable<TermPostings> {
    // the built-in comparison of strings is much faster than a comparator callback
    const order = [...this.terms].sort();
    for (const term of order) {
      const t = this.termIds.get(term)!;
      const df = this.df.data[t]!;
      if (df === 0) continue;
      if (df > this.sDocs.length) {
        this.sDocs = new Uint32Array(df * 2);
        this.sFreqs = new Uint32Array(df * 2);
      }
      const docs = this.sDocs;
      const freqs = this.sFreqs;
      let total = 0;
      for (let e = this.head.data[t]!, k = 0; e !== -1; e = this.eNext.data[e]!, k++) {
        docs[k] = this.eDoc.data[e]!;
        freqs[k] = this.eFreq.data[e]!;
        total += freqs[k]!;
      }
      if (total > this.sPos.length) this.sPos = new Uint32Array(total * 2);
      const positions = this.sPos;
      let k = 0;
      for (let e = this.head.data[t]!; e !== -1; e = this.eNext.data[e]!) {
        for (let p = this.ePosHead.data[e]!; p !== -1; p = this.pNext.data[p]!) positions[k++] = this.pVal.data[p]!;
      }
      yield { term, docs: docs.subarray(0, df), freqs: freqs.subarray(0, df), positions: positions.subarray(0, total) };
    }
  }
}
