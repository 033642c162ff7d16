import type { RunContext } from '@hero/core';

/** The pino logger type handed in through RunContext (no direct pino dependency). */
export type Logger = NonNullable<RunContext['logger']>;
