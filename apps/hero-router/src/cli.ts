import { Command, InvalidArgumentError, Option } from 'commander';
import { cliSocketDir, envDefaults, formatTable, loadServiceConfig, printResult, runProgram, serveForeground } from '@hero/core/cli';
import type { ServiceSummary, ScanResult, RouterHealth } from '@hero/router/client';

const program = new Command('hero-router')
  .description('hero_router: socket discovery and the HTTP entry point of the node')
  .exitOverride()
  .showHelpAfterError(false);

function intFlag(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return n;
  };
}

program
  .command('serve', { isDefault: true })
  .description('run the router in the foreground')
  .option('--config <file>', 'TOML config file')
  .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent', 'info')
  .option('--socket-dir <dir>', 'socket directory (default $HERO_SOCKET_DIR or ~/hero/var/sockets)')
  .option('--discover-dir <dir>', 'directory of sockets to discover and route (default: the socket dir)')
  .option('--listen <host:port>', 'TCP entry point ("" disables)')
  .option('--context <ctx>', 'X-Hero-Context sent upstream')
  .option('--scan-interval <ms>', 'periodic rescan interval in ms (0: off)', intFlag('--scan-interval'))
  .option('--upstream-timeout <ms>', 'time to response headers before 504', intFlag('--upstream-timeout'))
  .action(async (o: { config?: string; logLevel: string; socketDir?: string; discoverDir?: string; listen?: string; context?: string; scanInterval?: number; upstreamTimeout?: number }) => {
    const { configSchema, run } = await import('@hero/router');
    const config = await loadServiceConfig(configSchema, {
      file: o.config,
      defaults: envDefaults(),
      flags: {
        socket_dir: o.socketDir,
        discover_dir: o.discoverDir,
        listen: o.listen,
        context: o.context,
        scan_interval_ms: o.scanInterval,
        upstream_timeout_ms: o.upstreamTimeout,
      },
    });
    await serveForeground({ service: 'hero_router', config, logLevel: o.logLevel, run });
  });

const socketDirOption = () => new Option('--socket-dir <dir>', 'socket directory (default $HERO_SOCKET_DIR or ~/hero/var/sockets)');

async function client(socketDir?: string) {
  const { RouterClient } = await import('@hero/router/client');
  return new RouterClient({ socketDir: cliSocketDir(socketDir) }, { timeoutMs: 30_000 });
}

function servicesTable(services: ServiceSummary[]): string {
  const rows = services.flatMap((s) =>
    s.sockets.map((k) => ({
      service: s.name,
      socket: k.name,
      status: k.status,
      protocol: k.protocol ?? '-',
      version: k.version ?? '-',
      methods: k.method_count,
      url: k.url,
    })),
  );
  return formatTable(rows, ['service', 'socket', 'status', 'protocol', 'version', 'methods', 'url']);
}

program
  .command('list')
  .description('list discovered services and their sockets')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (o: { socketDir?: string; json?: boolean }) => {
    const c = await client(o.socketDir);
    try {
      printResult(await c.services(), !!o.json, servicesTable);
    } finally {
      await c.close();
    }
  });

program
  .command('scan')
  .description('rescan the socket dir and probe every socket now')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (o: { socketDir?: string; json?: boolean }) => {
    const c = await client(o.socketDir);
    try {
      printResult(await c.scan(), !!o.json, (r: ScanResult) => `${servicesTable(r.services)}\n(scanned in ${r.took_ms} ms)`);
    } finally {
      await c.close();
    }
  });

program
  .command('spec <service>')
  .description("print a service's OpenRPC document (methods table without --json)")
  .option('--socket <name>', 'socket name', 'rpc')
  .addOption(socketDirOption())
  .option('--json', 'print the whole OpenRPC document')
  .action(async (service: string, o: { socket: string; socketDir?: string; json?: boolean }) => {
    const c = await client(o.socketDir);
    try {
      const doc = await c.spec(service, o.socket);
      printResult(doc, !!o.json, (d: { methods?: { name: string; summary?: string; description?: string }[] }) =>
        formatTable(
          (d.methods ?? []).map((m) => ({ method: m.name, summary: m.summary ?? m.description ?? '' })),
          ['method', 'summary'],
        ),
      );
    } finally {
      await c.close();
    }
  });

program
  .command('health')
  .description("the router's own health")
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (o: { socketDir?: string; json?: boolean }) => {
    const c = await client(o.socketDir);
    try {
      printResult(await c.health(), !!o.json, (h: RouterHealth) =>
        formatTable([{ status: h.status, version: h.version, uptime: `${h.uptime_secs}s`, listen: h.listen ?? '-', tls: h.tls, auth: h.auth, sockets: h.sockets, ...h.by_status }]),
      );
    } finally {
      await c.close();
    }
  });

await runProgram(program);
