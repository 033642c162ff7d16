import { cmd, CommandTable, type CommandDef } from '../command.js';
import type { Engine } from '../engine.js';
import type { Reply } from '../reply.js';
import type { Session } from '../session.js';
import { BUSY_ERROR, ScriptEngine, type ScriptCommand, type ScriptHost } from './engine.js';
import { evalCommand, scriptCommand } from './scripting.js';
import { writeValue, type Value } from './value.js';

/** Commands a script may not call (Redis marks them `noscript`; listed for those that are not). */
const NO_SCRIPT = new Set([
  'eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'script', 'multi', 'exec', 'discard', 'watch', 'unwatch',
  'subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe', 'monitor',
  'sync', 'psync', 'quit', 'reset', 'hello', 'auth', 'shutdown', 'save', 'bgsave', 'bgrewriteaof',
]);

/** Commands other clients may still run while a script is past its time limit. */
const ALLOWED_WHILE_BUSY = new Set(['auth', 'hello', 'shutdown', 'script|kill', 'function|kill', 'quit']);

const engines = new WeakMap<Engine, ScriptEngine>();

/** The Lua engine of a database engine (created on first use). */
export function scriptsOf(engine: Engine): ScriptEngine {
  let s = engines.get(engine);
  if (s === undefined) {
    s = new ScriptEngine();
    engines.set(engine, s);
  }
  // busy-reply-threshold and its old name lua-time-limit are one setting in Redis.
  const a = engine.config.params.get('busy-reply-threshold') ?? '5000';
  const b = engine.config.params.get('lua-time-limit') ?? '5000';
  const limit = Number(a !== '5000' ? a : b);
  s.timeLimitMs = Number.isFinite(limit) && limit > 0 ? limit : 5000;
  return s;
}

/** The BUSY error for a command arriving while a script runs past its limit, or null. */
export function busyGate(engine: Engine, def: CommandDef): string | null {
  const s = engines.get(engine);
  if (s === undefined || !s.busy) return null;
  return ALLOWED_WHILE_BUSY.has(CommandTable.fullName(def)) ? null : BUSY_ERROR;
}

function hostFor(c: Session): ScriptHost {
  const engine = c.engine;
  return {
    command(name: string): ScriptCommand | undefined {
      const def = engine.table.get(name);
      if (def === undefined) return undefined;
      return {
        arity: def.arity,
        write: def.flags.includes('write'),
        noScript: def.flags.includes('noscript') || NO_SCRIPT.has(def.name),
      };
    },
    exec(argv: string[], reply: Reply): void {
      let def = engine.table.get(argv[0]!)!;
      if (def.subs) {
        const sub = argv.length > 1 ? def.subs.get(argv[1]!.toLowerCase()) : undefined;
        if (sub === undefined) {
          reply.error(`ERR unknown subcommand '${(argv[1] ?? '').slice(0, 128)}'. Try ${def.name.toUpperCase()} HELP.`);
          return;
        }
        if (sub.flags.includes('noscript')) {
          reply.error('ERR This Redis command is not allowed from script');
          return;
        }
        if ((sub.arity > 0 && argv.length !== sub.arity) || argv.length < -sub.arity) {
          reply.error('ERR Wrong number of args calling Redis command from script');
          return;
        }
        def = sub;
      }
      const inExec = engine.inExec;
      engine.inExec = true;
      try {
        engine.call(c, def, argv, reply);
      } finally {
        engine.inExec = inExec;
      }
    },
  };
}

function evalHandler(c: Session, argv: string[], r: Reply): void {
  const engine = c.engine;
  const scripts = scriptsOf(engine);
  const db = c.db;
  let sync = true;
  let result: Value | null = null;
  // Like Redis 7, a script's writes reach the AOF as one MULTI/EXEC block, so a crash can never
  // leave half a script applied. Inside EXEC the transaction already wraps them.
  const sink = engine.inExec ? null : engine.sink;
  const effects: { db: number; argv: string[] }[] = [];
  const collector = (d: number, a: string[]): void => {
    effects.push({ db: d, argv: a });
  };
  if (sink !== null) engine.sink = collector;
  evalCommand(scripts, argv, hostFor(c), !engine.inExec, (v) => {
    c.db = db;
    if (sink !== null && engine.sink === collector) {
      engine.sink = sink;
      if (effects.length === 1) sink(effects[0]!.db, effects[0]!.argv);
      else if (effects.length > 1) {
        sink(effects[0]!.db, ['MULTI']);
        for (const e of effects) sink(e.db, e.argv);
        sink(effects[effects.length - 1]!.db, ['EXEC']);
      }
    }
    if (sync) {
      result = v;
      return;
    }
    // The script ran past the time limit: the client was parked, answer it now.
    engine.unblock(c);
    c.out.proto = c.proto;
    writeValue(c.out, v);
    engine.handleReady();
    c.transport?.flush();
    engine.flushPending();
    c.transport?.resume();
  });
  sync = false;
  if (result !== null) {
    writeValue(r, result);
    return;
  }
  engine.block(c, [], 0, () => false, () => {});
}

function scriptHandler(c: Session, argv: string[], r: Reply): void {
  scriptCommand(scriptsOf(c.engine), argv, r);
}

/** EVAL/EVALSHA/EVAL_RO/EVALSHA_RO and SCRIPT, in the command table's format. */
export const scriptingCommands: CommandDef[] = [
  cmd('eval', -3, 'noscript skip_monitor may_replicate no_mandatory_keys stale', [0, 0, 0], evalHandler),
  cmd('evalsha', -3, 'noscript skip_monitor may_replicate no_mandatory_keys stale', [0, 0, 0], evalHandler),
  cmd('eval_ro', -3, 'readonly noscript skip_monitor no_mandatory_keys stale', [0, 0, 0], evalHandler),
  cmd('evalsha_ro', -3, 'readonly noscript skip_monitor no_mandatory_keys stale', [0, 0, 0], evalHandler),
  cmd('script', -2, '', [0, 0, 0], undefined, [
    cmd('load', 3, 'noscript stale', [0, 0, 0], scriptHandler),
    cmd('exists', -3, 'noscript stale', [0, 0, 0], scriptHandler),
    cmd('flush', -2, 'noscript', [0, 0, 0], scriptHandler),
    cmd('kill', 2, 'noscript allow_busy', [0, 0, 0], scriptHandler),
    cmd('help', 2, 'loading stale', [0, 0, 0], scriptHandler),
  ]),
];
