/** The parsed form of a query string; `pos` is the 0-based offset where the clause starts. */
export type QueryNode =
  | { type: 'all'; pos: number }
  | { type: 'term'; field?: string; text: string; boost: number; pos: number }
  | { type: 'phrase'; field?: string; text: string; slop: number; boost: number; pos: number }
  | { type: 'prefix'; field?: string; prefix: string; boost: number; pos: number }
  | { type: 'fuzzy'; field?: string; text: string; distance: number; boost: number; pos: number }
  | {
      type: 'range';
      field: string;
      from: string | null;
      to: string | null;
      includeFrom: boolean;
      includeTo: boolean;
      pos: number;
    }
  | { type: 'bool'; must: QueryNode[]; should: QueryNode[]; mustNot: QueryNode[]; pos: number };

export type BoolNode = Extract<QueryNode, { type: 'bool' }>;
