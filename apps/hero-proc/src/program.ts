/**
 * hero-proc: run hero_proc in the foreground (`serve`, the default) or talk to a running one
 * through `<socket_dir>/hero_proc/rpc.sock`.
 */
import http from 'node:http';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, RpcError, loadToml, socketPath } from '@hero/core';
import { cliSocketDir, envDefaults, EXIT_USAGE, formatTable, loadServiceConfig, printResult, runProgram, serveForeground } from '@hero/core/cli';
import type { Job, LogLine, ProcClient, Schedule, ServiceStats, ServiceStatus } from '@hero/proc/client';

const program = new Command('hero-proc')
  .description('hero_proc: keeps services running, runs jobs and cron schedules, stores secrets')
  .exitOverride()
  .showHelpAfterError(false);

function intFlag(name: string, min = 0) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

function collectEnv(v: string, prev: Record<string, string> = {}) {
  const i = v.indexOf('=');
  if (i <= 0) throw new InvalidArgumentError(`--env expects KEY=VALUE, got "${v}"`);
  return { ...prev, [v.slice(0, i)]: v.slice(i + 1) };
}

interface ServeFlags {
  config?: string;
  logLevel: string;
  socketDir?: string;
  dataDir?: string;
  configDir?: string;
}

program
  .command('serve', { isDefault: true })
  .description('run hero_proc in the foreground')
  .option('--config <file>', 'TOML config file (keys of @hero/proc configSchema)')
  .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent', 'info')
  .option('--socket-dir <dir>', 'socket directory (default $HERO_SOCKET_DIR or ~/hero/var/sockets)')
  .option('--data-dir <dir>', 'state, logs, job history and secrets (default ~/hero/var/hero_proc)')
  .option('--config-dir <dir>', 'service definitions <name>.toml (default ~/hero/cfg/proc)')
  .action(async (o: ServeFlags) => {
    const { configSchema, run } = await import('@hero/proc');
    const config = await loadServiceConfig(configSchema, {
      file: o.config,
      defaults: envDefaults(),
      flags: { socket_dir: o.socketDir, data_dir: o.dataDir, config_dir: o.configDir },
    });
    await serveForeground({ service: 'hero_proc', config, logLevel: o.logLevel, run });
  });

const socketDirOption = () => new Option('--socket-dir <dir>', 'socket directory (default $HERO_SOCKET_DIR or ~/hero/var/sockets)');

function rpcSocket(socketDir: string | undefined): string {
  return socketPath(cliSocketDir(socketDir), 'hero_proc', 'rpc');
}

async function withClient<T>(socketDir: string | undefined, fn: (c: ProcClient) => Promise<T>): Promise<T> {
  const { ProcClient } = await import('@hero/proc/client');
  const c = new ProcClient(rpcSocket(socketDir), { timeoutMs: 60_000 });
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

const mem = (b: number) => (b >= 1 << 30 ? `${(b / (1 << 30)).toFixed(1)}G` : b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(1)}M` : `${Math.round(b / 1024)}K`);
const dur = (ms: number) => {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60}s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h${m % 60}m` : `${Math.floor(h / 24)}d`;
};
const fmtLine = (l: LogLine) => `${l.ts} ${l.stream === 'stderr' ? 'ERR' : 'OUT'} ${l.line}`;

type Row = ServiceStatus & { stats?: ServiceStats };

program
  .command('list')
  .description('every service with state, pid, cpu, memory and restarts')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (o: { socketDir?: string; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => {
      const services = await c.serviceList();
      const rows: Row[] = await Promise.all(
        services.map(async (s) => (s.pid ? { ...s, stats: await c.serviceStats(s.name).catch(() => undefined) } : s)),
      );
      printResult(rows, !!o.json, (d: Row[]) =>
        formatTable(
          d.map((s) => ({
            name: s.name,
            state: s.state,
            pid: s.pid,
            cpu: s.stats ? `${s.stats.cpu_percent}%` : null,
            mem: s.stats ? mem(s.stats.rss_bytes) : null,
            uptime: s.stats ? dur(s.stats.uptime_ms) : null,
            restarts: s.restarts,
            info: s.error,
          })),
        ),
      );
    });
  });

program
  .command('status')
  .description('status and resource use of one service')
  .argument('<service>')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (name: string, o: { socketDir?: string; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => {
      const s = await c.serviceStatus(name);
      const stats = s.pid ? await c.serviceStats(name).catch(() => undefined) : undefined;
      const out = { ...s, ...(stats ? { cpu_percent: stats.cpu_percent, rss_bytes: stats.rss_bytes, children: stats.children, uptime_ms: stats.uptime_ms } : {}) };
      printResult(out, !!o.json, (d: Record<string, unknown>) => formatTable(Object.entries(d).map(([key, value]) => ({ key, value })), ['key', 'value']));
    });
  });

