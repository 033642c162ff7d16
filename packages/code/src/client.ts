/**
 * Typed client for hero_code (`<socket_dir>/hero_code/rpc.sock`) and the wire types it shares
 * with the server. No server code lives here.
 */
import { RpcClient, type RpcClientOptions } from '@hero/core';
import type {
  Context,
  FileContent,
  FileWritten,
  HistoryEntry,
  PromptResult,
  RenderResult,
  Repo,
  SearchResult,
  Session,
  SessionSummary,
  TreeResult,
} from './types.js';

export type {
  Context,
  EntryState,
  FileContent,
  FileWritten,
  HistoryEntry,
  PromptResult,
  RenderResult,
  Repo,
  SearchMatch,
  SearchResult,
  Session,
  SessionSummary,
  TreeEntry,
  TreeResult,
} from './types.js';

export interface TreeOptions {
  repo?: string;
  path?: string;
  depth?: number;
  include_ignored?: boolean;
  max_entries?: number;
}

export interface SearchOptions {
  repo?: string;
  path?: string;
  regex?: boolean;
  case_sensitive?: boolean;
  extensions?: string[];
  include_ignored?: boolean;
  max_results?: number;
}

export interface WriteOptions {
  encoding?: 'utf8' | 'base64';
  /** sha256 the file must still have (from file.read); "" means it must not exist. */
  if_match?: string;
  create_dirs?: boolean;
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Client for hero_code's JSON-RPC API over its rpc.sock (or an http base URL). */
export class CodeClient {
  readonly rpc: RpcClient;

  constructor(target: string, opts?: RpcClientOptions) {
    this.rpc = new RpcClient(target, opts);
  }

  close(): Promise<void> {
    return this.rpc.close();
  }

  repoList(): Promise<{ root: string; repos: Repo[] }> {
    return this.rpc.call('repo.list', {});
  }
  repoTree(opts: TreeOptions = {}): Promise<TreeResult> {
    return this.rpc.call('repo.tree', defined({ ...opts }));
  }
  fileRead(path: string): Promise<FileContent> {
    return this.rpc.call('file.read', { path });
  }
  fileWrite(path: string, content: string, opts: WriteOptions = {}): Promise<FileWritten> {
    return this.rpc.call('file.write', defined({ path, content, ...opts }));
  }
  fileSearch(query: string, opts: SearchOptions = {}): Promise<SearchResult> {
    return this.rpc.call('file.search', defined({ query, ...opts }));
  }

  contextSet(ctx: { name: string; paths: string[]; extensions?: string[]; description?: string }): Promise<Context> {
    return this.rpc.call('context.set', defined({ ...ctx }));
  }
  contextGet(name: string): Promise<Context> {
    return this.rpc.call('context.get', { name });
  }
  async contextList(): Promise<Context[]> {
    return (await this.rpc.call<{ contexts: Context[] }>('context.list', {})).contexts;
  }
  contextDelete(name: string): Promise<{ deleted: boolean }> {
    return this.rpc.call('context.delete', { name });
  }
  /** Renders one context, or several in order. */
  contextRender(names: string | string[]): Promise<RenderResult> {
    return this.rpc.call('context.render', typeof names === 'string' ? { name: names } : { names });
  }

  sessionCreate(s: { name: string; repo?: string; contexts?: string[] }): Promise<Session> {
    return this.rpc.call('session.create', defined({ ...s }));
  }
  async sessionList(): Promise<SessionSummary[]> {
    return (await this.rpc.call<{ sessions: SessionSummary[] }>('session.list', {})).sessions;
  }
  sessionGet(session: string): Promise<Session> {
    return this.rpc.call('session.get', { session });
  }
  /** Starts a prompt as a hero_proc job and returns its id at once. */
  sessionPrompt(session: string, prompt: string, contexts?: string[]): Promise<PromptResult> {
    return this.rpc.call('session.prompt', defined({ session, prompt, contexts }));
  }
  /** Cancels a running prompt (the given seq, or the latest running one). */
  sessionCancel(session: string, seq?: number): Promise<PromptResult> {
    return this.rpc.call('session.cancel', defined({ session, seq }));
  }
  async sessionHistory(session: string, sinceSeq?: number): Promise<HistoryEntry[]> {
    return (await this.rpc.call<{ history: HistoryEntry[] }>('session.history', defined({ session, since_seq: sinceSeq }))).history;
  }
}
