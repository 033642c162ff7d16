/**
 * Where command handlers write their replies. The RESP writer implements it for sockets; other
 * implementations (a scripting engine collecting values) can run the same handlers unchanged.
 */
export interface Reply {
  /** Protocol of the client being served (2 or 3): some commands shape replies by it. */
  readonly proto: 2 | 3;
  ok(): void;
  simple(s: string): void;
  /** An error reply; `msg` includes its code, e.g. `ERR syntax error`. */
  error(msg: string): void;
  int(n: number | bigint): void;
  bulk(s: string): void;
  /** The null bulk string (RESP3 null). */
  nil(): void;
  /** The null array (RESP3 null). */
  nilArray(): void;
  array(n: number): void;
  /** A map of n pairs (RESP2: array of 2n). */
  map(n: number): void;
  /** A set (RESP2: array). */
  set(n: number): void;
  /** An out-of-band push (RESP2: array). */
  push(n: number): void;
  double(d: number): void;
  bool(b: boolean): void;
  /** Verbatim text (RESP2: bulk). */
  verbatim(s: string): void;
}
