import fs from 'node:fs';
import pkg from '../package.json' with { type: 'json' };
import { z } from 'zod';
import { ConfigError, HeroError, ensureDir, expandHome, serveRpc, socketPath, type RunContext } from '@hero/core';
import { SERVICE } from './client.js';
import { IndexManager } from './index-manager.js';
import { getLanguage, languageNames } from './language.js';
import { LruCache } from './lru-cache.js';
import { indexerMethods } from './methods.js';

const MiB = 1024 * 1024;

export const configSchema = z.strictObject({
  socket_dir: z.string().default('~/hero/var/sockets').describe('directory holding <service>/<name>.sock'),
  data_dir: z.string().default('~/hero/var/hero_indexer').describe('where indexes are stored, one sub-directory each'),
  cache_mb: z.number().positive().default(64).describe('memory for dictionary blocks, postings, norms and columns read from segment files (MiB)'),
  default_language: z.string().default('english').describe(`language of new indexes that do not name one (${languageNames().join(', ')})`),
  max_doc_bytes: z.number().int().positive().default(1 * MiB).describe('largest accepted document, as JSON bytes'),
  max_batch_docs: z.number().int().positive().default(10_000).describe('most documents in one doc.add call'),
  max_request_mb: z.number().positive().default(64).describe('largest accepted RPC request body (MiB)'),
  writer_buffer_mb: z.number().positive().default(32).describe('pending documents are written to a segment file past this size (MiB)'),
  max_segments: z.number().int().min(1).default(8).describe('a commit merges segments while an index has more than this'),
  max_result_window: z.number().int().positive().default(10_000).describe('largest offset + limit of a search'),
  max_query_length: z.number().int().positive().default(4096).describe('longest accepted query string'),
  max_expansions: z.number().int().positive().default(128).describe('most terms a prefix or fuzzy clause expands to'),
  facet_limit: z.number().int().positive().default(20).describe('most values returned per facet'),
  snippet_chars: z.number().int().min(20).default(160).describe('length of highlighted snippets'),
});

export type Config = z.output<typeof configSchema>;

function version(): string {
  return pkg.version;
}

/** Runs hero_indexer until `signal` aborts: serves rpc.sock, commits and closes indexes on stop. */
export async function run(config: Config, signal: AbortSignal, ctx: RunContext = {}): Promise<void> {
  const logger = ctx.logger;
  if (!getLanguage(config.default_language)) {
    throw new ConfigError(`unknown default_language "${config.default_language}" (known: ${languageNames().join(', ')})`);
  }
  const socketDir = expandHome(config.socket_dir);
  const dataDir = expandHome(config.data_dir);
  await ensureDir(dataDir);
  try {
    fs.accessSync(dataDir, fs.constants.R_OK | fs.constants.W_OK);
  } catch (err) {
    throw new HeroError('HERO_UNAVAILABLE', `data dir ${dataDir} is not readable and writable`, { cause: err });
  }
  if (signal.aborted) return;
  const cache = new LruCache<unknown>(Math.floor(config.cache_mb * MiB));
  const manager = new IndexManager(
    dataDir,
    {
      cache,
      maxDocBytes: config.max_doc_bytes,
      writerBufferBytes: Math.floor(config.writer_buffer_mb * MiB),
      maxSegments: config.max_segments,
      defaultLanguage: config.default_language,
      logger,
      limits: {
        maxExpansions: config.max_expansions,
        maxResultWindow: config.max_result_window,
        maxQueryLength: config.max_query_length,
        facetLimit: config.facet_limit,
        snippetChars: config.snippet_chars,
      },
    },
    logger,
  );
  manager.start();
  const v = version();
  const sock = socketPath(socketDir, SERVICE, 'rpc');
  let server;
  try {
    server = await serveRpc(
      {
        info: { name: SERVICE, title: 'Hero indexer', version: v, description: 'Full-text search: BM25, phrases, fuzzy, prefix, filters, facets' },
        methods: indexerMethods({ manager, cache, version: v, started: Date.now(), maxBatchDocs: config.max_batch_docs }),
        socket: { path: sock, service: SERVICE },
        bodyLimit: Math.floor(config.max_request_mb * MiB),
        logger,
      },
      signal,
    );
  } catch (err) {
    manager.closeAll();
    throw err;
  }
  ctx.onReady?.({ service: SERVICE, sockets: { rpc: sock } });
  if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  try {
    await server.close();
  } finally {
    manager.closeAll();
  }
}

export { IndexerClient, SERVICE } from './client.js';
export type {
  DbInfo,
  DbSummary,
  FieldDef,
  FieldType,
  FilterValue,
  Highlight,
  IndexSchema,
  IndexSchemaInput,
  SearchHit,
  SearchRequest,
  SearchResult,
  ServerStats,
  SortSpec,
} from './client.js';
export { SearchIndex, type IndexOptions } from './search-index.js';
export { LruCache } from './lru-cache.js';
export { Analyzer } from './analyzer.js';
export { tokenize, forEachToken, words, type Token } from './tokenizer.js';
export { porterStem } from './stemmer-english.js';
export { registerLanguage, getLanguage, languageNames, type Language } from './language.js';
export { parseQuery, QuerySyntaxError, type ParseOptions } from './query-parser.js';
export type { QueryNode } from './query-ast.js';
export { bm25, idf, DEFAULT_BM25, type Bm25Params } from './bm25.js';
export { checkSchema } from './schema.js';
export { IndexManager } from './index-manager.js';
