/**
 * The typed client of hero_indexer and the types shared with the server. No server code here:
 * tools import this entry alone.
 */
import { RpcClient, socketPath, type RpcClientOptions } from '@hero/core';

export const SERVICE = 'hero_indexer';

export type FieldType = 'text' | 'keyword' | 'numeric' | 'date' | 'bool';

export interface FieldDef {
  type: FieldType;
  /** Kept and returned with hits (default true). */
  stored: boolean;
  /** Searchable and filterable (default true). */
  indexed: boolean;
  /** BM25 weight of a text field (default 1). */
  boost: number;
}

export interface IndexSchema {
  fields: Record<string, FieldDef>;
  language: string;
  default_fields?: string[];
}

/** What db.create accepts: field options may be left out. */
export interface IndexSchemaInput {
  fields: Record<string, { type: FieldType; stored?: boolean; indexed?: boolean; boost?: number }>;
  language?: string;
  default_fields?: string[];
}

export interface DbInfo {
  name: string;
  schema: IndexSchema;
  /** Live committed documents. */
  docs: number;
  /** Committed documents marked deleted but not yet merged away. */
  deleted: number;
  segments: number;
  generation: number;
  size_bytes: number;
  /** Documents added or deleted since the last commit. */
  pending: number;
  open: boolean;
}

export interface DbSummary {
  name: string;
  docs: number;
  segments: number;
  language: string;
  open: boolean;
}

export type FilterValue =
  | string
  | number
  | boolean
  | (string | number | boolean)[]
  | { gt?: number | string; gte?: number | string; lt?: number | string; lte?: number | string };

export interface SortSpec {
  field: string;
  order?: 'asc' | 'desc';
}

export interface SearchRequest {
  db: string;
  query: string;
  /** Exact-match or range conditions on keyword, numeric, date and bool fields (ANDed). */
  filters?: Record<string, FilterValue>;
  /** Sort keys; `_score` sorts by relevance. Default: by score. */
  sort?: SortSpec[];
  /** keyword/bool fields whose value counts over all matches are returned. */
  facets?: string[];
  /** Stored text fields to cut highlighted snippets from (true: all default text fields). */
  highlight?: string[] | boolean;
  /** Stored fields returned with each hit (default all; [] for ids only). */
  fields?: string[];
  offset?: number;
  limit?: number;
  /** How clauses without +/- combine (default `or`). */
  default_operator?: 'or' | 'and';
}

export interface Highlight {
  field: string;
  /** The snippet text. */
  snippet: string;
  /** [start, end) offsets of matched words within `snippet`. */
  matches: [number, number][];
  /** Where the snippet starts in the field value (UTF-16 offset). */
  offset: number;
}

export interface SearchHit {
  id: string;
  score: number;
  doc?: Record<string, unknown>;
  highlights?: Highlight[];
}

export interface SearchResult {
  total: number;
  hits: SearchHit[];
  facets?: Record<string, { value: string; count: number }[]>;
  took_ms: number;
}

export interface ServerStats {
  version: string;
  uptime_secs: number;
  dbs: number;
  open_dbs: number;
  cache: { used_bytes: number; max_bytes: number; entries: number; hits: number; misses: number };
}

/** A client for a running hero_indexer. */
export class IndexerClient {
  readonly rpc: RpcClient;

  constructor(target: RpcClient | string, options?: RpcClientOptions) {
    this.rpc = typeof target === 'string' ? new RpcClient(target, options) : target;
  }

  /** A client for `<socketDir>/hero_indexer/rpc.sock`. */
  static forSocketDir(socketDir: string, options?: RpcClientOptions): IndexerClient {
    return new IndexerClient(socketPath(socketDir, SERVICE, 'rpc'), options);
  }

  ping(): Promise<{ pong: true; version: string }> {
    return this.rpc.call('server.ping', {});
  }
  stats(): Promise<ServerStats> {
    return this.rpc.call('server.stats', {});
  }
  list(): Promise<DbSummary[]> {
    return this.rpc.call('db.list', {});
  }
  create(name: string, schema: IndexSchemaInput): Promise<DbInfo> {
    return this.rpc.call('db.create', { name, schema });
  }
  deleteDb(name: string): Promise<{ deleted: boolean }> {
    return this.rpc.call('db.delete', { name });
  }
  info(name: string): Promise<DbInfo> {
    return this.rpc.call('db.info', { name });
  }
  closeDb(name: string): Promise<{ closed: boolean }> {
    return this.rpc.call('db.close', { name });
  }
  commit(name: string): Promise<{ generation: number; docs: number }> {
    return this.rpc.call('db.commit', { name });
  }
  add(db: string, docs: Record<string, unknown>[], commit = false): Promise<{ added: number; pending: number; generation?: number }> {
    return this.rpc.call('doc.add', { db, docs, commit });
  }
  get(db: string, id: string): Promise<Record<string, unknown>> {
    return this.rpc.call('doc.get', { db, id });
  }
  delete(db: string, ids: string[], commit = false): Promise<{ deleted: number; pending: number }> {
    return this.rpc.call('doc.delete', { db, ids, commit });
  }
  search(req: SearchRequest): Promise<SearchResult> {
    return this.rpc.call('search.query', req);
  }
  close(): Promise<void> {
    return this.rpc.close();
  }
}
