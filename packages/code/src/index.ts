import pkg from '../package.json' with { type: 'json' };
import path from 'node:path';
import {
  HeroError,
  ensureDir,
  expandHome,
  serveRpc,
  serveUi,
  socketPath,
  toHeroError,
  type HttpListener,
  type RunContext,
  type ServiceInfo,
} from '@hero/core';
import type { Config } from './config.js';
import { Contexts } from './contexts.js';
import { editorPage } from './editor-page.js';
import { editorRoutes } from './editor-routes.js';
import { JsonStore } from './json-store.js';
import { codeMethods } from './methods.js';
import { CodeRoot } from './path-guard.js';
import { ProcLink } from './proc-link.js';
import { Sessions } from './sessions.js';
import { Workspace } from './workspace.js';

export { configSchema, type Config } from './config.js';
export { CodeClient } from './client.js';
export { PathRefusedError, cleanRelPath } from './path-guard.js';
export type * from './types.js';

export const SERVICE = 'hero_code';
export const VERSION: string = pkg.version;

const info: ServiceInfo = {
  name: SERVICE,
  title: 'Hero code',
  version: VERSION,
  description: 'Code workspace, contexts and agent sessions',
};

/** Runs hero_code until `signal` aborts: rpc.sock (JSON-RPC) and editor.sock (web UI). */
export async function run(config: Config, signal: AbortSignal, ctx: RunContext = {}): Promise<void> {
  if (signal.aborted) return;
  const log = ctx.logger;
  const socketDir = path.resolve(expandHome(config.socket_dir));
  const dataDir = path.resolve(expandHome(config.data_dir));
  const rpcSock = socketPath(socketDir, SERVICE, 'rpc');
  const editorSock = socketPath(socketDir, SERVICE, 'editor');
  const procSock = config.proc_socket ? path.resolve(expandHome(config.proc_socket)) : socketPath(socketDir, 'hero_proc', 'rpc');

  const cleanups: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    const errors: unknown[] = [];
    for (const c of cleanups.reverse()) await c().catch((e: unknown) => errors.push(e));
    cleanups.length = 0;
    for (const err of errors) log?.error({ err }, 'close step failed');
  };

  try {
    const root = await CodeRoot.open(path.resolve(expandHome(config.root)));
    await ensureDir(path.join(dataDir, 'contexts'));
    await ensureDir(path.join(dataDir, 'sessions'));
    const ws = new Workspace(root, { repoDepth: config.repo_depth, readMaxBytes: config.read_max_bytes });
    const contextStore = new JsonStore(path.join(dataDir, 'contexts'));
    const sessionStore = new JsonStore(path.join(dataDir, 'sessions'));
    cleanups.push(() => contextStore.flush(), () => sessionStore.flush());
    const contexts = new Contexts(contextStore, ws, config.render_max_bytes);
    const proc = new ProcLink(procSock, config.proc_timeout_ms);
    cleanups.push(() => proc.close());
    const sessions = new Sessions(sessionStore, contexts, ws, proc, {
      agentCommand: config.agent_command,
      agentTimeoutMs: config.agent_timeout_ms,
      outputMaxBytes: config.output_max_bytes,
      logger: log,
    });
    cleanups.push(() => sessions.close());
    await sessions.load();

    const methods = codeMethods({ ws, contexts, sessions, searchMaxFileBytes: config.search_max_file_bytes });
    const rpc = await serveRpc({ info, methods, logger: log, socket: { path: rpcSock, service: SERVICE } });
    cleanups.push(() => rpc.close());
    const editor: HttpListener = await serveUi({
      info: { ...info, title: 'Hero code editor' },
      html: editorPage,
      routes: editorRoutes(rpc),
      socket: { path: editorSock, service: SERVICE },
      socketName: 'editor',
    });
    cleanups.push(() => editor.close());

    if (signal.aborted) return;
    log?.info({ root: root.real, data_dir: dataDir, proc_socket: procSock }, 'serving');
    ctx.onReady?.({ service: SERVICE, sockets: { rpc: rpcSock, editor: editorSock } });
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  } catch (err) {
    throw err instanceof HeroError ? err : toHeroError(err);
  } finally {
    await closeAll();
  }
}
