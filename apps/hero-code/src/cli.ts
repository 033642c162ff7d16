import { Command, InvalidArgumentError, Option } from 'commander';
import { cliSocketDir, envDefaults, formatTable, loadServiceConfig, printResult, runProgram, serveForeground } from '@hero/core/cli';
import { socketPath } from '@hero/core';
import type { Context, HistoryEntry, RenderResult, Repo, SearchResult, SessionSummary, TreeResult } from '@hero/code/client';

const program = new Command('hero-code')
  .description('hero_code: code workspace, contexts and agent sessions')
  .exitOverride()
  .showHelpAfterError(false);

function intFlag(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

const collect = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

program
  .command('serve', { isDefault: true })
  .description('run hero_code in the foreground (rpc.sock and the editor UI on editor.sock)')
  .option('--config <file>', 'TOML config file')
  .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent', 'info')
  .option('--socket-dir <dir>', 'socket directory (default $HERO_SOCKET_DIR or ~/hero/var/sockets)')
  .option('--root <dir>', 'code root (default ~/code)')
  .option('--data-dir <dir>', 'where contexts and sessions are kept (default ~/hero/var/hero_code)')
  .option('--agent-command <cmd>', 'shell command run for each prompt (default "claude -p")')
  .option('--proc-socket <path>', 'hero_proc rpc socket (default <socket-dir>/hero_proc/rpc.sock)')
  .action(async (o: { config?: string; logLevel: string; socketDir?: string; root?: string; dataDir?: string; agentCommand?: string; procSocket?: string }) => {
    const { configSchema, run } = await import('@hero/code');
    const config = await loadServiceConfig(configSchema, {
      file: o.config,
      defaults: envDefaults(),
      flags: { socket_dir: o.socketDir, root: o.root, data_dir: o.dataDir, agent_command: o.agentCommand, proc_socket: o.procSocket },
    });
    await serveForeground({ service: 'hero_code', config, logLevel: o.logLevel, run });
  });

const socketDirOption = () => new Option('--socket-dir <dir>', 'socket directory (default $HERO_SOCKET_DIR or ~/hero/var/sockets)');

/** Runs `fn` with a client for hero_code's rpc.sock, closing it afterwards. */
async function withClient<T>(socketDir: string | undefined, fn: (c: import('@hero/code/client').CodeClient) => Promise<T>): Promise<T> {
  const { CodeClient } = await import('@hero/code/client');
  const c = new CodeClient(socketPath(cliSocketDir(socketDir), 'hero_code', 'rpc'), { timeoutMs: 60_000 });
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

program
  .command('repos')
  .description('list git repositories below the code root')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (o: { socketDir?: string; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => {
      const r = await c.repoList();
      printResult(r, !!o.json, (d: { root: string; repos: Repo[] }) =>
        `${formatTable(d.repos.map((x) => ({ path: x.path || '.', branch: x.branch ?? (x.head ? x.head.slice(0, 12) : '-') })), ['path', 'branch'])}\n(root ${d.root})`,
      );
    });
  });

program
  .command('tree [path]')
  .description('list files below a path (relative to the code root)')
  .option('--depth <n>', 'levels to list', intFlag('--depth'), 2)
  .option('--all', 'include .gitignored entries')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (p: string | undefined, o: { depth: number; all?: boolean; socketDir?: string; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => {
      const t = await c.repoTree({ path: p ?? '', depth: o.depth, include_ignored: !!o.all });
      printResult(t, !!o.json, (d: TreeResult) =>
        [
          ...d.entries.map((e) => `${'  '.repeat(e.depth - 1)}${e.name}${e.type === 'dir' ? '/' : e.type === 'symlink' ? ' ->' : ''}`),
          ...(d.truncated ? ['(truncated)'] : []),
        ].join('\n') || '(empty)',
      );
    });
  });

program
  .command('read <path>')
  .description('print a file')
  .addOption(socketDirOption())
  .option('--json', 'print JSON (with size and sha256)')
  .action(async (p: string, o: { socketDir?: string; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => {
      const f = await c.fileRead(p);
      if (o.json) printResult(f, true);
      else process.stdout.write(f.encoding === 'base64' ? Buffer.from(f.content, 'base64') : f.content);
    });
  });

program
  .command('search <query> [path]')
  .description('search text below a path, honouring .gitignore')
  .option('--regex', 'query is a regular expression')
  .option('-i, --ignore-case', 'case-insensitive')
  .option('--ext <list>', 'only these extensions (comma separated, repeatable)', collect)
  .option('--max <n>', 'most results', intFlag('--max'), 200)
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (q: string, p: string | undefined, o: { regex?: boolean; ignoreCase?: boolean; ext?: string[]; max: number; socketDir?: string; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => {
      const r = await c.fileSearch(q, { path: p, regex: !!o.regex, case_sensitive: !o.ignoreCase, extensions: o.ext, max_results: o.max });
      printResult(r, !!o.json, (d: SearchResult) =>
        [...d.matches.map((m) => `${m.path}:${m.line}:${m.column}: ${m.text}`), ...(d.truncated ? ['(more results not shown)'] : [])].join('\n') ||
        '(no matches)',
      );
    });
  });

const context = program.command('context').description('named contexts: selections of files rendered into one prompt');

context
  .command('list')
  .description('list contexts')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (o: { socketDir?: string; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => {
      printResult(await c.contextList(), !!o.json, (d: Context[]) =>
        formatTable(d.map((x) => ({ name: x.name, paths: x.paths.join(' '), extensions: x.extensions.join(',') || '-' })), ['name', 'paths', 'extensions']),
      );
    });
  });