for (const verb of ['start', 'stop', 'restart'] as const) {
  program
    .command(verb)
    .description(`${verb} a service${verb === 'start' ? ' (and its dependencies)' : verb === 'stop' ? ' (its whole process group)' : ''}`)
    .argument('<service>')
    .addOption(socketDirOption())
    .option('--json', 'print JSON')
    .action(async (name: string, o: { socketDir?: string; json?: boolean }) => {
      await withClient(o.socketDir, async (c) => {
        const s = verb === 'start' ? await c.serviceStart(name) : verb === 'stop' ? await c.serviceStop(name) : await c.serviceRestart(name);
        printResult(s, !!o.json, (d: ServiceStatus) => `${d.name}: ${d.state}${d.pid ? ` (pid ${d.pid})` : ''}${d.error ? ` — ${d.error}` : ''}`);
        if (s.state === 'failed') process.exitCode = 1;
      });
    });
}

program
  .command('set')
  .description('create or replace a service from a TOML file (stored as <config_dir>/<name>.toml)')
  .argument('<file>', 'TOML service definition; name defaults to the file name')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (file: string, o: { socketDir?: string; json?: boolean }) => {
    const spec = await loadToml(file);
    if (spec.name === undefined) spec.name = file.replace(/^.*\//, '').replace(/\.toml$/, '');
    await withClient(o.socketDir, async (c) => {
      const d = await c.call<{ status: ServiceStatus; file: string }>('service.set', spec);
      printResult(d, !!o.json, () => `${d.status.name}: ${d.status.state} (${d.file})`);
    });
  });

program
  .command('delete')
  .description('stop a service and remove its definition')
  .argument('<service>')
  .addOption(socketDirOption())
  .action(async (name: string, o: { socketDir?: string }) => {
    await withClient(o.socketDir, async (c) => {
      await c.serviceDelete(name);
      process.stdout.write(`${name}: deleted\n`);
    });
  });

/** Streams SSE log events from rpc.sock until the process is interrupted. */
function follow(sock: string, source: string, backlog: number, onLine: (l: LogLine) => void): { done: Promise<void>; stop: () => void } {
  let req: http.ClientRequest | undefined;
  const done = new Promise<void>((resolve, reject) => {
    req = http.get({ socketPath: sock, path: `/logs/stream?source=${encodeURIComponent(source)}&lines=${backlog}` }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`log stream: HTTP ${res.statusCode}`));
        res.resume();
        return;
      }
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
        let i;
        while ((i = buf.indexOf('\n\n')) !== -1) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          for (const line of block.split('\n')) if (line.startsWith('data: ')) onLine(JSON.parse(line.slice(6)) as LogLine);
        }
      });
      res.on('end', () => resolve());
      res.on('error', () => resolve());
    });
    req.on('error', (err) => reject(new Error(`cannot reach ${sock}: ${err.message}`)));
  });
  return { done, stop: () => req?.destroy() };
}

program
  .command('logs')
  .description('recent output of a service; -f keeps following')
  .argument('<service>')
  .addOption(socketDirOption())
  .option('-n, --lines <n>', 'lines to show', intFlag('--lines', 1), 100)
  .option('-f, --follow', 'keep printing new lines')
  .option('--grep <text>', 'only lines containing text (or /regex/)')
  .option('--json', 'print JSON lines')
  .action(async (name: string, o: { socketDir?: string; lines: number; follow?: boolean; grep?: string; json?: boolean }) => {
    const print = (l: LogLine) => process.stdout.write(o.json ? `${JSON.stringify(l)}\n` : `${fmtLine(l)}\n`);
    if (o.follow) {
      await withClient(o.socketDir, (c) => c.serviceStatus(name));
      const f = follow(rpcSocket(o.socketDir), `svc:${name}`, o.lines, print);
      const stop = () => f.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await f.done.catch(() => {});
      return;
    }
    await withClient(o.socketDir, async (c) => {
      const { lines } = o.grep ? await c.logQuery({ source: `svc:${name}`, grep: o.grep, limit: o.lines }) : await c.serviceLogs(name, { lines: o.lines });
      for (const l of lines) print(l);
    });
  });

const job = program.command('job').description('one-off jobs');

interface RunFlags {
  socketDir?: string;
  exec?: string;
  name?: string;
  cwd?: string;
  env?: Record<string, string>;
  timeout?: number;
  retries?: number;
  context?: string;
  stdin?: boolean;
  detach?: boolean;
  json?: boolean;
}

