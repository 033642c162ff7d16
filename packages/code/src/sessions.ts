import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { ConflictError, HeroError, NotFoundError, UnavailableError, type RunContext } from '@hero/core';
import type { Job, LogLine } from '@hero/proc/client';
import { agentInput, renderAgentCommand } from './agent-command.js';
import type { Contexts } from './contexts.js';
import type { JsonStore } from './json-store.js';
import { PathRefusedError, cleanRelPath } from './path-guard.js';
import { isTerminal, type ProcLink } from './proc-link.js';
import type { HistoryEntry, PromptResult, Session, SessionSummary } from './types.js';
import type { Workspace } from './workspace.js';

/** Stored form of a session. */
interface SessionDoc {
  id: string;
  name: string;
  repo: string;
  contexts: string[];
  created_at: string;
  updated_at: string;
  history: HistoryEntry[];
}

export interface SessionOptions {
  agentCommand: string;
  agentTimeoutMs: number;
  outputMaxBytes: number;
  logger?: RunContext['logger'];
}

const WAIT_CHUNK_MS = 15_000;

/** Joins log lines of one stream, keeping at most `max` bytes. */
export function collectOutput(lines: LogLine[], stream: 'stdout' | 'stderr', max: number): { text: string; truncated: boolean } {
  let text = '';
  let truncated = false;
  for (const l of lines) {
    if (l.stream !== stream) continue;
    const piece = l.line + '\n';
    if (Buffer.byteLength(text) + Buffer.byteLength(piece) > max) {
      truncated = true;
      break;
    }
    text += piece;
  }
  return { text, truncated };
}

/**
 * Agent sessions: a prompt becomes a hero_proc job (the agent command with the rendered
 * contexts and the prompt on stdin); a watcher records its end state and output. Everything
 * is persisted, and unfinished prompts are watched again after a restart.
 */
export class Sessions {
  private readonly docs = new Map<string, SessionDoc>();
  private readonly watchers = new Set<Promise<void>>();
  private readonly stop = new AbortController();

  constructor(
    private readonly store: JsonStore,
    private readonly contexts: Contexts,
    private readonly ws: Workspace,
    private readonly proc: ProcLink,
    private readonly opts: SessionOptions,
  ) {}

  /** Loads persisted sessions and resumes watching prompts that were still running. */
  async load(): Promise<void> {
    for (const k of await this.store.keys()) {
      try {
        const doc = await this.store.get<SessionDoc>(k);
        if (doc) this.docs.set(doc.id, doc);
      } catch (err) {
        // A damaged file is left on disk untouched for the operator; the other sessions load.
        this.opts.logger?.error({ err, session: k }, 'session file unreadable; skipped');
      }
    }
    for (const doc of this.docs.values()) {
      for (const e of doc.history) if (e.job_id && !isTerminal(e.state) && e.state !== 'error') this.watch(doc, e);
    }
  }

  private summary(d: SessionDoc): SessionSummary {
    const last = d.history.at(-1);
    return {
      id: d.id,
      name: d.name,
      repo: d.repo,
      contexts: d.contexts,
      created_at: d.created_at,
      updated_at: d.updated_at,
      prompts: d.history.length,
      last_state: last ? last.state : null,
    };
  }

  private save(d: SessionDoc): Promise<void> {
    d.updated_at = new Date().toISOString();
    return this.store.put(d.id, d);
  }

  /** Finds a session by id, or by name when exactly one has it. */
  private find(ref: string): SessionDoc {
    const byId = this.docs.get(ref);
    if (byId) return byId;
    const named = [...this.docs.values()].filter((d) => d.name === ref);
    if (named.length === 1) return named[0]!;
    if (named.length > 1) throw new HeroError('HERO_INVALID', `several sessions are named ${ref}; use the id`, { rpcCode: -32602 });
    throw new NotFoundError(`no session ${ref}`);
  }

  async create(p: { name: string; repo: string; contexts: string[] }): Promise<Session> {
    const repo = cleanRelPath(p.repo);
    const { real } = await this.ws.root.resolveExisting(repo);
    if (!(await fs.stat(real)).isDirectory()) throw new PathRefusedError(repo, 'is not a directory');
    for (const c of p.contexts) await this.contexts.get(c);
    const now = new Date().toISOString();
    const doc: SessionDoc = {
      id: `s-${randomBytes(5).toString('hex')}`,
      name: p.name,
      repo,
      contexts: [...new Set(p.contexts)],
      created_at: now,
      updated_at: now,
      history: [],
    };
    this.docs.set(doc.id, doc);
    await this.save(doc);
    return { ...this.summary(doc), history: [] };
  }

  list(): SessionSummary[] {
    return [...this.docs.values()].sort((a, b) => (a.created_at < b.created_at ? 1 : -1)).map((d) => this.summary(d));
  }

  async get(ref: string): Promise<Session> {
    const d = this.find(ref);
    return { ...this.summary(d), history: await this.withLiveOutput(d.history) };
  }

  async history(ref: string, sinceSeq = 0): Promise<HistoryEntry[]> {
    return this.withLiveOutput(this.find(ref).history.filter((e) => e.seq > sinceSeq));
  }

