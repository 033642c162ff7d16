import type { BoolNode, QueryNode } from './query-ast.js';

/** A query string that does not parse; `position` is the 0-based offset of the problem. */
export class QuerySyntaxError extends Error {
  constructor(message: string, readonly position: number) {
    super(`${message} at position ${position}`);
    this.name = 'QuerySyntaxError';
  }
}

export interface ParseOptions {
  /** How clauses without + or - combine (default `or`). */
  defaultOperator?: 'or' | 'and';
  /** Longest fuzzy distance accepted (default 2). */
  maxFuzzy?: number;
  /** Deepest nesting of groups and NOT/+/- prefixes accepted (default {@link MAX_QUERY_DEPTH}). */
  maxDepth?: number;
}

/** Default nesting limit: deeper queries would overflow the stack when planned and run. */
export const MAX_QUERY_DEPTH = 64;

const SPECIAL = new Set(['(', ')', '"', ':', '[', ']', '{', '}', '^', '~']);
const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/**
 * Parses the query language:
 * `term`, `"a phrase"~slop`, `+must`, `-mustnot`, `a AND b`, `a OR b`, `NOT a`, `(groups)`,
 * `field:term`, `prefix*`, `fuzzy~1`, `field:[a TO b]` / `{a TO b}` / `*` bounds, `^boost`, `*`.
 * Precedence: NOT > AND > juxtaposition > OR.
 */
export function parseQuery(input: string, options: ParseOptions = {}): QueryNode {
  const p = new Parser(input, options.defaultOperator ?? 'or', options.maxFuzzy ?? 2, options.maxDepth ?? MAX_QUERY_DEPTH);
  return p.parseTop();
}

class Parser {
  private i = 0;
  private depth = 0;
  constructor(
    private readonly s: string,
    private readonly op: 'or' | 'and',
    private readonly maxFuzzy: number,
    private readonly maxDepth: number,
  ) {}

