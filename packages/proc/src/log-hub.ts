import fs from 'node:fs/promises';
import { HeroError, runWithTimeLimit } from '@hero/core';
import type { LogLine, LogQuery, LogStream } from './client.js';
import { RotatingLogFile } from './log-file.js';
import { LogRing } from './log-ring.js';

interface Source {
  ring: LogRing;
  file: RotatingLogFile | undefined;
}

type Listener = (line: LogLine) => void;

/** `2026-01-01T00:00:00.000Z stdout text` — the on-disk line format. */
export function formatFileLine(l: LogLine): string {
  return `${l.ts} ${l.stream} ${l.line}\n`;
}

/** Parses a line written by formatFileLine (undefined for anything else). */
export function parseFileLine(text: string, source?: string): LogLine | undefined {
  const a = text.indexOf(' ');
  const b = a === -1 ? -1 : text.indexOf(' ', a + 1);
  if (b === -1) return undefined;
  const stream = text.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  return { ts: text.slice(0, a), stream, line: text.slice(b + 1), ...(source ? { source } : {}) };
}

/** How long filtering one query's lines may take (a `/regex/` can backtrack for ever). */
const GREP_MS = 2000;

/** Builds a line matcher from `grep`: `/re/flags` or a case-insensitive substring. */
export function grepMatcher(grep: string | undefined): (s: string) => boolean {
  if (!grep) return () => true;
  const m = /^\/(.*)\/([a-z]*)$/s.exec(grep);
  if (m) {
    let re: RegExp;
    try {
      re = new RegExp(m[1]!, m[2]!.replace(/[gy]/g, ''));
    } catch (err) {
      throw new HeroError('HERO_INVALID', `grep: invalid regular expression: ${(err as Error).message}`, { rpcCode: -32602 });
    }
    return (s) => re.test(s);
  }
  const needle = grep.toLowerCase();
  return (s) => s.toLowerCase().includes(needle);
}

/** Reads a log file and its rotations (oldest first) as lines. */
export async function readLogFiles(file: string, source?: string, maxRotations = 100): Promise<LogLine[]> {
  const files = [];
  for (let i = maxRotations; i >= 1; i--) files.push(`${file}.${i}`);
  files.push(file);
  const out: LogLine[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = await fs.readFile(f, 'utf8');
    } catch {
      continue;
    }
    for (const raw of text.split('\n')) {
      const l = raw ? parseFileLine(raw, source) : undefined;
      if (l) out.push(l);
    }
  }
  return out;
}

/**
 * Every captured output line goes through here: stamped, kept in a per-source ring, appended
 * to the source's rotating file (if any) and pushed to live subscribers (SSE).
 */
export class LogHub {
  private readonly sources = new Map<string, Source>();
  private readonly listeners = new Set<{ source: string | undefined; fn: Listener }>();

  constructor(private readonly ringLines: number) {}

  private get(source: string): Source {
    let s = this.sources.get(source);
    if (!s) {
      s = { ring: new LogRing(this.ringLines), file: undefined };
      this.sources.set(source, s);
    }
    return s;
  }

  /** Sends the source's lines to `file` from now on (rotating at maxBytes, keeping `keep`). */
  attachFile(source: string, file: string, maxBytes: number, keep: number): void {
    const s = this.get(source);
    if (s.file && s.file.file === file) {
      s.file.setLimits(maxBytes, keep);
      return;
    }
    s.file?.close();
    s.file = new RotatingLogFile(file, maxBytes, keep);
  }

  fileOf(source: string): string | undefined {
    return this.sources.get(source)?.file?.file;
  }

  append(source: string, stream: LogStream, line: string): void {
    const s = this.get(source);
    const l = s.ring.push({ ts: new Date().toISOString(), stream, line });
    s.file?.write(formatFileLine(l));
    if (this.listeners.size) {
      const out = { ...l, source };
      for (const sub of this.listeners) {
        if (sub.source === undefined || sub.source === source) sub.fn(out);
      }
    }
  }

  /** Live lines of one source (or all); returns the unsubscribe function. */
  subscribe(source: string | undefined, fn: Listener): () => void {
    const sub = { source, fn };
    this.listeners.add(sub);
    return () => this.listeners.delete(sub);
  }

  has(source: string): boolean {
    return this.sources.has(source);
  }

  /** Last `n` lines of a source (newer than `afterSeq`), or of every source merged by time. */
  tail(source: string | undefined, n: number, afterSeq = 0, stream?: LogStream): LogLine[] {
    if (source !== undefined) {
      const ring = this.sources.get(source)?.ring;
      if (!ring) return [];
      const lines = stream ? ring.tail(Number.MAX_SAFE_INTEGER, afterSeq).filter((l) => l.stream === stream) : ring.tail(n, afterSeq);
      return lines.slice(Math.max(0, lines.length - n));
    }
    const all: LogLine[] = [];
    for (const [name, s] of this.sources) for (const l of s.ring.tail(n)) if (!stream || l.stream === stream) all.push({ ...l, source: name });
    all.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
    return all.slice(Math.max(0, all.length - n));
  }

  /**
   * Searches lines: for one source with a log file, the file and its rotations (oldest first);
   * otherwise the ring buffers. Returns the newest `limit` matches, oldest first.
   */
  async query(q: LogQuery & { limit: number }): Promise<LogLine[]> {
    const match = grepMatcher(q.grep);
    const keep = (l: LogLine) =>
      (!q.stream || l.stream === q.stream) && (!q.since || l.ts >= q.since) && (!q.until || l.ts <= q.until) && match(l.line);
    // a `/regex/` may backtrack for ever on one line: the filtering gets a time limit
    const filter = (all: LogLine[]) =>
      runWithTimeLimit(
        () => all.filter(keep),
        GREP_MS,
        () => new HeroError('HERO_INVALID', `grep took over ${GREP_MS} ms: the regular expression backtracks too much; simplify it`, { rpcCode: -32602 }),
      );
    let lines: LogLine[];
    const file = q.source ? this.fileOf(q.source) : undefined;
    if (q.source && file) {
      this.flush(q.source);
      lines = filter(await readLogFiles(file, q.source));
    } else {
      lines = filter(this.tail(q.source, Number.MAX_SAFE_INTEGER));
      if (q.source) lines = lines.map((l) => ({ ...l, source: q.source }));
    }
    return lines.slice(Math.max(0, lines.length - q.limit));
  }

  /** Writes the source's queued file lines now. */
  flush(source: string): void {
    this.sources.get(source)?.file?.flush();
  }

  /** Forgets a source (closing its file). */
  drop(source: string): void {
    this.sources.get(source)?.file?.close();
    this.sources.delete(source);
  }

  /** Flushes and closes every file. */
  close(): void {
    for (const s of this.sources.values()) s.file?.close();
    this.listeners.clear();
  }
}
