import { z } from 'zod';

// Wire types shared by the server and the client. Schemas here; the client imports types only.

export const repoSchema = z.object({
  name: z.string().describe('Directory name of the repository'),
  path: z.string().describe('Path relative to the code root ("" when the root itself is a repository)'),
  branch: z.string().nullable().describe('Checked-out branch, null when detached or unknown'),
  head: z.string().nullable().describe('Commit id when HEAD is detached'),
});
export type Repo = z.output<typeof repoSchema>;

export const treeEntrySchema = z.object({
  path: z.string(),
  name: z.string(),
  type: z.enum(['file', 'dir', 'symlink', 'other']),
  depth: z.number().int(),
  size: z.number().int().nullable(),
});
export type TreeEntry = z.output<typeof treeEntrySchema>;

export const treeResultSchema = z.object({
  path: z.string(),
  entries: z.array(treeEntrySchema),
  truncated: z.boolean(),
});
export type TreeResult = z.output<typeof treeResultSchema>;

export const fileContentSchema = z.object({
  path: z.string(),
  content: z.string(),
  encoding: z.enum(['utf8', 'base64']),
  size: z.number().int(),
  mtime_ms: z.number().int(),
  sha256: z.string(),
});
export type FileContent = z.output<typeof fileContentSchema>;

export const fileWrittenSchema = z.object({
  path: z.string(),
  size: z.number().int(),
  mtime_ms: z.number().int(),
  sha256: z.string(),
  created: z.boolean(),
});
export type FileWritten = z.output<typeof fileWrittenSchema>;

export const searchMatchSchema = z.object({
  path: z.string(),
  line: z.number().int().describe('1-based line number'),
  column: z.number().int().describe('1-based column of the first match on the line'),
  text: z.string().describe('The line (cut at 400 characters)'),
});
export type SearchMatch = z.output<typeof searchMatchSchema>;

export const searchResultSchema = z.object({
  matches: z.array(searchMatchSchema),
  truncated: z.boolean().describe('True when max_results was reached'),
  files_scanned: z.number().int(),
});
export type SearchResult = z.output<typeof searchResultSchema>;

export const contextNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-", at most 64, starting with a letter or digit');

export const contextSchema = z.object({
  name: contextNameSchema,
  description: z.string().max(2000).default(''),
  paths: z.array(z.string()).max(1000).describe('Files or directories relative to the code root'),
  extensions: z
    .array(z.string().regex(/^\.?[A-Za-z0-9_+-]{1,20}$/))
    .max(100)
    .default([])
    .describe('When not empty, only files with these extensions are taken from directories (named files always count)'),
  updated_at: z.string(),
});
export type Context = z.output<typeof contextSchema>;

export const renderedFileSchema = z.object({ path: z.string(), bytes: z.number().int() });
export const skippedFileSchema = z.object({
  path: z.string(),
  reason: z.enum(['binary', 'not_found', 'not_a_file', 'refused']),
});

export const renderResultSchema = z.object({
  names: z.array(z.string()),
  text: z.string(),
  files: z.array(renderedFileSchema),
  skipped: z.array(skippedFileSchema),
  total_bytes: z.number().int(),
  token_estimate: z.number().int(),
});
export type RenderResult = z.output<typeof renderResultSchema>;

export const jobStateSchema = z.enum(['pending', 'running', 'succeeded', 'failed', 'timeout', 'cancelled', 'error']);
export type EntryState = z.output<typeof jobStateSchema>;

export const historyEntrySchema = z.object({
  seq: z.number().int().describe('1-based position in the session'),
  prompt: z.string(),
  contexts: z.array(z.string()),
  job_id: z.string().nullable(),
  command: z.string(),
  state: jobStateSchema.describe('hero_proc job state; "error" when hero_code lost track of the job'),
  exit_code: z.number().int().nullable(),
  output: z.string().describe('stdout of the agent'),
  stderr: z.string(),
  output_truncated: z.boolean(),
  error: z.string().nullable(),
  created_at: z.string(),
  finished_at: z.string().nullable(),
});
export type HistoryEntry = z.output<typeof historyEntrySchema>;

export const sessionSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  repo: z.string().describe('Working directory of the agent, relative to the code root'),
  contexts: z.array(z.string()),
  created_at: z.string(),
  updated_at: z.string(),
  prompts: z.number().int(),
  last_state: jobStateSchema.nullable(),
});
export type SessionSummary = z.output<typeof sessionSummarySchema>;

export const sessionSchema = sessionSummarySchema.extend({ history: z.array(historyEntrySchema) });
export type Session = z.output<typeof sessionSchema>;

export const promptResultSchema = z.object({
  session: z.string(),
  seq: z.number().int(),
  job_id: z.string(),
  state: jobStateSchema,
});
export type PromptResult = z.output<typeof promptResultSchema>;

export const TERMINAL_STATES: readonly EntryState[] = ['succeeded', 'failed', 'timeout', 'cancelled', 'error'];
