/**
 * hero-proc's entry point. It sets the daemon's V8 flags before anything else is loaded (a
 * static import would be evaluated first), then runs the program (`program.ts`).
 *
 * V8 settings of the long-running daemon (`hero-proc serve`; see docs/proc.md, "Memory"):
 * hero_proc's JavaScript is cold glue around syscalls, so it stays in the interpreter (no
 * Sparkplug or TurboFan code: their compilers alone are megabytes of touched pages), the heap
 * favours size over speed, and the young generation keeps its initial 1 MiB semi-space instead
 * of growing to 16. A smaller process also forks faster — and `child_process.spawn` forks the
 * whole daemon for every child it starts. Set at run time so that `node dist/cli.js serve` gets
 * them without a wrapper process; `HERO_PROC_V8_DEFAULTS=1` keeps V8's defaults (to compare).
 * Client commands (`list`, `logs`, …) are short-lived and keep the defaults.
 */
import v8 from 'node:v8';

const DAEMON_V8_FLAGS = ['--no-opt', '--no-sparkplug', '--optimize-for-size', '--semi-space-growth-factor=1'];

const first = process.argv[2];
const serving = first === undefined || first === 'serve' || first.startsWith('-');
if (serving && process.env.HERO_PROC_V8_DEFAULTS !== '1') {
  for (const flag of DAEMON_V8_FLAGS) v8.setFlagsFromString(flag);
}

await import('./program.js');