job
  .command('run')
  .description('run a command as a job, print its output and exit with its status (hero-proc job run -- make test)')
  .argument('[cmd...]', 'argument vector (after --)')
  .addOption(socketDirOption())
  .option('--exec <shell>', 'a shell command line instead of an argv')
  .option('--name <name>', 'job name')
  .option('--cwd <dir>', 'working directory')
  .option('--env <KEY=VALUE>', 'environment variable (repeatable)', collectEnv)
  .option('--timeout <ms>', 'kill the job after this long', intFlag('--timeout', 1))
  .option('--retries <n>', 'extra attempts after a failure', intFlag('--retries'))
  .option('--context <name>', 'context label (and secret context)')
  .option('--stdin', "pass this program's stdin to the job")
  .option('-d, --detach', 'print the job id and return at once')
  .option('--json', 'print the finished job as JSON')
  .action(async (cmd: string[], o: RunFlags) => {
    if (!o.exec && cmd.length === 0) throw Object.assign(new Error('job run needs a command (after --) or --exec'), { exitCode: EXIT_USAGE });
    if (o.exec && cmd.length) throw Object.assign(new Error('give either --exec or a command, not both'), { exitCode: EXIT_USAGE });
    const stdin = o.stdin ? await readStdin() : undefined;
    await withClient(o.socketDir, async (c) => {
      const j = await c.jobCreate({
        ...(o.exec ? { exec: o.exec } : { cmd }),
        name: o.name,
        cwd: o.cwd,
        env: o.env,
        timeout_ms: o.timeout,
        retries: o.retries,
        context: o.context,
        stdin,
      });
      if (o.detach) {
        printResult(j, !!o.json, (d: Job) => d.id);
        return;
      }
      let printed = 0;
      const f = o.json ? undefined : follow(rpcSocket(o.socketDir), `job:${j.id}`, 100_000, (l) => {
        printed++;
        (l.stream === 'stderr' ? process.stderr : process.stdout).write(`${l.line}\n`);
      });
      f?.done.catch(() => {});
      const onSig = () => void c.jobCancel(j.id).catch(() => {});
      process.once('SIGINT', onSig);
      const done = await c.jobWait(j.id);
      process.off('SIGINT', onSig);
      f?.stop();
      if (!o.json) {
        // whatever the stream missed (the job ended before it connected) comes from the log file
        const { lines } = await c.jobLogs(j.id);
        for (const l of lines.slice(printed)) (l.stream === 'stderr' ? process.stderr : process.stdout).write(`${l.line}\n`);
      }
      if (o.json) printResult(done, true);
      else if (done.state !== 'succeeded') process.stderr.write(`job ${done.id} ${done.state}${done.error ? `: ${done.error}` : ''}\n`);
      if (done.state !== 'succeeded') process.exitCode = 1;
    });
  });

job
  .command('list')
  .description('recent jobs, newest first')
  .addOption(socketDirOption())
  .option('--state <state>', 'only jobs in this state')
  .option('--limit <n>', 'how many', intFlag('--limit', 1), 50)
  .option('--json', 'print JSON')
  .action(async (o: { socketDir?: string; state?: string; limit: number; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => {
      const jobs = await c.jobList({ state: o.state as Job['state'] | undefined, limit: o.limit });
      printResult(jobs, !!o.json, (d: Job[]) => formatTable(d as unknown as Record<string, unknown>[], ['id', 'name', 'state', 'exit_code', 'attempts', 'created_at']));
    });
  });

job
  .command('get')
  .description('one job')
  .argument('<id>')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (id: string, o: { socketDir?: string; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => {
      printResult(await c.jobGet(id), !!o.json, (d: Job) => formatTable(Object.entries(d).map(([key, value]) => ({ key, value })), ['key', 'value']));
    });
  });

job
  .command('logs')
  .description("a job's output")
  .argument('<id>')
  .addOption(socketDirOption())
  .option('--json', 'print JSON lines')
  .action(async (id: string, o: { socketDir?: string; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => {
      for (const l of (await c.jobLogs(id)).lines) process.stdout.write(o.json ? `${JSON.stringify(l)}\n` : `${fmtLine(l)}\n`);
    });
  });

job
  .command('cancel')
  .description('cancel a job (its whole process group)')
  .argument('<id>')
  .addOption(socketDirOption())
  .action(async (id: string, o: { socketDir?: string }) => {
    await withClient(o.socketDir, async (c) => {
      const j = await c.jobCancel(id);
      process.stdout.write(`${j.id}: ${j.state}\n`);
    });
  });

