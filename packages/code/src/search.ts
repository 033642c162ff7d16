import fs from 'node:fs/promises';
import path from 'node:path';
import { HeroError } from '@hero/core';
import { isBinary } from './content.js';
import { PathRefusedError, joinRel } from './path-guard.js';
import type { SearchMatch, SearchResult } from './types.js';
import { walk } from './walk.js';
import type { Workspace } from './workspace.js';

export interface SearchParams {
  query: string;
  repo?: string | undefined;
  path?: string | undefined;
  regex: boolean;
  case_sensitive: boolean;
  extensions: string[];
  include_ignored: boolean;
  max_results: number;
}

const LINE_CUT = 400;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Builds the line matcher; a bad user regex is a clear invalid-params error. */
export function compileQuery(p: Pick<SearchParams, 'query' | 'regex' | 'case_sensitive'>): RegExp {
  try {
    return new RegExp(p.regex ? p.query : escapeRegExp(p.query), p.case_sensitive ? '' : 'i');
  } catch (err) {
    throw new HeroError('HERO_INVALID', `invalid regular expression: ${(err as Error).message}`, { rpcCode: -32602 });
  }
}

/** Normalises an extension list to lower-case `.ext` entries. */
export function normaliseExtensions(exts: string[]): Set<string> {
  return new Set(exts.map((e) => (e.startsWith('.') ? e : `.${e}`).toLowerCase()));
}

/** Scans one buffer for matching lines, appending at most `room` matches. */
export function scanLines(text: string, re: RegExp, rel: string, room: number, out: SearchMatch[]): void {
  let lineNo = 0;
  let start = 0;
  while (start <= text.length && room > 0) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNo++;
    const line = text.slice(start, end).replace(/\r$/, '');
    const m = re.exec(line);
    if (m) {
      out.push({ path: rel, line: lineNo, column: m.index + 1, text: line.length > LINE_CUT ? line.slice(0, LINE_CUT) : line });
      room--;
    }
    if (end === text.length) break;
    start = end + 1;
  }
}

/** Text search over the files below a path, honouring .gitignore; results in walk order. */
export async function searchFiles(ws: Workspace, p: SearchParams, maxFileBytes: number, signal?: AbortSignal): Promise<SearchResult> {
  if (p.query === '') throw new HeroError('HERO_INVALID', 'query must not be empty', { rpcCode: -32602 });
  const re = compileQuery(p);
  const exts = normaliseExtensions(p.extensions);
  const { rel, real } = await ws.root.resolveExisting(joinRel(p.repo, p.path));
  const startRel = ws.root.relOf(real);
  // Plain case-sensitive text lets whole files be skipped with one Buffer.indexOf.
  const needle = !p.regex && p.case_sensitive ? Buffer.from(p.query, 'utf8') : undefined;
  const matches: SearchMatch[] = [];
  let scanned = 0;
  const scanFile = async (fileRel: string, clientRel: string) => {
    if (exts.size > 0 && !exts.has(path.extname(fileRel).toLowerCase())) return;
    const abs = path.join(ws.root.real, fileRel);
    let buf: Buffer;
    try {
      const st = await fs.stat(abs);
      if (st.size > maxFileBytes) return;
      buf = await fs.readFile(abs);
    } catch {
      return;
    }
    scanned++;
    if (needle && buf.indexOf(needle) === -1) return;
    if (isBinary(buf)) return;
    scanLines(buf.toString('utf8'), re, clientRel, p.max_results - matches.length, matches);
  };
  const st = await fs.stat(real);
  if (st.isFile()) {
    await scanFile(startRel, rel);
  } else if (st.isDirectory()) {
    for await (const e of walk(ws.root.real, startRel, {
      maxDepth: Infinity,
      gitignore: ws.gitignore(),
      includeIgnored: p.include_ignored,
      signal,
    })) {
      if (e.type !== 'file') continue;
      const suffix = startRel ? e.rel.slice(startRel.length + 1) : e.rel;
      await scanFile(e.rel, rel ? `${rel}/${suffix}` : suffix);
      if (matches.length >= p.max_results) return { matches, truncated: true, files_scanned: scanned };
    }
  } else {
    throw new PathRefusedError(rel, 'is neither a file nor a directory');
  }
  return { matches, truncated: false, files_scanned: scanned };
}
