import { HeroError, method, type RpcMethod } from '@hero/core';
import { z } from 'zod';
import type { IndexManager } from './index-manager.js';
import type { LruCache } from './lru-cache.js';
import { indexSchemaSchema } from './schema.js';

const name = z.string().min(1).describe('index name');
const filterValue = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.array(z.union([z.string(), z.number(), z.boolean()])),
  z.strictObject({
    gt: z.union([z.number(), z.string()]).optional(),
    gte: z.union([z.number(), z.string()]).optional(),
    lt: z.union([z.number(), z.string()]).optional(),
    lte: z.union([z.number(), z.string()]).optional(),
  }),
]);

const dbInfo = z.object({
  name: z.string(),
  schema: z.unknown(),
  docs: z.number(),
  deleted: z.number(),
  segments: z.number(),
  generation: z.number(),
  size_bytes: z.number(),
  pending: z.number(),
  open: z.boolean(),
});

export interface MethodDeps {
  manager: IndexManager;
  cache: LruCache<unknown>;
  version: string;
  started: number;
  maxBatchDocs: number;
}

/** The JSON-RPC methods of hero_indexer. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function indexerMethods(deps: MethodDeps): Record<string, RpcMethod<any, any>> {
  const { manager } = deps;
  return {
    'server.ping': method({
      summary: 'Liveness check',
      params: z.object({}),
      result: z.object({ pong: z.literal(true), version: z.string() }),
      handler: () => ({ pong: true as const, version: deps.version }),
    }),
    'server.stats': method({
      summary: 'Index count and cache usage',
      params: z.object({}),
      result: z.object({
        version: z.string(),
        uptime_secs: z.number(),
        dbs: z.number(),
        open_dbs: z.number(),
        cache: z.object({ used_bytes: z.number(), max_bytes: z.number(), entries: z.number(), hits: z.number(), misses: z.number() }),
      }),
      handler: () => ({
        version: deps.version,
        uptime_secs: Math.floor((Date.now() - deps.started) / 1000),
        dbs: manager.count,
        open_dbs: manager.openCount,
        cache: {
          used_bytes: deps.cache.usedBytes,
          max_bytes: deps.cache.maxBytes,
          entries: deps.cache.size,
          hits: deps.cache.hits,
          misses: deps.cache.misses,
        },
      }),
    }),
    'db.list': method({
      summary: 'Lists indexes',
      params: z.object({}),
      result: z.array(z.object({ name: z.string(), docs: z.number(), segments: z.number(), language: z.string(), open: z.boolean() })),
      handler: () => manager.list(),
    }),
    'db.create': method({
      summary: 'Creates an index with a schema (idempotent for the same schema)',
      params: z.object({ name, schema: indexSchemaSchema }),
      result: dbInfo,
      handler: ({ name, schema }) => manager.create(name, schema),
    }),
    'db.delete': method({
      summary: 'Deletes an index and its files',
      params: z.object({ name }),
      result: z.object({ deleted: z.boolean() }),
      handler: ({ name }) => manager.delete(name),
    }),
    'db.info': method({
      summary: 'Schema, document and segment counts of an index',
      params: z.object({ name }),
      result: dbInfo,
      handler: ({ name }) => manager.info(name),
    }),
    'db.close': method({
      summary: 'Commits pending changes and releases the index files and cache (reopened on next use)',
      params: z.object({ name }),
      result: z.object({ closed: z.boolean() }),
      handler: ({ name }) => manager.close(name),
    }),
    'db.commit': method({
      summary: 'Makes every change since the last commit durable and searchable',
      params: z.object({ name }),
      result: z.object({ generation: z.number(), docs: z.number() }),
      handler: ({ name }) => manager.get(name).commit(),
    }),
    'doc.add': method({
      summary: 'Adds or replaces documents by id (visible after commit)',
      description: 'The whole batch is validated first: one bad document rejects the batch and nothing is added.',
      params: z.object({
        db: name,
        docs: z.array(z.record(z.string(), z.unknown())).describe('documents: {id, ...fields}'),
        commit: z.boolean().default(false).describe('commit after adding'),
      }),
      result: z.object({ added: z.number(), pending: z.number(), generation: z.number().optional() }),
      handler: ({ db, docs, commit }) => {
        if (docs.length > deps.maxBatchDocs) {
          throw new HeroError('HERO_TOO_LARGE', `batch of ${docs.length} documents; the limit is ${deps.maxBatchDocs}`, { rpcCode: -32602 });
        }
        const idx = manager.get(db);
        const r = idx.add(docs);
        if (!commit) return r;
        const c = idx.commit();
        return { added: r.added, pending: 0, generation: c.generation };
      },
    }),
    'doc.get': method({
      summary: 'The stored fields of a committed document',
      params: z.object({ db: name, id: z.string().min(1) }),
      result: z.record(z.string(), z.unknown()),
      handler: ({ db, id }) => manager.get(db).get(id),
    }),
    'doc.delete': method({
      summary: 'Deletes documents by id (applied at commit)',
      params: z.object({
        db: name,
        ids: z.array(z.string().min(1)).min(1),
        commit: z.boolean().default(false),
      }),
      result: z.object({ deleted: z.number(), pending: z.number() }),
      handler: ({ db, ids, commit }) => {
        const idx = manager.get(db);
        const r = idx.delete(ids);
        if (commit) idx.commit();
        return commit ? { deleted: r.deleted, pending: 0 } : r;
      },
    }),
    'search.query': method({
      summary: 'Searches the last commit of an index',
      description:
        'Query language: terms, "phrases"~slop, +must -mustnot, AND/OR/NOT, (groups), field:term, prefix*, fuzzy~1, field:[a TO b], ^boost, *.',
      params: z.object({
        db: name,
        query: z.string().describe('the query; empty or * matches everything'),
        filters: z.record(z.string(), filterValue).optional().describe('field → value, values (any of) or {gt,gte,lt,lte}'),
        sort: z.array(z.object({ field: z.string(), order: z.enum(['asc', 'desc']).optional() })).optional(),
        facets: z.array(z.string()).optional(),
        highlight: z.union([z.boolean(), z.array(z.string())]).optional(),
        fields: z.array(z.string()).optional().describe('stored fields returned with hits (default all, [] for none)'),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(0).max(1000).default(10),
        default_operator: z.enum(['or', 'and']).default('or'),
      }),
      result: z.object({
        total: z.number(),
        hits: z.array(z.object({ id: z.string(), score: z.number(), doc: z.record(z.string(), z.unknown()).optional(), highlights: z.array(z.unknown()).optional() })),
        facets: z.record(z.string(), z.array(z.object({ value: z.string(), count: z.number() }))).optional(),
        took_ms: z.number(),
      }),
      handler: ({ db, ...req }) => manager.get(db).search(req),
    }),
  };
}