const schedule = program.command('schedule').description('cron schedules that create jobs');

schedule
  .command('set')
  .description('create or replace a schedule: hero-proc schedule set nightly "0 3 * * *" --exec "backup.sh"')
  .argument('<name>')
  .argument('<cron>')
  .argument('[cmd...]', 'argument vector (after --)')
  .addOption(socketDirOption())
  .option('--exec <shell>', 'a shell command line instead of an argv')
  .option('--timezone <tz>', 'IANA time zone')
  .option('--timeout <ms>', 'job timeout', intFlag('--timeout', 1))
  .option('--json', 'print JSON')
  .action(async (name: string, cron: string, cmd: string[], o: { socketDir?: string; exec?: string; timezone?: string; timeout?: number; json?: boolean }) => {
    if (!o.exec && cmd.length === 0) throw Object.assign(new Error('schedule set needs a command (after --) or --exec'), { exitCode: EXIT_USAGE });
    await withClient(o.socketDir, async (c) => {
      const s = await c.scheduleSet({ name, cron, timezone: o.timezone, job: { ...(o.exec ? { exec: o.exec } : { cmd }), timeout_ms: o.timeout } });
      printResult(s, !!o.json, (d: Schedule) => `${d.name}: next run ${d.next_run ?? '-'}`);
    });
  });

schedule
  .command('list')
  .description('every schedule')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (o: { socketDir?: string; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => {
      printResult(await c.scheduleList(), !!o.json, (d: Schedule[]) => formatTable(d as unknown as Record<string, unknown>[], ['name', 'cron', 'enabled', 'next_run', 'last_job']));
    });
  });

schedule
  .command('delete')
  .description('remove a schedule')
  .argument('<name>')
  .addOption(socketDirOption())
  .action(async (name: string, o: { socketDir?: string }) => {
    await withClient(o.socketDir, async (c) => {
      const r = await c.scheduleDelete(name);
      if (!r.deleted) throw new Error(`schedule "${name}" not found`);
      process.stdout.write(`${name}: deleted\n`);
    });
  });

const secret = program.command('secret').description('per-context secrets (values never logged)');

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

secret
  .command('set')
  .description('store a secret; without <value> it is read from stdin (keeps it out of shell history)')
  .argument('<key>')
  .argument('[value]')
  .addOption(socketDirOption())
  .option('--context <name>', 'secret context', 'default')
  .action(async (key: string, value: string | undefined, o: { socketDir?: string; context: string }) => {
    const v = value ?? (await readStdin()).replace(/\r?\n$/, '');
    await withClient(o.socketDir, async (c) => {
      await c.secretSet(key, v, o.context);
      process.stdout.write(`${o.context}/${key}: set\n`);
    });
  });

secret
  .command('get')
  .description('print a secret value')
  .argument('<key>')
  .addOption(socketDirOption())
  .option('--context <name>', 'secret context', 'default')
  .action(async (key: string, o: { socketDir?: string; context: string }) => {
    await withClient(o.socketDir, async (c) => {
      process.stdout.write(`${await c.secretGet(key, o.context)}\n`);
    });
  });

secret
  .command('list')
  .description('secret keys (never values)')
  .addOption(socketDirOption())
  .option('--context <name>', 'only this context')
  .option('--json', 'print JSON')
  .action(async (o: { socketDir?: string; context?: string; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => {
      printResult(await c.secretList(o.context), !!o.json, (d: { context: string; key: string }[]) => formatTable(d, ['context', 'key']));
    });
  });

secret
  .command('delete')
  .description('remove a secret')
  .argument('<key>')
  .addOption(socketDirOption())
  .option('--context <name>', 'secret context', 'default')
  .action(async (key: string, o: { socketDir?: string; context: string }) => {
    await withClient(o.socketDir, async (c) => {
      const r = await c.secretDelete(key, o.context);
      if (!r.deleted) throw new Error(`secret "${key}" not found in context "${o.context}"`);
      process.stdout.write(`${o.context}/${key}: deleted\n`);
    });
  });

program
  .command('info')
  .description('version, pid, uptime and counts (system.info)')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (o: { socketDir?: string; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => {
      printResult(await c.info(), !!o.json, (d: Record<string, unknown>) => formatTable(Object.entries(d).map(([key, value]) => ({ key, value })), ['key', 'value']));
    });
  });

// the server rejecting what the user typed is a usage error
await runProgram(program, process.argv, (err) =>
  err instanceof RpcError && (err.rpcCode === -32602 || err.code === 'HERO_CONFIG') ? new ConfigError(err.message) : err,
);
