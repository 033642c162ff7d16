import type { Reply } from '../reply.js';
import { parseInt64 } from '../numbers.js';
import type { ScriptEngine, ScriptHost } from './engine.js';
import { writeValue, type Value } from './value.js';

const NOSCRIPT = 'NOSCRIPT No matching script. Please use EVAL.';

/**
 * EVAL, EVALSHA, EVAL_RO and EVALSHA_RO (`argv[0]` picks which). `done` receives the reply:
 * synchronously unless the script runs past the time limit.
 */
export function evalCommand(
  engine: ScriptEngine,
  argv: string[],
  host: ScriptHost,
  canYield: boolean,
  done: (v: Value) => void,
): void {
  const name = argv[0]!.toLowerCase();
  const bySha = name.startsWith('evalsha');
  const readOnly = name.endsWith('_ro');
  const n = parseInt64(argv[2]!);
  if (n === null) return done({ t: 'error', v: 'ERR value is not an integer or out of range' });
  if (n < 0) return done({ t: 'error', v: "ERR Number of keys can't be negative" });
  if (n > argv.length - 3) return done({ t: 'error', v: "ERR Number of keys can't be greater than number of args" });
  const k = Number(n);
  let sha: string;
  if (bySha) {
    sha = argv[1]!.toLowerCase();
    if (sha.length !== 40 || !engine.has(sha)) return done({ t: 'error', v: NOSCRIPT });
  } else {
    const loaded = engine.load(argv[1]!);
    if ('error' in loaded) return done({ t: 'error', v: loaded.error });
    sha = loaded.sha;
  }
  const req = { keys: argv.slice(3, 3 + k), args: argv.slice(3 + k), readOnly, host, canYield };
  if (!engine.run(sha, req, done)) done({ t: 'error', v: NOSCRIPT });
}

/** SCRIPT LOAD|EXISTS|FLUSH|KILL|HELP. */
export function scriptCommand(engine: ScriptEngine, argv: string[], out: Reply): void {
  const sub = argv[1]!.toLowerCase();
  const arity = (ok: boolean): boolean => {
    if (!ok) out.error(`ERR wrong number of arguments for 'script|${sub}' command`);
    return ok;
  };
  switch (sub) {
    case 'load': {
      if (!arity(argv.length === 3)) return;
      const r = engine.load(argv[2]!);
      if ('error' in r) out.error(r.error);
      else out.bulk(r.sha);
      return;
    }
    case 'exists':
      if (!arity(argv.length >= 3)) return;
      out.array(argv.length - 2);
      for (let i = 2; i < argv.length; i++) out.int(engine.has(argv[i]!) ? 1 : 0);
      return;
    case 'flush': {
      if (!arity(argv.length <= 3)) return;
      const mode = argv[2]?.toLowerCase();
      if (mode !== undefined && mode !== 'sync' && mode !== 'async') {
        out.error('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
        return;
      }
      engine.flush();
      out.ok();
      return;
    }
    case 'kill':
      if (!arity(argv.length === 2)) return;
      writeValue(out, engine.kill());
      return;
    case 'help': {
      const lines = [
        'SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
        'EXISTS <sha1> [<sha1> ...]',
        '    Return information about the existence of the scripts in the script cache.',
        'FLUSH [ASYNC|SYNC]',
        '    Flush the Lua scripts cache. Very dangerous on replicas.',
        'KILL',
        '    Kill the currently executing Lua script.',
        'LOAD <script>',
        '    Load a script into the scripts cache without executing it.',
        'HELP',
        '    Prints this help.',
      ];
      out.array(lines.length);
      for (const l of lines) out.simple(l);
      return;
    }
    default:
      out.error(`ERR unknown subcommand '${argv[1]}'. Try SCRIPT HELP.`);
  }
}
