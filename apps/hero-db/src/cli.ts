import { Command, InvalidArgumentError, Option } from 'commander';
import { cliSocketDir, envDefaults, formatTable, loadServiceConfig, printResult, runProgram, serveForeground } from '@hero/core/cli';
import { socketPath } from '@hero/core';
import type { DbClient, DbInfo, DbListEntry, ServerStats } from '@hero/db/client';

const program = new Command('hero-db')
  .description('hero_db: a Redis-compatible database (RESP on resp.sock and TCP, admin JSON-RPC on rpc.sock)')
  .exitOverride()
  .showHelpAfterError(false);

const FSYNC = ['always', 'everysec', 'no'];

function choice(name: string, values: string[]) {
  return (v: string) => {
    if (!values.includes(v)) throw new InvalidArgumentError(`${name} must be one of ${values.join(', ')}`);
    return v;
  };
}

function intFlag(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

interface ServeFlags {
  config?: string;
  logLevel: string;
  socketDir?: string;
  dataDir?: string;
  tcp?: string;
  requirepass?: string;
  databases?: number;
  appendonly?: string;
  appendfsync?: string;
  save?: string;
}

program
  .command('serve', { isDefault: true })
  .description('run hero_db in the foreground')
  .option('--config <file>', 'TOML config file')
  .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent', 'info')
  .option('--socket-dir <dir>', 'socket directory (default $HERO_SOCKET_DIR or ~/hero/var/sockets)')
  .option('--data-dir <dir>', 'data directory (default ~/hero/var/hero_db)')
  .option('--tcp <host:port>', 'RESP TCP listener (default 127.0.0.1:6378; "" disables)')
  .option('--requirepass <password>', 'require AUTH with this password')
  .option('--databases <n>', 'number of databases (default 16)', intFlag('--databases'))
  .option('--appendonly <yes|no>', 'log writes to the append-only file (default yes)', choice('--appendonly', ['yes', 'no']))
  .option('--appendfsync <policy>', 'always|everysec|no (default everysec)', choice('--appendfsync', FSYNC))
  .option('--save <rules>', 'snapshot rules "<secs> <changes> ..." ("" disables)')
  .action(async (o: ServeFlags) => {
    const { configSchema, run } = await import('@hero/db');
    const config = await loadServiceConfig(configSchema, {
      file: o.config,
      defaults: envDefaults(),
      flags: {
        socket_dir: o.socketDir,
        data_dir: o.dataDir,
        tcp: o.tcp,
        requirepass: o.requirepass,
        databases: o.databases,
        appendonly: o.appendonly === undefined ? undefined : o.appendonly === 'yes',
        appendfsync: o.appendfsync,
        save: o.save,
      },
    });
    await serveForeground({ service: 'hero_db', config, logLevel: o.logLevel, run });
  });

const socketDirOption = () => new Option('--socket-dir <dir>', 'socket directory (default $HERO_SOCKET_DIR or ~/hero/var/sockets)');

async function withClient<T>(socketDir: string | undefined, fn: (c: DbClient) => Promise<T>): Promise<T> {
  const { DbClient } = await import('@hero/db/client');
  const c = new DbClient(socketPath(cliSocketDir(socketDir), 'hero_db', 'rpc'), { timeoutMs: 30_000 });
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

program
  .command('info')
  .description('server overview (db.info)')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (o: { socketDir?: string; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => {
      printResult(await c.info(), !!o.json, (d: DbInfo) =>
        formatTable(Object.entries(d).map(([key, value]) => ({ key, value })), ['key', 'value']),
      );
    });
  });

program
  .command('list')
  .description('key counts per database (db.list)')
  .addOption(socketDirOption())
  .option('--all', 'include empty databases')
  .option('--json', 'print JSON')
  .action(async (o: { socketDir?: string; json?: boolean; all?: boolean }) => {
    await withClient(o.socketDir, async (c) => {
      const rows = (await c.list()).filter((d) => o.all || o.json || d.keys > 0);
      printResult(rows, !!o.json, (d: DbListEntry[]) => formatTable(d as unknown as Record<string, unknown>[], ['db', 'keys', 'expires']));
    });
  });

program
  .command('save')
  .description('write a snapshot now (db.save)')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (o: { socketDir?: string; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => {
      printResult(await c.save(), !!o.json, (d: { last_save: number }) => `saved at ${new Date(d.last_save * 1000).toISOString()}`);
    });
  });

program
  .command('stats')
  .description('server counters (server.stats)')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (o: { socketDir?: string; json?: boolean }) => {
    await withClient(o.socketDir, async (c) => {
      printResult(await c.stats(), !!o.json, (d: ServerStats) => {
        const { commands, ...rest } = d;
        return `${formatTable(Object.entries(rest).map(([key, value]) => ({ key, value })), ['key', 'value'])}\n\n${formatTable(commands.slice(0, 20), ['name', 'calls'])}`;
      });
    });
  });

await runProgram(program);
