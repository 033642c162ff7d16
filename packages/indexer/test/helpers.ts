import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { LruCache } from '../src/lru-cache.js';
import type { IndexOptions } from '../src/search-index.js';

/** A temp dir removed when the test finishes. */
export async function tempDir(prefix = 'hero-indexer-'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

export function indexOptions(over: Partial<IndexOptions> = {}): IndexOptions {
  return {
    cache: new LruCache(8 << 20),
    maxDocBytes: 64 * 1024,
    writerBufferBytes: 8 << 20,
    maxSegments: 8,
    limits: { maxExpansions: 64, maxResultWindow: 1000, maxQueryLength: 1000, facetLimit: 10, snippetChars: 80 },
    ...over,
  };
}

/** A small corpus whose ranking can be checked by hand. */
export const BOOKS = [
  { id: 'b1', title: 'The Quick Brown Fox', body: 'A quick brown fox jumps over the lazy dog.', genre: 'fable', year: 1990, price: 10.5, published: '1990-05-01', in_print: true, tags: ['animals', 'classic'] },
  { id: 'b2', title: 'Lazy Dogs at Home', body: 'Dogs sleeping all day. The dog is lazy; the dogs are lazier.', genre: 'fable', year: 2005, price: 20, published: '2005-01-15', in_print: false, tags: ['animals'] },
  { id: 'b3', title: 'Searching Algorithms', body: 'Binary search, linear search and the searching of sorted arrays.', genre: 'science', year: 2010, price: 45, published: '2010-09-09', in_print: true, tags: ['computing'] },
  { id: 'b4', title: 'Colour Theory', body: 'The colour wheel, primary colours and how color is perceived.', genre: 'art', year: 1999, price: 30, published: '1999-12-31', in_print: true, tags: ['design', 'classic'] },
  { id: 'b5', title: 'Foxes of the North', body: 'Arctic foxes hunt in the snow. A brown fox in summer.', genre: 'science', year: 2018, price: 25, published: '2018-03-03', in_print: true, tags: ['animals'] },
];

export const BOOK_SCHEMA = {
  fields: {
    title: { type: 'text' as const, boost: 2 },
    body: { type: 'text' as const },
    genre: { type: 'keyword' as const },
    year: { type: 'numeric' as const },
    price: { type: 'numeric' as const },
    published: { type: 'date' as const },
    in_print: { type: 'bool' as const },
    tags: { type: 'keyword' as const },
  },
};