  /** Runs `parse` one nesting level deeper; `at` is the group or operator that opens the level. */
  private nested<T>(at: number, parse: () => T): T {
    if (this.depth >= this.maxDepth) this.fail(`query nested more than ${this.maxDepth} levels deep`, at);
    this.depth++;
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private skipWs(): void {
    while (isSpace(this.s[this.i])) this.i++;
  }

  private fail(msg: string, at = this.i): never {
    throw new QuerySyntaxError(msg, at);
  }

  /** The keyword (AND/OR/NOT/TO) at the cursor, if it stands alone as a word. */
  private keyword(): string | undefined {
    for (const kw of ['AND', 'OR', 'NOT', '&&', '||']) {
      if (this.s.startsWith(kw, this.i)) {
        const after = this.s[this.i + kw.length];
        if (after === undefined || isSpace(after) || after === '(' || (kw.length === 2 && !/[A-Za-z]/.test(kw[0]!))) {
          return kw === '&&' ? 'AND' : kw === '||' ? 'OR' : kw;
        }
      }
    }
    return undefined;
  }

  parseTop(): QueryNode {
    this.skipWs();
    if (this.i >= this.s.length) this.fail('empty query');
    const node = this.parseOr();
    this.skipWs();
    if (this.i < this.s.length) this.fail(`unexpected "${this.s[this.i]}"`);
    return node;
  }

  private parseOr(): QueryNode {
    const start = this.i;
    const parts = [this.parseSeq()];
    for (;;) {
      this.skipWs();
      if (this.keyword() !== 'OR') break;
      const at = this.i;
      this.i += this.s.startsWith('||', this.i) ? 2 : 2;
      this.skipWs();
      if (this.atEnd() || this.s[this.i] === ')') this.fail('expected a clause after OR', at);
      parts.push(this.parseSeq());
    }
    return parts.length === 1 ? parts[0]! : { type: 'bool', must: [], should: parts, mustNot: [], pos: start };
  }

  private atEnd(): boolean {
    return this.i >= this.s.length;
  }

  /** Clauses side by side, each with an optional +/-/NOT, combined with the default operator. */
  private parseSeq(): QueryNode {
    const start = this.i;
    const node: BoolNode = { type: 'bool', must: [], should: [], mustNot: [], pos: start };
    let count = 0;
    for (;;) {
      this.skipWs();
      if (this.atEnd() || this.s[this.i] === ')') break;
      const kw = this.keyword();
      if (kw === 'OR') break;
      if (kw === 'AND') this.fail('AND needs a clause on its left');
      let mod: '+' | '-' | '' = '';
      const c = this.s[this.i];
      if (c === '+' || c === '-') {
        mod = c;
        this.i++;
        if (this.atEnd() || isSpace(this.s[this.i])) this.fail(`"${c}" must be followed by a clause`, this.i - 1);
      }
      const clause = this.parseAnd();
      count++;
      if (mod === '-') node.mustNot.push(clause);
      else if (mod === '+') node.must.push(clause);
      else if (clause.type === 'bool' && isPureNot(clause)) node.mustNot.push(...clause.mustNot);
      else if (this.op === 'and') node.must.push(clause);
      else node.should.push(clause);
    }
    if (count === 0) this.fail(this.atEnd() ? 'unexpected end of query' : `unexpected "${this.s[this.i]}"`);
    if (count === 1 && node.should.length === 1) return node.should[0]!;
    if (count === 1 && node.must.length === 1 && this.op === 'and') return node.must[0]!;
    return node;
  }

  private parseAnd(): QueryNode {
    const start = this.i;
    const parts = [this.parseUnary()];
    for (;;) {
      const save = this.i;
      this.skipWs();
      if (this.keyword() !== 'AND') {
        this.i = save;
        break;
      }
      const at = this.i;
      this.i += this.s.startsWith('&&', this.i) ? 2 : 3;
      this.skipWs();
      if (this.atEnd() || this.s[this.i] === ')') this.fail('expected a clause after AND', at);
      parts.push(this.parseUnary());
    }
    if (parts.length === 1) return parts[0]!;
    const node: BoolNode = { type: 'bool', must: [], should: [], mustNot: [], pos: start };
    for (const p of parts) {
      if (p.type === 'bool' && isPureNot(p)) node.mustNot.push(...p.mustNot);
      else node.must.push(p);
    }
    return node;
  }

  private parseUnary(): QueryNode {
    this.skipWs();
    const start = this.i;
    if (this.keyword() === 'NOT') {
      this.i += 3;
      this.skipWs();
      if (this.atEnd() || this.s[this.i] === ')') this.fail('expected a clause after NOT', start);
      const inner = this.nested(start, () => this.parseUnary());
      return { type: 'bool', must: [], should: [], mustNot: [inner], pos: start };
    }
    const c = this.s[this.i];
    if (c === '+' || c === '-') {
      // a modifier inside AND/NOT: "a AND -b"
      this.i++;
      const inner = this.nested(start, () => this.parseUnary());
      return c === '-' ? { type: 'bool', must: [], should: [], mustNot: [inner], pos: start } : inner;
    }
    return this.parsePrimary();
  }

  private parsePrimary(field?: string): QueryNode {
    const start = this.i;
    const c = this.s[this.i];
    if (c === undefined) this.fail('unexpected end of query');
    if (c === '(') {
      this.i++;
      this.skipWs();
      if (this.s[this.i] === ')') this.fail('empty group', start);
      const inner = this.nested(start, () => (field === undefined ? this.parseOr() : withField(this.parseOr(), field)));
      this.skipWs();
      if (this.s[this.i] !== ')') this.fail('missing ")" to close the group opened', start);
      this.i++;
      return this.boostOf(inner);
    }
    if (c === '"') return this.parsePhrase(field, start);
    if (c === '[' || c === '{') {
      if (field === undefined) this.fail('a range needs a field (field:[a TO b])');
      return this.parseRange(field, start);
    }
    if (SPECIAL.has(c)) this.fail(`unexpected "${c}"`);
    const word = this.readWord();
    if (this.s[this.i] === ':' && field === undefined) {
      if (word.text === '' || word.escaped) this.fail('empty field name', start);
      if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(word.text)) this.fail(`invalid field name "${word.text}"`, start);
      this.i++;
      const next = this.s[this.i];
      if (next === undefined || isSpace(next) || next === ')') this.fail(`expected a value after "${word.text}:"`, this.i);
      const inner = this.parsePrimary(word.text);
      // errors about the field (unknown, wrong type) point at its name
      if (inner.type !== 'bool') inner.pos = start;
      return inner;
    }
    if (word.text === '*' && !word.escaped) {
      if (field !== undefined) return { type: 'prefix', field, prefix: '', boost: 1, pos: start };
      return { type: 'all', pos: start };
    }
    if (word.text.length > 1 && word.text.endsWith('*') && !word.escapedStar) {
      const node: QueryNode = { type: 'prefix', prefix: word.text.slice(0, -1), boost: 1, pos: start };
      if (field !== undefined) node.field = field;
      return this.boostOf(node);
    }
    if (this.s[this.i] === '~') {
      const at = this.i;
      this.i++;
      const num = this.readNumber();
      const distance = num === undefined ? 1 : num;
      if (!Number.isInteger(distance) || distance < 0 || distance > this.maxFuzzy) {
        this.fail(`fuzzy distance must be an integer from 0 to ${this.maxFuzzy}`, at);
      }
      const node: QueryNode = { type: 'fuzzy', text: word.text, distance, boost: 1, pos: start };
      if (field !== undefined) node.field = field;
      return this.boostOf(node);
    }
    const node: QueryNode = { type: 'term', text: word.text, boost: 1, pos: start };
    if (field !== undefined) node.field = field;
    return this.boostOf(node);
  }

