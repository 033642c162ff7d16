import os from 'node:os';

const known = new Set(Object.keys(os.constants.signals));

/** Normalises `TERM` / `sigterm` / `SIGTERM` to `SIGTERM`; undefined for an unknown name. */
export function normalizeSignal(name: string): NodeJS.Signals | undefined {
  const upper = name.trim().toUpperCase();
  const full = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return known.has(full) ? (full as NodeJS.Signals) : undefined;
}
