import os from 'node:os';
import { cmd, CommandTable, type CommandDef } from '../command.js';
import { globMatch } from '../glob.js';
import type { Reply } from '../reply.js';
import type { Session } from '../session.js';
import { HERO_DB_VERSION, REDIS_VERSION } from '../version.js';
import { E } from './util.js';

function flushdb(all: boolean) {
  return (c: Session, argv: string[], r: Reply): void => {
    if (argv.length > 2 || (argv.length === 2 && !['async', 'sync'].includes(argv[1]!.toLowerCase()))) {
      r.error(E.SYNTAX);
      return;
    }
    c.engine.flush(all ? undefined : c.db);
    if (all) c.engine.persistence?.afterFlushAll?.();
    r.ok();
  };
}

/** INFO text for the requested sections (Redis's `# Section` / `key:value` CRLF format). */
export function infoText(c: Session, sections: string[]): string {
  const eng = c.engine;
  const want = new Set(sections.map((s) => s.toLowerCase()));
  const all = want.size === 0 || want.has('all') || want.has('everything') || want.has('default');
  const mem = process.memoryUsage();
  const uptime = Math.floor((Date.now() - eng.started) / 1000);
  const blocked = [...eng.sessions.values()].filter((s) => s.blocked).length;
  const p = eng.persistence?.info() ?? {};
  const out: string[] = [];
  const section = (name: string, rows: [string, string | number][]) => {
    if (!all && !want.has(name.toLowerCase())) return;
    if (out.length) out.push('');
    out.push(`# ${name}`);
    for (const [k, v] of rows) out.push(`${k}:${v}`);
  };
  section('Server', [
    ['redis_version', REDIS_VERSION],
    ['hero_db_version', HERO_DB_VERSION],
    ['redis_mode', 'standalone'],
    ['os', `${os.type()} ${os.release()} ${os.arch()}`],
    ['arch_bits', 64],
    ['process_id', process.pid],
    ['run_id', eng.runId],
    ['tcp_port', eng.config.params.get('port') ?? '0'],
    ['uptime_in_seconds', uptime],
    ['uptime_in_days', Math.floor(uptime / 86400)],
    ['hz', 10],
    ['executable', 'hero-db'],
  ]);
  section('Clients', [
    ['connected_clients', eng.sessions.size],
    ['maxclients', eng.config.maxclients],
    ['blocked_clients', blocked],
    ['pubsub_clients', [...eng.sessions.values()].filter((s) => s.subscriptions > 0).length],
  ]);
  section('Memory', [
    ['used_memory', mem.heapUsed],
    ['used_memory_human', `${(mem.heapUsed / 1048576).toFixed(2)}M`],
    ['used_memory_rss', mem.rss],
    ['used_memory_peak', mem.heapTotal],
    ['maxmemory', 0],
    ['maxmemory_policy', eng.config.params.get('maxmemory-policy') ?? 'noeviction'],
  ]);
  section('Persistence', [
    ['loading', 0],
    ['async_loading', 0],
    ['rdb_changes_since_last_save', p.rdb_changes_since_last_save ?? eng.dirty],
    ['rdb_bgsave_in_progress', p.rdb_bgsave_in_progress ?? 0],
    ['rdb_last_save_time', p.rdb_last_save_time ?? Math.floor(eng.started / 1000)],
    ['rdb_last_bgsave_status', p.rdb_last_bgsave_status ?? 'ok'],
    ['aof_enabled', p.aof_enabled ?? 0],
    ['aof_rewrite_in_progress', p.aof_rewrite_in_progress ?? 0],
    ['aof_last_bgrewrite_status', p.aof_last_bgrewrite_status ?? 'ok'],
    ['aof_last_write_status', p.aof_last_write_status ?? 'ok'],
    ...(p.aof_current_size !== undefined ? ([['aof_current_size', p.aof_current_size], ['aof_base_size', p.aof_base_size ?? 0]] as [string, number][]) : []),
  ]);
  section('Stats', [
    ['total_connections_received', eng.stats.connections],
    ['total_commands_processed', eng.stats.commands],
    ['rejected_connections', eng.stats.rejectedConnections],
    ['expired_keys', eng.stats.expiredKeys],
    ['evicted_keys', 0],
    ['keyspace_hits', eng.stats.keyspaceHits],
    ['keyspace_misses', eng.stats.keyspaceMisses],
    ['pubsub_channels', eng.channels.size],
    ['pubsub_patterns', eng.patterns.size],
    ['total_net_input_bytes', eng.stats.inputBytes],
    ['total_net_output_bytes', eng.stats.outputBytes],
  ]);
  section('Replication', [
    ['role', 'master'],
    ['connected_slaves', 0],
    ['master_replid', eng.runId],
    ['master_repl_offset', 0],
  ]);
  const cpu = process.cpuUsage();
  section('CPU', [
    ['used_cpu_sys', (cpu.system / 1e6).toFixed(6)],
    ['used_cpu_user', (cpu.user / 1e6).toFixed(6)],
  ]);
  section('Keyspace', eng.dbs
    .filter((d) => d.size > 0)
    .map((d) => [`db${d.id}`, `keys=${d.size},expires=${d.volatile.size},avg_ttl=0`] as [string, string]));
  // Redis answers an empty string when no section matched.
  return out.length === 0 ? '' : out.join('\r\n') + '\r\n';
}

