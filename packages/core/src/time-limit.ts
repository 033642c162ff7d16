/**
 * Synchronous work with a time limit: a user's regular expression can backtrack for minutes on
 * a short line, and nothing else runs meanwhile. V8 can stop a script run by `node:vm` at a
 * deadline (also inside a regex); the work runs as such a script. No I/O.
 */
import vm from 'node:vm';

let context: vm.Context | undefined;
let script: vm.Script | undefined;

/** Runs `fn`; past `ms` milliseconds it is stopped and `onTimeout()` is thrown instead. */
export function runWithTimeLimit<T>(fn: () => T, ms: number, onTimeout: () => Error): T {
  context ??= vm.createContext({ work: undefined as unknown });
  script ??= new vm.Script('work()');
  (context as { work: unknown }).work = fn;
  try {
    return script.runInContext(context, { timeout: ms }) as T;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw onTimeout();
    throw err;
  } finally {
    (context as { work: unknown }).work = undefined;
  }
}
