import type { Logger } from 'pino';

/** What a service reports once it serves. */
export interface ReadyInfo {
  service: string;
  /** Socket name → absolute path. */
  sockets: Record<string, string>;
  /** Listener name → `host:port`. */
  tcp?: Record<string, string>;
}

/** Passed by the CLI or the bundle to a service's `run`. */
export interface RunContext {
  /** A pino child with `{service}`; the service is silent without one. */
  logger?: Logger;
  onReady?: (info: ReadyInfo) => void;
  /**
   * The program's environment, for services that start programs (hero_proc hands it to its
   * children). Services never read `process.env` themselves.
   */
  env?: Readonly<Record<string, string | undefined>>;
}