function info(c: Session, argv: string[], r: Reply): void {
  r.verbatim(infoText(c, argv.slice(1)));
}

function configGet(c: Session, argv: string[], r: Reply): void {
  const out: [string, string][] = [];
  const seen = new Set<string>();
  for (let i = 2; i < argv.length; i++) {
    const pat = argv[i]!.toLowerCase();
    for (const [k, v] of c.engine.config.params) {
      if (!seen.has(k) && globMatch(pat, k)) {
        seen.add(k);
        out.push([k, v]);
      }
    }
  }
  r.map(out.length);
  for (const [k, v] of out) {
    r.bulk(k);
    r.bulk(v);
  }
}

const SETTABLE = new Set([
  'requirepass',
  'appendfsync',
  'save',
  'maxmemory-policy',
  'maxmemory',
  'notify-keyspace-events',
  'timeout',
  'proto-max-bulk-len',
  'maxclients',
  'auto-aof-rewrite-percentage',
  'auto-aof-rewrite-min-size',
  'hz',
  'lua-time-limit',
  'busy-reply-threshold',
  'slowlog-log-slower-than',
  'slowlog-max-len',
]);

function configSet(c: Session, argv: string[], r: Reply): void {
  if (argv.length % 2 !== 0) {
    r.error(`ERR wrong number of arguments for 'config|set' command`);
    return;
  }
  const pairs: [string, string][] = [];
  for (let i = 2; i < argv.length; i += 2) {
    const k = argv[i]!.toLowerCase();
    if (!SETTABLE.has(k) || !c.engine.config.params.has(k)) {
      r.error(`ERR Unknown option or number of arguments for CONFIG SET - '${argv[i]}'`);
      return;
    }
    pairs.push([k, argv[i + 1]!]);
  }
  for (const [k, v] of pairs) {
    const err = c.engine.setParam(k, v);
    if (err) {
      r.error(`ERR CONFIG SET failed (possibly related to argument '${k}') - ${err}`);
      return;
    }
  }
  r.ok();
}

/** COMMAND INFO-style description of one command. */
function describe(r: Reply, d: CommandDef): void {
  r.array(10);
  r.bulk(CommandTable.fullName(d));
  r.int(d.arity);
  r.set(d.flags.length);
  for (const f of d.flags) r.simple(f);
  r.int(d.first);
  r.int(d.last);
  r.int(d.step);
  r.set(0);
  r.set(0);
  r.array(0);
  const subs = d.subcommands ?? [];
  r.array(subs.length);
  for (const s of subs) describe(r, s);
}

const commandSub: CommandDef[] = [
  cmd('count', 2, 'loading stale', [0, 0, 0], (c, _a, r) => r.int(c.engine.table.list.length)),
  cmd('info', -2, 'loading stale', [0, 0, 0], (c, a, r) => {
    const names = a.length === 2 ? c.engine.table.list.map((d) => d.name) : a.slice(2);
    r.array(names.length);
    for (const n of names) {
      const d = c.engine.table.get(n);
      if (d) describe(r, d);
      else r.nil();
    }
  }),
  cmd('docs', -2, 'loading stale', [0, 0, 0], (c, a, r) => {
    const defs = a.length === 2 ? c.engine.table.list : a.slice(2).map((n) => c.engine.table.get(n)).filter((d): d is CommandDef => !!d);
    r.map(defs.length);
    for (const d of defs) {
      r.bulk(d.name);
      r.map(2);
      r.bulk('summary');
      r.bulk(`${d.name.toUpperCase()} command`);
      r.bulk('group');
      r.bulk('generic');
    }
  }),
  cmd('list', -2, 'loading stale', [0, 0, 0], (c, _a, r) => {
    r.array(c.engine.table.list.length);
    for (const d of c.engine.table.list) r.bulk(d.name);
  }),
  cmd('help', 2, 'loading stale', [0, 0, 0], (_c, _a, r) => {
    const lines = ['COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:', '(no subcommand)', 'COUNT', 'DOCS [<command-name> ...]', 'INFO [<command-name> ...]', 'LIST', 'HELP'];
    r.array(lines.length);
    for (const l of lines) r.simple(l);
  }),
];

