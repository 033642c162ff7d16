import fs from 'node:fs/promises';
import path from 'node:path';
import { HeroError, runWithTimeLimit } from '@hero/core';
import { isBinary } from './content.js';
import { PathRefusedError, joinRel } from './path-guard.js';
import { readRegularFileSync } from './safe-read.js';
import type { SearchMatch, SearchResult } from './types.js';
import { TimeSlice } from './time-slice.js';
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
/** How long a user's regex may take over one file. */
const REGEX_FILE_MS = 1000;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** How lines are matched: a literal (found with indexOf over the whole text) or a per-line regex. */
export type Matcher = { kind: 'literal'; needle: string; ci: RegExp | undefined } | { kind: 'regex'; re: RegExp };

/** Builds the matcher; a bad user regex is a clear invalid-params error. */
export function compileQuery(p: Pick<SearchParams, 'query' | 'regex' | 'case_sensitive'>): Matcher {
  if (!p.regex) {
    return { kind: 'literal', needle: p.query, ci: p.case_sensitive ? undefined : new RegExp(escapeRegExp(p.query), 'gi') };
  }
  try {
    return { kind: 'regex', re: new RegExp(p.query, p.case_sensitive ? '' : 'i') };
  } catch (err) {
    throw new HeroError('HERO_INVALID', `invalid regular expression: ${(err as Error).message}`, { rpcCode: -32602 });
  }
}

/** Normalises an extension list to lower-case `.ext` entries. */
export function normaliseExtensions(exts: string[]): Set<string> {
  return new Set(exts.map((e) => (e.startsWith('.') ? e : `.${e}`).toLowerCase()));
}

function pushLine(out: SearchMatch[], rel: string, lineNo: number, line: string, col: number) {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  out.push({ path: rel, line: lineNo, column: col + 1, text: text.length > LINE_CUT ? text.slice(0, LINE_CUT) : text });
}

/** Scans a text for matching lines (one result per line, first match's column), appending at most `room`. */
export function scanLines(text: string, m: Matcher, rel: string, room: number, out: SearchMatch[]): void {
  if (room <= 0) return;
  if (m.kind === 'literal') {
    // Jump from hit to hit; line numbers are counted only over the text skipped.
    let lineNo = 1;
    let counted = 0;
    let from = 0;
    while (room > 0 && from <= text.length) {
      let hit: number;
      if (m.ci) {
        m.ci.lastIndex = from;
        const r = m.ci.exec(text);
        hit = r ? r.index : -1;
      } else {
        hit = text.indexOf(m.needle, from);
      }
      if (hit === -1) return;
      for (let i = text.indexOf('\n', counted); i !== -1 && i < hit; i = text.indexOf('\n', i + 1)) lineNo++;
      const lineStart = text.lastIndexOf('\n', hit - 1) + 1;
      let lineEnd = text.indexOf('\n', hit);
      if (lineEnd === -1) lineEnd = text.length;
      pushLine(out, rel, lineNo, text.slice(lineStart, lineEnd), hit - lineStart);
      room--;
      counted = lineEnd;
      from = lineEnd + 1;
    }
    return;
  }
  let lineNo = 0;
  let start = 0;
  while (start <= text.length && room > 0) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNo++;
    const line = text.slice(start, end);
    const r = m.re.exec(line);
    if (r) {
      pushLine(out, rel, lineNo, line, r.index);
      room--;
    }
    if (end === text.length) break;
    start = end + 1;
  }
}

/** Text search over the files below a path, honouring .gitignore; results in walk order. */
export async function searchFiles(ws: Workspace, p: SearchParams, maxFileBytes: number, signal?: AbortSignal): Promise<SearchResult> {
  if (p.query === '') throw new HeroError('HERO_INVALID', 'query must not be empty', { rpcCode: -32602 });
  const matcher = compileQuery(p);
  const exts = normaliseExtensions(p.extensions);
  const { rel, real } = await ws.root.resolveExisting(joinRel(p.repo, p.path));
  const startRel = ws.root.relOf(real);
  // Plain case-sensitive text lets whole files be skipped with one Buffer.indexOf.
  const needle = !p.regex && p.case_sensitive ? Buffer.from(p.query, 'utf8') : undefined;
  const matches: SearchMatch[] = [];
  let scanned = 0;
  // Synchronous reads (see TimeSlice): open, fstat, read, close without threadpool hops.
  const load = (fileRel: string): Buffer | undefined => {
    if (exts.size > 0 && !exts.has(path.extname(fileRel).toLowerCase())) return undefined;
    return readRegularFileSync(path.join(ws.root.real, fileRel), maxFileBytes);
  };
  const scan = (buf: Buffer | undefined, clientRel: string) => {
    if (!buf) return;
    scanned++;
    if (needle && buf.indexOf(needle) === -1) return;
    if (isBinary(buf)) return;
    const text = buf.toString('utf8');
    const room = p.max_results - matches.length;
    if (matcher.kind === 'literal') return scanLines(text, matcher, clientRel, room, matches);
    // a user's regex may backtrack for ever on one line: each file gets a time limit
    runWithTimeLimit(
      () => scanLines(text, matcher, clientRel, room, matches),
      REGEX_FILE_MS,
      () =>
        new HeroError('HERO_INVALID', `regular expression took over ${REGEX_FILE_MS} ms on ${clientRel}: it backtracks too much; simplify it`, {
          rpcCode: -32602,
        }),
    );
  };
  const st = await fs.stat(real);
  if (st.isFile()) {
    scan(load(startRel), rel);
  } else if (st.isDirectory()) {
    const slice = new TimeSlice();
    for await (const e of walk(ws.root.real, startRel, {
      maxDepth: Infinity,
      gitignore: ws.gitignore(),
      includeIgnored: p.include_ignored,
      signal,
    })) {
      if (e.type !== 'file') continue;
      const suffix = startRel ? e.rel.slice(startRel.length + 1) : e.rel;
      scan(load(e.rel), rel ? `${rel}/${suffix}` : suffix);
      if (matches.length >= p.max_results) return { matches, truncated: true, files_scanned: scanned };
      await slice.tick();
    }
  } else {
    throw new PathRefusedError(rel, 'is neither a file nor a directory');
  }
  return { matches, truncated: false, files_scanned: scanned };
}