context
  .command('set <name> <paths...>')
  .description('create or replace a context')
  .option('--ext <list>', 'only these extensions from directories (comma separated, repeatable)', collect)
  .option('--description <text>', 'what the context is for')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (name: string, paths: string[], o: { ext?: string[]; description?: string; socketDir?: string; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => {
      const r = await c.contextSet({ name, paths, extensions: o.ext, description: o.description });
      printResult(r, !!o.json, (d: Context) => `context ${d.name}: ${d.paths.length} path(s)`);
    });
  });

context
  .command('render <names...>')
  .description('print the rendered prompt text of one or more contexts')
  .addOption(socketDirOption())
  .option('--json', 'print JSON (files, skipped, sizes)')
  .action(async (names: string[], o: { socketDir?: string; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => {
      const r = await c.contextRender(names);
      if (o.json) return printResult(r, true);
      process.stdout.write(r.text);
      const skipped = r.skipped.length ? `, skipped ${r.skipped.map((s: RenderResult['skipped'][number]) => `${s.path} (${s.reason})`).join(', ')}` : '';
      process.stderr.write(`${r.files.length} file(s), ${r.total_bytes} bytes, ~${r.token_estimate} tokens${skipped}\n`);
    });
  });

context
  .command('delete <name>')
  .description('delete a context')
  .addOption(socketDirOption())
  .action(async (name: string, o: { socketDir?: string }) => {
    await withClient(o.socketDir, async (c) => {
      const r = await c.contextDelete(name);
      if (!r.deleted) throw Object.assign(new Error(`no context named ${name}`), { exitCode: 1 });
      process.stdout.write(`deleted ${name}\n`);
    });
  });

const session = program.command('session').description('agent sessions');

session
  .command('list')
  .description('list sessions')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (o: { socketDir?: string; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => {
      printResult(await c.sessionList(), !!o.json, (d: SessionSummary[]) =>
        formatTable(
          d.map((s) => ({ id: s.id, name: s.name, repo: s.repo || '.', contexts: s.contexts.join(',') || '-', prompts: s.prompts, last: s.last_state ?? '-' })),
          ['id', 'name', 'repo', 'contexts', 'prompts', 'last'],
        ),
      );
    });
  });

session
  .command('create <name>')
  .description('create a session')
  .option('--repo <path>', 'working directory of the agent, relative to the code root', '')
  .option('--context <list>', 'default contexts (comma separated, repeatable)', collect)
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (name: string, o: { repo: string; context?: string[]; socketDir?: string; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => {
      const s = await c.sessionCreate({ name, repo: o.repo, contexts: o.context ?? [] });
      printResult(s, !!o.json, () => s.id);
    });
  });

function entryText(e: HistoryEntry): string {
  const head = `#${e.seq} ${e.state}${e.exit_code !== null ? ` (exit ${e.exit_code})` : ''} job ${e.job_id ?? '-'} — ${e.prompt.split('\n')[0]}`;
  return [head, e.output.trimEnd(), e.stderr ? `[stderr]\n${e.stderr.trimEnd()}` : '', e.error ? `[error] ${e.error}` : '']
    .filter(Boolean)
    .join('\n');
}

session
  .command('history <session>')
  .description('prompts of a session with their jobs, states and output')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (ref: string, o: { socketDir?: string; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => {
      printResult(await c.sessionHistory(ref), !!o.json, (d: HistoryEntry[]) => d.map(entryText).join('\n\n') || '(no prompts)');
    });
  });

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const TERMINAL = ['succeeded', 'failed', 'timeout', 'cancelled', 'error'];

program
  .command('prompt <session> <text...>')
  .description('run the agent on a prompt (text "-" reads stdin); prints the job id, or the output with --wait')
  .option('--context <list>', 'contexts for this prompt instead of the session defaults (comma separated)', collect)
  .option('--wait', 'wait for the agent and print its output (exit 1 when it fails)')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (ref: string, words: string[], o: { context?: string[]; wait?: boolean; socketDir?: string; json?: boolean }) => {
    const text = words.length === 1 && words[0] === '-' ? await readStdin() : words.join(' ');
    await withClient(o.socketDir, async (c) => {
      const r = await c.sessionPrompt(ref, text, o.context);
      if (!o.wait) return printResult(r, !!o.json, () => r.job_id);
      let entry: HistoryEntry | undefined;
      for (;;) {
        entry = (await c.sessionHistory(r.session, r.seq - 1)).find((e) => e.seq === r.seq);
        if (entry && TERMINAL.includes(entry.state)) break;
        await new Promise((res) => setTimeout(res, 250));
      }
      if (o.json) printResult(entry, true);
      else {
        process.stdout.write(entry.output);
        if (entry.stderr) process.stderr.write(entry.stderr);
      }
      if (entry.state !== 'succeeded') {
        process.stderr.write(`error: job ${entry.job_id} ${entry.state}${entry.exit_code !== null ? ` (exit ${entry.exit_code})` : ''}\n`);
        process.exitCode = 1;
      }
    });
  });

program
  .command('cancel <session> [seq]')
  .description("cancel a running prompt's job (the given seq, or the latest running one)")
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (ref: string, seq: string | undefined, o: { socketDir?: string; json?: boolean }) => {
    const n = seq === undefined ? undefined : intFlag('seq')(seq);
    await withClient(o.socketDir, async (c) => {
      const r = await c.sessionCancel(ref, n);
      printResult(r, !!o.json, () => `cancelling prompt #${r.seq} (job ${r.job_id}): ${r.state}`);
    });
  });

await runProgram(program);
