import type { CommandDef } from './command.js';
import type { Db } from './keyspace.js';
import type { Engine } from './engine.js';
import { RespWriter } from './resp/writer.js';
import type { Reply } from './reply.js';

/** A client waiting in BLPOP & co. */
export interface BlockState {
  db: Db;
  keys: string[];
  /** Tries to serve the client now; true when it wrote its reply. */
  serve: (r: Reply) => boolean;
  onTimeout: (r: Reply) => void;
  timer: NodeJS.Timeout | undefined;
}

/** Where a session's bytes go; set by the transport (socket) that owns it. */
export interface SessionTransport {
  /** Writes everything pending in `out`. */
  flush(): void;
  /** Continues parsing input held back while the session was blocked. */
  resume(): void;
  /** Closes the connection (after flushing pending output). */
  close(): void;
  readonly addr: string;
  readonly laddr: string;
  readonly kind: 'unix' | 'tcp';
}

/** One client's state: selected db, protocol, auth, MULTI queue, WATCHes, subscriptions. */
export class Session {
  name = '';
  db: Db;
  proto: 2 | 3 = 2;
  authenticated: boolean;
  readonly out = new RespWriter();
  multi: { def: CommandDef; argv: string[] }[] | null = null;
  execDirty = false;
  casDirty = false;
  readonly watched: { db: Db; key: string; expiredAtWatch: boolean }[] = [];
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  blocked: BlockState | null = null;
  closing = false;
  readonly created = Date.now();
  lastActive = Date.now();
  lastCmd = 'NULL';
  libName = '';
  libVer = '';

  constructor(
    readonly id: number,
    readonly engine: Engine,
    readonly transport: SessionTransport | null,
  ) {
    this.db = engine.dbs[0]!;
    this.authenticated = !engine.config.requirepass;
  }

  get subscriptions(): number {
    return this.channels.size + this.patterns.size;
  }

  /** Marks `key` in the selected db as modified (dirty counter, WATCH, blocked clients). */
  touch(key: string): void {
    this.engine.modified(this.db, key);
  }
}