function command(c: Session, argv: string[], r: Reply): void {
  if (argv.length === 1) {
    r.array(c.engine.table.list.length);
    for (const d of c.engine.table.list) describe(r, d);
  }
}

function persistenceCall(fn: (c: Session, r: Reply) => void) {
  return (c: Session, _argv: string[], r: Reply): void => {
    if (!c.engine.persistence) {
      r.error('ERR persistence is disabled');
      return;
    }
    fn(c, r);
  };
}

function swapdb(c: Session, argv: string[], r: Reply): void {
  const a = Number(argv[1]);
  const b = Number(argv[2]);
  if (!/^-?\d+$/.test(argv[1]!)) {
    r.error('ERR invalid first DB index');
    return;
  }
  if (!/^-?\d+$/.test(argv[2]!)) {
    r.error('ERR invalid second DB index');
    return;
  }
  if (a < 0 || b < 0 || a >= c.engine.dbs.length || b >= c.engine.dbs.length) {
    r.error(E.DBRANGE);
    return;
  }
  c.engine.swapDbs(a, b);
  r.ok();
}

export const serverCommands: CommandDef[] = [
  cmd('info', -1, 'loading stale sentinel', [0, 0, 0], info),
  cmd('dbsize', 1, 'readonly fast', [0, 0, 0], (c, _a, r) => r.int(c.db.size)),
  cmd('flushdb', -1, 'write', [0, 0, 0], flushdb(false)),
  cmd('flushall', -1, 'write', [0, 0, 0], flushdb(true)),
  cmd('swapdb', 3, 'write fast', [0, 0, 0], swapdb),
  cmd('time', 1, 'loading stale fast', [0, 0, 0], (_c, _a, r) => {
    const now = Date.now();
    const us = Math.floor((performance.timeOrigin + performance.now()) * 1000) % 1000000;
    r.array(2);
    r.bulk(String(Math.floor(now / 1000)));
    r.bulk(String(us));
  }),
  cmd('lastsave', 1, 'loading stale fast', [0, 0, 0], (c, _a, r) => r.int(c.engine.persistence?.lastSave() ?? Math.floor(c.engine.started / 1000))),
  cmd('save', 1, 'admin noscript no_async_loading no_multi', [0, 0, 0], persistenceCall((c, r) => {
    try {
      c.engine.persistence!.save();
      r.ok();
    } catch {
      r.error('ERR');
    }
  })),
  cmd('bgsave', -1, 'admin noscript no_async_loading', [0, 0, 0], persistenceCall((c, r) => {
    if (c.engine.persistence!.bgInProgress()) {
      r.error('ERR Background save already in progress');
      return;
    }
    void c.engine.persistence!.bgsave().catch(() => {});
    r.simple('Background saving started');
  })),
  cmd('bgrewriteaof', 1, 'admin noscript no_async_loading', [0, 0, 0], persistenceCall((c, r) => {
    if (c.engine.persistence!.info().aof_enabled !== 1) {
      r.error('ERR AOF is disabled');
      return;
    }
    const busy = c.engine.persistence!.bgInProgress();
    void c.engine.persistence!.bgrewriteaof().catch(() => {});
    r.simple(busy ? 'Background append only file rewriting scheduled' : 'Background append only file rewriting started');
  })),
  cmd('role', 1, 'noscript loading stale fast', [0, 0, 0], (_c, _a, r) => {
    r.array(3);
    r.bulk('master');
    r.int(0);
    r.array(0);
  }),
  cmd('wait', 3, 'noscript', [0, 0, 0], (_c, _a, r) => r.int(0)),
  cmd('config', -2, '', [0, 0, 0], undefined, [
    cmd('get', -3, 'admin noscript loading stale', [0, 0, 0], configGet),
    cmd('set', -4, 'admin noscript loading stale', [0, 0, 0], configSet),
    cmd('resetstat', 2, 'admin noscript loading stale', [0, 0, 0], (c, _a, r) => {
      c.engine.resetStats();
      r.ok();
    }),
    cmd('rewrite', 2, 'admin noscript loading stale', [0, 0, 0], (_c, _a, r) => r.error('ERR The server is running without a config file')),
    cmd('help', 2, 'loading stale', [0, 0, 0], (_c, _a, r) => {
      const lines = ['CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:', 'GET <pattern>', 'SET <directive> <value>', 'RESETSTAT', 'REWRITE', 'HELP'];
      r.array(lines.length);
      for (const l of lines) r.simple(l);
    }),
  ]),
  cmd('command', -1, 'loading stale', [0, 0, 0], command, commandSub),
];
