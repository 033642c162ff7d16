import lstate from 'fengari/src/lstate.js';

/**
 * fengari 0.1.5 loses the "hooks allowed" flag when a `pcall` inside a coroutine catches an
 * error (lua_pcallk never records it in CIST_OAH, so recovery restores 0). Every later count
 * hook is then skipped, and a script that once caught an error could never be timed out or
 * killed. Recovery only ever happens for call frames marked CIST_YPCALL, and pcall is never
 * entered from inside a hook, so reading that bit as the saved flag restores the right value.
 */
export function fixPcallHooks(): void {
  if (lstate.__heroPcallFix) return;
  lstate.__heroPcallFix = true;
  lstate.CIST_OAH = lstate.CIST_YPCALL;
}
