import { method } from '@hero/core';
import { z } from 'zod';
import type { Contexts } from './contexts.js';
import { searchFiles } from './search.js';
import type { Sessions } from './sessions.js';
import {
  contextNameSchema,
  contextSchema,
  fileContentSchema,
  fileWrittenSchema,
  historyEntrySchema,
  promptResultSchema,
  renderResultSchema,
  repoSchema,
  searchResultSchema,
  sessionSchema,
  sessionSummarySchema,
  treeResultSchema,
} from './types.js';
import type { Workspace } from './workspace.js';

const relPath = z.string().max(4096);

export interface MethodDeps {
  ws: Workspace;
  contexts: Contexts;
  sessions: Sessions;
  searchMaxFileBytes: number;
}

/** Every hero_code JSON-RPC method (served on rpc.sock and, for the web UI, on editor.sock). */
export function codeMethods({ ws, contexts, sessions, searchMaxFileBytes }: MethodDeps) {
  return {
    'repo.list': method({
      summary: 'Git repositories below the code root',
      params: z.object({}),
      result: z.object({ root: z.string(), repos: z.array(repoSchema) }),
      handler: async () => ({ root: ws.root.real, repos: await ws.repos() }),
    }),
    'repo.tree': method({
      summary: 'Files and directories below a path (repo and/or path, relative to the root)',
      params: z.object({
        repo: relPath.optional().describe('Repository path (joined before `path`)'),
        path: relPath.optional().describe('Directory relative to the repository or root'),
        depth: z.number().int().min(1).max(64).default(1).describe('Levels to list (1 = direct children)'),
        include_ignored: z.boolean().default(false).describe('Also list .gitignored entries'),
        max_entries: z.number().int().min(1).max(100_000).default(5000),
      }),
      result: treeResultSchema,
      handler: (p) => ws.tree(p),
    }),
    'file.read': method({
      summary: 'Reads a file (UTF-8, or base64 when binary) with its sha256 version tag',
      params: z.object({ path: relPath }),
      result: fileContentSchema,
      handler: ({ path }) => ws.read(path),
    }),
    'file.write': method({
      summary: 'Writes a file atomically; if_match (a sha256 from file.read) guards against lost updates',
      params: z.object({
        path: relPath,
        content: z.string(),
        encoding: z.enum(['utf8', 'base64']).default('utf8'),
        if_match: z.string().optional().describe('sha256 the file must still have ("" = must not exist)'),
        create_dirs: z.boolean().default(true).describe('Create missing parent directories'),
      }),
      result: fileWrittenSchema,
      handler: (p) => ws.write(p),
    }),
    'file.search': method({
      summary: 'Text search with file/line results, honouring .gitignore',
      params: z.object({
        query: z.string().min(1).max(1000),
        repo: relPath.optional(),
        path: relPath.optional(),
        regex: z.boolean().default(false).describe('Treat query as a JavaScript regular expression'),
        case_sensitive: z.boolean().default(true),
        extensions: z.array(z.string()).max(100).default([]).describe('Only files with these extensions'),
        include_ignored: z.boolean().default(false),
        max_results: z.number().int().min(1).max(10_000).default(200),
      }),
      result: searchResultSchema,
      handler: (p, call) => searchFiles(ws, p, searchMaxFileBytes, call.signal),
    }),
    'context.set': method({
      summary: 'Creates or replaces a named context (a selection of files and directories)',
      params: z.object({
        name: contextNameSchema,
        paths: z.array(relPath).max(1000),
        extensions: z.array(z.string().regex(/^\.?[A-Za-z0-9_+-]{1,20}$/, 'an extension such as ts or .ts')).max(100).default([]),
        description: z.string().max(2000).default(''),
      }),
      result: contextSchema,
      handler: (p) => contexts.set(p),
    }),
    'context.get': method({
      params: z.object({ name: contextNameSchema }),
      result: contextSchema,
      handler: ({ name }) => contexts.get(name),
    }),
    'context.list': method({
      params: z.object({}),
      result: z.object({ contexts: z.array(contextSchema) }),
      handler: async () => ({ contexts: await contexts.list() }),
    }),
    'context.delete': method({
      params: z.object({ name: contextNameSchema }),
      result: z.object({ deleted: z.boolean() }),
      handler: async ({ name }) => ({ deleted: await contexts.delete(name) }),
    }),
    'context.render': method({
      summary: 'Renders contexts into one prompt text: headers and contents, size and token estimate',
      params: z.object({
        name: contextNameSchema.optional().describe('One context'),
        names: z.array(contextNameSchema).max(50).optional().describe('Several contexts, rendered in order'),
      }),
      result: renderResultSchema,
      handler: ({ name, names }) => contexts.render([...(name ? [name] : []), ...(names ?? [])]),
    }),
    'session.create': method({
      summary: 'Creates an agent session working in a repository with default contexts',
      params: z.object({
        name: z.string().min(1).max(200),
        repo: relPath.default('').describe('Working directory of the agent, relative to the root'),
        contexts: z.array(contextNameSchema).max(50).default([]),
      }),
      result: sessionSchema,
      handler: (p) => sessions.create(p),
    }),
    'session.list': method({
      params: z.object({}),
      result: z.object({ sessions: z.array(sessionSummarySchema) }),
      handler: () => ({ sessions: sessions.list() }),
    }),
    'session.get': method({
      params: z.object({ session: z.string().min(1).describe('Session id (or its unique name)') }),
      result: sessionSchema,
      handler: ({ session }) => sessions.get(session),
    }),
    'session.prompt': method({
      summary: 'Runs the agent command on a prompt as a hero_proc job; returns the job id at once',
      params: z.object({
        session: z.string().min(1),
        prompt: z.string().min(1).max(1_000_000),
        contexts: z.array(contextNameSchema).max(50).optional().describe("Contexts for this prompt (default: the session's)"),
      }),
      result: promptResultSchema,
      handler: ({ session, prompt, contexts: names }) => sessions.prompt(session, prompt, names),
    }),
    'session.cancel': method({
      summary: "Cancels a running prompt's job (the given seq, or the latest running one)",
      params: z.object({ session: z.string().min(1), seq: z.number().int().min(1).optional() }),
      result: promptResultSchema,
      handler: ({ session, seq }) => sessions.cancel(session, seq),
    }),
    'session.history': method({
      summary: 'Prompts of a session with their job ids, states, exit codes and output',
      params: z.object({ session: z.string().min(1), since_seq: z.number().int().min(0).default(0) }),
      result: z.object({ history: z.array(historyEntrySchema) }),
      handler: async ({ session, since_seq }) => ({ history: await sessions.history(session, since_seq) }),
    }),
  };
}