  /** Running prompts show the output so far (read from hero_proc, not stored until the end). */
  private async withLiveOutput(entries: HistoryEntry[]): Promise<HistoryEntry[]> {
    return Promise.all(
      entries.map(async (e) => {
        if (!e.job_id || isTerminal(e.state) || e.state === 'error') return e;
        const lines = await this.proc.logs(e.job_id).catch(() => undefined);
        if (!lines) return e;
        const out = collectOutput(lines, 'stdout', this.opts.outputMaxBytes);
        const err = collectOutput(lines, 'stderr', this.opts.outputMaxBytes);
        return { ...e, output: out.text, stderr: err.text, output_truncated: out.truncated || err.truncated };
      }),
    );
  }

  /** Starts the agent on `prompt` as a hero_proc job; returns the job id without waiting. */
  async prompt(ref: string, prompt: string, contextNames?: string[]): Promise<PromptResult> {
    const doc = this.find(ref);
    const names = contextNames ?? doc.contexts;
    const rendered = names.length ? await this.contexts.render(names) : undefined;
    const { real: cwd } = await this.ws.root.resolveExisting(doc.repo);
    const command = renderAgentCommand(this.opts.agentCommand, { session: doc.id, repo: doc.repo });
    const job: Job = await this.proc.create({
      name: `hero_code:${doc.id}`,
      exec: command,
      cwd,
      env: { HERO_CODE_SESSION: doc.id, HERO_CODE_REPO: doc.repo },
      stdin: agentInput(rendered?.text ?? '', prompt),
      timeout_ms: this.opts.agentTimeoutMs,
      context: 'hero_code',
    });
    const entry: HistoryEntry = {
      seq: doc.history.length + 1,
      prompt,
      contexts: names,
      job_id: job.id,
      command,
      state: job.state,
      exit_code: job.exit_code,
      output: '',
      stderr: '',
      output_truncated: false,
      error: null,
      created_at: new Date().toISOString(),
      finished_at: null,
    };
    doc.history.push(entry);
    await this.save(doc);
    this.opts.logger?.info({ session: doc.id, seq: entry.seq, job: job.id }, 'prompt started');
    this.watch(doc, entry);
    return { session: doc.id, seq: entry.seq, job_id: job.id, state: entry.state };
  }

  /** Cancels a running prompt (the given one, or the latest still running); the watcher records the end. */
  async cancel(ref: string, seq?: number): Promise<PromptResult> {
    const doc = this.find(ref);
    const entry =
      seq === undefined
        ? [...doc.history].reverse().find((e) => !isTerminal(e.state) && e.state !== 'error')
        : doc.history.find((e) => e.seq === seq);
    if (!entry) throw new NotFoundError(seq === undefined ? `session ${doc.id} has no running prompt` : `session ${doc.id} has no prompt #${seq}`);
    if (isTerminal(entry.state) || entry.state === 'error' || !entry.job_id) {
      throw new ConflictError(`prompt #${entry.seq} of session ${doc.id} already ended (${entry.state})`);
    }
    const job = await this.proc.cancel(entry.job_id);
    return { session: doc.id, seq: entry.seq, job_id: entry.job_id, state: job.state };
  }

  private watch(doc: SessionDoc, entry: HistoryEntry): void {
    const p = this.follow(doc, entry).catch(async (err: unknown) => {
      this.opts.logger?.error({ err, session: doc.id, job: entry.job_id }, 'job watcher failed');
      if (this.stop.signal.aborted) return;
      entry.state = 'error';
      entry.error = `lost track of job ${entry.job_id}: ${(err as Error).message}`;
      entry.finished_at = new Date().toISOString();
      await this.save(doc).catch(() => {});
    });
    this.watchers.add(p);
    void p.finally(() => this.watchers.delete(p));
  }

  /** Waits for the job (riding out hero_proc restarts), then records its end state and output. */
  private async follow(doc: SessionDoc, entry: HistoryEntry): Promise<void> {
    const signal = this.stop.signal;
    let backoff = 500;
    let job: Job | undefined;
    while (!signal.aborted) {
      try {
        job = await this.proc.wait(entry.job_id!, WAIT_CHUNK_MS, signal);
        backoff = 500;
        if (isTerminal(job.state)) break;
        // The terminal state is recorded only together with the output, below.
        if (job.state !== entry.state) {
          entry.state = job.state;
          await this.save(doc);
        }
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof HeroError && err.code === 'HERO_NOT_FOUND') {
          entry.state = 'error';
          entry.error = `hero_proc no longer knows job ${entry.job_id}`;
          entry.finished_at = new Date().toISOString();
          await this.save(doc);
          return;
        }
        if (!(err instanceof UnavailableError)) throw err;
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
    if (!job || !isTerminal(job.state)) return;
    let lines: LogLine[] = [];
    try {
      lines = await this.proc.logs(entry.job_id!);
    } catch (err) {
      entry.error = `output unavailable: ${(err as Error).message}`;
    }
    const out = collectOutput(lines, 'stdout', this.opts.outputMaxBytes);
    const errOut = collectOutput(lines, 'stderr', this.opts.outputMaxBytes);
    entry.output = out.text;
    entry.stderr = errOut.text;
    entry.output_truncated = out.truncated || errOut.truncated;
    entry.exit_code = job.exit_code;
    entry.state = job.state;
    if (job.error && !entry.error) entry.error = job.error;
    entry.finished_at = job.finished_at ?? new Date().toISOString();
    await this.save(doc);
    this.opts.logger?.info({ session: doc.id, seq: entry.seq, job: entry.job_id, state: job.state }, 'prompt finished');
  }

  /** Stops the watchers (jobs keep running in hero_proc; they are watched again on the next start). */
  async close(): Promise<void> {
    this.stop.abort();
    while (this.watchers.size > 0) await Promise.allSettled([...this.watchers]);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
