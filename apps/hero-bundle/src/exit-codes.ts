import { EXIT_USAGE } from '@hero/core/cli';

/**
 * Error codes that mean the operator must change the configuration or the host before the
 * bundle can start: a bad setting, a socket or port another program holds, a path in the way.
 */
const USAGE_CODES: ReadonlySet<string> = new Set(['HERO_CONFIG', 'HERO_SOCKET_IN_USE', 'HERO_CONFLICT']);

/** Exit code of a service that failed to start: 2 for configuration problems, 1 for runtime failures (DESIGN §6). */
export function startFailureExitCode(err: unknown): number {
  const e = err as { code?: unknown; exitCode?: unknown } | null | undefined;
  if (e?.exitCode === EXIT_USAGE) return EXIT_USAGE;
  return typeof e?.code === 'string' && USAGE_CODES.has(e.code) ? EXIT_USAGE : 1;
}