  private readWord(): { text: string; escaped: boolean; escapedStar: boolean } {
    let out = '';
    let escaped = false;
    let escapedStar = false;
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === '\\') {
        const n = this.s[this.i + 1];
        if (n === undefined) this.fail('dangling "\\"');
        out += n;
        escaped = true;
        if (n === '*' && this.i + 2 >= this.s.length) escapedStar = true;
        this.i += 2;
        continue;
      }
      if (isSpace(c) || SPECIAL.has(c)) break;
      out += c;
      escapedStar = false;
      this.i++;
    }
    return { text: out, escaped, escapedStar };
  }

  private readNumber(): number | undefined {
    const m = /^\d+(\.\d+)?/.exec(this.s.slice(this.i));
    if (!m) return undefined;
    this.i += m[0].length;
    return Number(m[0]);
  }

  private boostOf<T extends QueryNode>(node: T): T {
    if (this.s[this.i] !== '^') return node;
    const at = this.i;
    this.i++;
    const b = this.readNumber();
    if (b === undefined || !(b > 0)) this.fail('"^" must be followed by a positive number', at);
    if ('boost' in node) (node as { boost: number }).boost = b;
    else if (node.type === 'bool') for (const c of [...node.must, ...node.should]) if ('boost' in c) c.boost *= b;
    return node;
  }

  private parsePhrase(field: string | undefined, start: number): QueryNode {
    this.i++;
    let text = '';
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined) this.fail('unterminated phrase (missing closing quote)', start);
      if (c === '\\' && this.s[this.i + 1] !== undefined) {
        text += this.s[this.i + 1];
        this.i += 2;
        continue;
      }
      this.i++;
      if (c === '"') break;
      text += c;
    }
    let slop = 0;
    if (this.s[this.i] === '~') {
      const at = this.i;
      this.i++;
      const n = this.readNumber();
      if (n === undefined || !Number.isInteger(n)) this.fail('"~" after a phrase must be followed by a whole number', at);
      slop = n;
    }
    const node: QueryNode = { type: 'phrase', text, slop, boost: 1, pos: start };
    if (field !== undefined) node.field = field;
    return this.boostOf(node);
  }

  private parseRange(field: string, start: number): QueryNode {
    const includeFrom = this.s[this.i] === '[';
    this.i++;
    this.skipWs();
    const from = this.readBound();
    this.skipWs();
    const afterTo = this.s[this.i + 2];
    // `[1 TO` cut short is a missing bound (reported after TO), not a missing TO
    if (!this.s.startsWith('TO', this.i) || (afterTo !== undefined && !isSpace(afterTo))) this.fail('expected "TO" in range');
    this.i += 2;
    this.skipWs();
    const to = this.readBound();
    this.skipWs();
    const close = this.s[this.i];
    if (close !== ']' && close !== '}') this.fail(close === undefined ? 'unterminated range (missing "]")' : `expected "]" or "}" to close the range`);
    this.i++;
    return { type: 'range', field, from, to, includeFrom, includeTo: close === ']', pos: start };
  }

  private readBound(): string | null {
    const at = this.i;
    if (this.s[this.i] === '"') {
      this.i++;
      const end = this.s.indexOf('"', this.i);
      if (end === -1) this.fail('unterminated quoted range bound', at);
      const v = this.s.slice(this.i, end);
      this.i = end + 1;
      return v;
    }
    let out = '';
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (isSpace(c) || c === ']' || c === '}') break;
      out += c;
      this.i++;
    }
    if (out === '') this.fail('expected a range bound', at);
    return out === '*' ? null : out;
  }
}

function isPureNot(n: BoolNode): boolean {
  return n.must.length === 0 && n.should.length === 0 && n.mustNot.length > 0;
}

/** Applies a default field to every clause of a group written as `field:(a b)`. */
function withField(node: QueryNode, field: string): QueryNode {
  switch (node.type) {
    case 'bool':
      return {
        ...node,
        must: node.must.map((n) => withField(n, field)),
        should: node.should.map((n) => withField(n, field)),
        mustNot: node.mustNot.map((n) => withField(n, field)),
      };
    case 'all':
      return node;
    case 'range':
      return node;
    default:
      return node.field === undefined ? { ...node, field } : node;
  }
}
