import { Command, InvalidArgumentError, Option } from 'commander';
import { cliSocketDir, envDefaults, formatTable, loadServiceConfig, printResult, runProgram, serveForeground } from '@hero/core/cli';
import { socketPath } from '@hero/core';
import type { Job, JobResultOrPending, JobStatusInfo, RunnerStatus, SupervisorClient } from '@hero/supervisor/client';

const program = new Command('hero-supervisor')
  .description('hero_supervisor: distributed jobs and runners')
  .exitOverride()
  .showHelpAfterError(false);

function intFlag(name: string, min = 1) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
    return n;
  };
}

function envFlag(v: string, prev: Record<string, string> = {}) {
  const i = v.indexOf('=');
  if (i <= 0) throw new InvalidArgumentError(`--env expects KEY=VALUE, got "${v}"`);
  return { ...prev, [v.slice(0, i)]: v.slice(i + 1) };
}

program
  .command('serve', { isDefault: true })
  .description('run hero_supervisor in the foreground (rpc.sock, optional TCP, optional bus)')
  .option('--config <file>', 'TOML config file')
  .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent', 'info')
  .option('--socket-dir <dir>', 'socket directory (default $HERO_SOCKET_DIR or ~/hero/var/sockets)')
  .option('--redis-url <url>', 'redis://…, unix:///path or a socket path (default hero_db resp.sock)')
  .option('--namespace <ns>', 'Redis key prefix (default hero)')
  .option('--tcp <host:port>', 'also serve JSON-RPC on TCP (e.g. 127.0.0.1:3030)')
  .option('--bus', 'serve JSON-RPC over the Mycelium bus (topic supervisor.rpc)')
  .action(async (o: { config?: string; logLevel: string; socketDir?: string; redisUrl?: string; namespace?: string; tcp?: string; bus?: boolean }) => {
    const { configSchema, run } = await import('@hero/supervisor');
    const config = await loadServiceConfig(configSchema, {
      file: o.config,
      defaults: envDefaults(),
      flags: { socket_dir: o.socketDir, redis_url: o.redisUrl, namespace: o.namespace, tcp: o.tcp, bus: o.bus },
    });
    await serveForeground({ service: 'hero_supervisor', config, logLevel: o.logLevel, run });
  });

const clientOptions = (cmd: Command) =>
  cmd
    .addOption(new Option('--socket-dir <dir>', 'socket directory (default $HERO_SOCKET_DIR or ~/hero/var/sockets)'))
    .addOption(new Option('--secret <secret>', 'caller secret').env('HERO_SUPERVISOR_SECRET'))
    .option('--json', 'print JSON');

interface ClientFlags {
  socketDir?: string;
  secret?: string;
  json?: boolean;
}

/** Runs `fn` with a client for hero_supervisor's rpc.sock, closing it afterwards. */
async function withClient<T>(o: ClientFlags, fn: (c: SupervisorClient) => Promise<T>): Promise<T> {
  const { SupervisorClient } = await import('@hero/supervisor/client');
  const c = new SupervisorClient(socketPath(cliSocketDir(o.socketDir), 'hero_supervisor', 'rpc'), { secret: o.secret || undefined });
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

function printOutcome(r: JobResultOrPending, json: boolean): void {
  if (json) return printResult(r, true);
  if ('success' in r) process.stdout.write(r.success);
  else if ('error' in r) {
    process.stderr.write(`error: ${r.error}\n`);
    process.exitCode = 1;
  } else process.stdout.write(`${r.pending}\n`);
}

clientOptions(program.command('runners').description('list runners with their state and queue depth')).action(async (o: ClientFlags) => {
  await withClient(o, async (c) => {
    const rows = await c.getAllRunnerStatus();
    printResult(rows, !!o.json, (d: RunnerStatus[]) =>
      formatTable(d as unknown as Record<string, unknown>[], ['name', 'manager', 'state', 'pid', 'restarts', 'instances', 'queued', 'processing']),
    );
  });
});

clientOptions(program.command('jobs').description('list jobs, newest first'))
  .option('--runner <name>', 'only this runner')
  .option('--status <status>', 'only this status')
  .option('--limit <n>', 'at most n jobs', intFlag('--limit'), 50)
  .action(async (o: ClientFlags & { runner?: string; status?: string; limit: number }) => {
    await withClient(o, async (c) => {
      const jobs = await c.listJobs({ runner: o.runner, status: o.status as Job['status'] | undefined, limit: o.limit });
      printResult(jobs, !!o.json, (d: Job[]) =>
        formatTable(
          d.map((j) => ({ id: j.id, runner: j.runner, status: j.status, attempts: j.attempts, created: j.created_at, payload: j.payload.replace(/\s+/g, ' ').slice(0, 40) })),
        ),
      );
    });
  });

clientOptions(program.command('run <runner> <payload>').description('run a job and print its output (exit 1 when it fails)'))
  .option('--executor <name>', 'bash, sh, node or python3', 'bash')
  .option('--timeout <secs>', 'seconds the job may run (0 = no limit)', intFlag('--timeout', 0))
  .option('--env <KEY=VALUE>', 'environment variable (repeatable)', envFlag)
  .option('--detach', 'queue it and print the job id without waiting')
  .action(async (runner: string, payload: string, o: ClientFlags & { executor: string; timeout?: number; env?: Record<string, string>; detach?: boolean }) => {
    await withClient(o, async (c) => {
      const job = { runner, payload, executor: o.executor, timeout: o.timeout, env_vars: o.env ?? {} };
      if (o.detach) {
        const id = await c.createJob(job, { start: true });
        return printResult({ job_id: id }, !!o.json, () => id);
      }
      printOutcome(await c.runJob(job), !!o.json);
    });
  });

clientOptions(program.command('status <id>').description('show a job\'s status')).action(async (id: string, o: ClientFlags) => {
  await withClient(o, async (c) => {
    const s = await c.jobStatus(id);
    printResult(s, !!o.json, (d: JobStatusInfo) => formatTable([d as unknown as Record<string, unknown>]));
  });
});

clientOptions(program.command('result <id>').description('print a job\'s output (exit 1 when it failed)'))
  .option('--wait <secs>', 'wait up to secs for it to end', intFlag('--wait', 0), 0)
  .action(async (id: string, o: ClientFlags & { wait: number }) => {
    await withClient(o, async (c) => printOutcome(await c.jobResult(id, o.wait), !!o.json));
  });

await runProgram(program);
