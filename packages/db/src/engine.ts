import type { RunContext } from '@hero/core';
import { CommandTable, F_NOAUTH, F_PUBSUB_OK, F_WRITE, type CommandDef } from './command.js';
import { Db, type KeyspaceHooks } from './keyspace.js';
import type { Reply } from './reply.js';
import { Session, type BlockState, type SessionTransport } from './session.js';
import { globMatch } from './glob.js';
import { tcpNeedsPassword } from './config.js';
import { busyGate } from './lua/commands.js';

/** Settings the engine reads at run time; CONFIG SET changes some of them. */
export interface EngineConfig {
  databases: number;
  requirepass: string;
  /** Host of the RESP TCP listener, when there is one (decides whether a password is mandatory). */
  tcpHost?: string;
  protoMaxBulkLen: number;
  maxclients: number;
  /** CONFIG GET/SET view: parameter → value (strings, as Redis reports them). */
  params: Map<string, string>;
}

/** What persistence offers to SAVE/BGSAVE/LASTSAVE/INFO (absent when nothing persists). */
export interface PersistenceHooks {
  save(): void;
  bgsave(): Promise<void>;
  bgrewriteaof(): Promise<void>;
  lastSave(): number;
  bgInProgress(): boolean;
  info(): Record<string, string | number>;
  setParam(name: string, value: string): string | null;
  afterFlushAll?(): void;
  /** Set while the AOF cannot be written: write commands are refused with this error. */
  writeError?(): string | null;
}

export type PropagateSink = (db: number, argv: string[]) => void;

const MULTI_CTL = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);
const PUBSUB_RESP2_OK = new Set(['ping', 'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'quit', 'reset']);

const MEMORY_UNITS: Record<string, number> = { '': 1, b: 1, k: 1000, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 };

/** A redis.conf memory value (`1048576`, `512mb`, `1g`), or null. */
function memoryValue(s: string): number | null {
  const m = /^(\d+)([a-z]*)$/i.exec(s);
  const unit = m ? MEMORY_UNITS[m[2]!.toLowerCase()] : undefined;
  return m && unit !== undefined ? Number(m[1]) * unit : null;
}

/**
 * The command engine: keyspace, dispatch, MULTI/EXEC, WATCH, blocking, pub/sub and propagation
 * to persistence. It knows nothing about sockets: sessions bring their own transport, so the
 * same dispatch serves the RESP server, tests, and (later) scripts running commands atomically.
 */
export class Engine implements KeyspaceHooks {
  readonly dbs: Db[];
  readonly table = new CommandTable();
  readonly sessions = new Map<number, Session>();
  private nextId = 1;
  /** Number of changes since start (drives save rules and INFO). */
  dirty = 0;
  readonly started = Date.now();
  readonly stats = {
    connections: 0,
    commands: 0,
    rejectedConnections: 0,
    expiredKeys: 0,
    keyspaceHits: 0,
    keyspaceMisses: 0,
    pubsubMessages: 0,
    inputBytes: 0,
    outputBytes: 0,
  };
  readonly channels = new Map<string, Set<Session>>();
  readonly patterns = new Map<string, Set<Session>>();
  private readonly watchers: Map<string, Set<Session>>[];
  private readonly blocked: Map<string, Session[]>[];
  private ready: { db: Db; key: string }[] = [];
  private pendingFlush = new Set<Session>();
  /** Set while EXEC runs its queue (blocking commands must not block then). */
  inExec = false;
  private execProp: { db: number; argv: string[] }[] | null = null;
  /** Set by a handler that propagated its own (rewritten) commands. */
  customProp = false;
  sink: PropagateSink | null = null;
  /** Runs before replies go out (persistence writes the AOF there). */
  beforeWrite: (() => void) | null = null;
  private flushScheduled = false;
  persistence: PersistenceHooks | null = null;
  /** True while persistence replays the AOF: nothing is propagated back. */
  loading = false;
  private expireTimer: NodeJS.Timeout | undefined;
  readonly runId = Array.from({ length: 40 }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('');

  constructor(
    readonly config: EngineConfig,
    readonly logger?: RunContext['logger'],
  ) {
    this.dbs = Array.from({ length: config.databases }, (_, i) => new Db(i, this));
    this.watchers = this.dbs.map(() => new Map());
    this.blocked = this.dbs.map(() => new Map());
  }

  /** Starts the active expiry cycle. */
  start(): void {
    this.expireTimer = setInterval(() => this.activeExpire(), 100);
  }

  stop(): void {
    clearInterval(this.expireTimer);
    for (const s of [...this.sessions.values()]) this.unblock(s);
  }

  newSession(transport: SessionTransport | null): Session {
    const s = new Session(this.nextId++, this, transport);
    this.sessions.set(s.id, s);
    this.stats.connections++;
    return s;
  }

  /** Forgets a session whose connection went away: MULTI, WATCH, blocks and subscriptions. */
  freeSession(s: Session): void {
    if (!this.sessions.delete(s.id)) return;
    this.unblock(s);
    this.unwatchAll(s);
    s.multi = null;
    for (const ch of s.channels) this.removeSub(this.channels, ch, s);
    for (const p of s.patterns) this.removeSub(this.patterns, p, s);
    s.channels.clear();
    s.patterns.clear();
    this.pendingFlush.delete(s);
  }

  // ---- keyspace hooks -------------------------------------------------------------------

  expired(db: Db, key: string): void {
    this.stats.expiredKeys++;
    this.touchWatchers(db, key);
    if (!this.loading) this.propagate(db.id, ['DEL', key]);
  }

  /** A key was written: count it, fail WATCHes on it, wake clients blocked on it. */
  modified(db: Db, key: string): void {
    this.dirty++;
    this.touchWatchers(db, key);
    if (this.blocked[db.id]!.size !== 0 && this.blocked[db.id]!.has(key)) this.ready.push({ db, key });
  }

  private touchWatchers(db: Db, key: string): void {
    const w = this.watchers[db.id]!;
    if (w.size === 0) return;
    const set = w.get(key);
    if (set) for (const s of set) s.casDirty = true;
  }

  /** Before a db is emptied: fail the WATCHes of keys that exist in it. */
  touchAllWatched(db: Db): void {
    for (const [key, set] of this.watchers[db.id]!) {
      if (db.has(key)) for (const s of set) s.casDirty = true;
    }
  }

  private activeExpire(): void {
    const deadline = Date.now() + 25;
    for (const db of this.dbs) {
      if (db.volatile.size === 0) continue;
      for (;;) {
        let sampled = 0;
        let expired = 0;
        const now = Date.now();
        while (sampled < 20) {
          db.expireCursor ??= db.volatile.values();
          const it = db.expireCursor.next();
          if (it.done) {
            db.expireCursor = undefined;
            break;
          }
          sampled++;
          const e = db.data.get(it.value);
          if (e && e.exp !== 0 && e.exp <= now) {
            db.remove(it.value, e);
            this.expired(db, it.value);
            expired++;
          }
        }
        if (sampled === 0 || expired * 4 <= sampled || Date.now() > deadline) break;
      }
    }
    this.flushPending();
  }

  // ---- dispatch -------------------------------------------------------------------------

  /** Runs one command from a client, with Redis's checks (arity, auth, MULTI, pub/sub). */
  execute(s: Session, argv: string[]): void {
    const r = s.out;
    this.stats.commands++;
    let def = this.table.get(argv[0]!);
    if (def === undefined) {
      let args = '';
      for (let i = 1; i < argv.length && args.length < 128; i++) args += `'${argv[i]!.slice(0, 128 - args.length)}' `;
      this.reject(s, r, `ERR unknown command '${argv[0]!.slice(0, 128)}', with args beginning with: ${args}`);
      return;
    }
    if (def.subs !== undefined && (argv.length >= 2 || def.handler === undefined)) {
      if (argv.length < 2) {
        this.reject(s, r, `ERR wrong number of arguments for '${def.name}' command`);
        return;
      }
      const sub = def.subs.get(argv[1]!.toLowerCase());
      if (sub === undefined) {
        this.reject(s, r, `ERR unknown subcommand '${argv[1]!.slice(0, 128)}'. Try ${def.name.toUpperCase()} HELP.`);
        return;
      }
      def = sub;
    }
    const argc = argv.length;
    if ((def.arity > 0 && argc !== def.arity) || argc < -def.arity) {
      this.reject(s, r, `ERR wrong number of arguments for '${CommandTable.fullName(def)}' command`);
      return;
    }
    if (!s.authenticated && (def.bits! & F_NOAUTH) === 0) {
      this.reject(s, r, 'NOAUTH Authentication required.');
      return;
    }
    const busy = busyGate(this, def);
    if (busy !== null) {
      this.reject(s, r, busy);
      return;
    }
    if (s.proto === 2 && s.subscriptions > 0 && !PUBSUB_RESP2_OK.has(def.parent?.name ?? def.name)) {
      this.reject(
        s,
        r,
        `ERR Can't execute '${CommandTable.fullName(def)}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      );
      return;
    }
    if ((def.bits! & F_WRITE) !== 0 && this.persistence?.writeError) {
      const err = this.persistence.writeError();
      if (err !== null) {
        this.reject(s, r, err);
        return;
      }
    }
    if (s.multi !== null && !MULTI_CTL.has(def.name)) {
      s.multi.push({ def, argv });
      r.raw('+QUEUED\r\n');
      return;
    }
    this.call(s, def, argv, r);
    if (this.ready.length !== 0) this.handleReady();
  }

  private reject(s: Session, r: Reply, msg: string): void {
    if (s.multi !== null) s.execDirty = true;
    r.error(msg);
  }

  /** Runs a resolved command and propagates it when it changed data. */
  call(s: Session, def: CommandDef, argv: string[], r: Reply): void {
    const before = this.dirty;
    this.customProp = false;
    s.lastCmd = CommandTable.fullName(def);
    def.handler!(s, argv, r);
    def.calls!++;
    if ((def.bits! & F_WRITE) !== 0 && this.dirty !== before && !this.customProp) this.propagate(s.db.id, argv);
  }

  /** Sends a command to persistence (wrapped in MULTI/EXEC when it came from a transaction). */
  propagate(db: number, argv: string[]): void {
    if (this.loading || this.sink === null) return;
    if (this.execProp !== null) this.execProp.push({ db, argv });
    else this.sink(db, argv);
  }

  /** Runs a MULTI queue atomically; the caller has checked EXECABORT / WATCH. */
  runQueue(s: Session, queue: { def: CommandDef; argv: string[] }[], r: Reply): void {
    r.array(queue.length);
    this.inExec = true;
    this.execProp = [];
    try {
      for (const q of queue) this.call(s, q.def, q.argv, r);
    } finally {
      this.inExec = false;
      const props = this.execProp;
      this.execProp = null;
      if (this.sink !== null && props.length > 0) {
        if (props.length === 1) this.sink(props[0]!.db, props[0]!.argv);
        else {
          this.sink(props[0]!.db, ['MULTI']);
          for (const p of props) this.sink(p.db, p.argv);
          this.sink(props[props.length - 1]!.db, ['EXEC']);
        }
      }
    }
  }

  // ---- WATCH ----------------------------------------------------------------------------

  watch(s: Session, key: string): void {
    if (s.watched.some((w) => w.db === s.db && w.key === key)) return;
    const w = this.watchers[s.db.id]!;
    let set = w.get(key);
    if (!set) w.set(key, (set = new Set()));
    set.add(s);
    const e = s.db.data.get(key);
    s.watched.push({ db: s.db, key, expiredAtWatch: e !== undefined && e.exp !== 0 && e.exp <= Date.now() });
  }

  unwatchAll(s: Session): void {
    for (const { db, key } of s.watched) {
      const w = this.watchers[db.id]!;
      const set = w.get(key);
      if (set) {
        set.delete(s);
        if (set.size === 0) w.delete(key);
      }
    }
    s.watched.length = 0;
    s.casDirty = false;
  }

  /** True when a watched key has logically expired since WATCH (Redis 7.0 fails EXEC then). */
  watchedExpired(s: Session): boolean {
    const now = Date.now();
    for (const w of s.watched) {
      if (w.expiredAtWatch) continue;
      const e = w.db.data.get(w.key);
      if (e && e.exp !== 0 && e.exp <= now) return true;
    }
    return false;
  }

  // ---- blocking -------------------------------------------------------------------------

  /** Parks a client on `keys` until `serve` succeeds or the timeout (ms, 0 = forever) passes. */
  block(s: Session, keys: string[], timeoutMs: number, serve: BlockState['serve'], onTimeout: BlockState['onTimeout']): void {
    const state: BlockState = { db: s.db, keys, serve, onTimeout, timer: undefined };
    s.blocked = state;
    const map = this.blocked[s.db.id]!;
    for (const k of keys) {
      let list = map.get(k);
      if (!list) map.set(k, (list = []));
      if (!list.includes(s)) list.push(s);
    }
    if (timeoutMs > 0) {
      state.timer = setTimeout(() => {
        if (s.blocked !== state) return;
        this.unblock(s);
        s.out.proto = s.proto;
        onTimeout(s.out);
        this.pendingFlush.add(s);
        this.flushPending();
        s.transport?.resume();
      }, timeoutMs);
    }
  }

  /** Removes a client from every key it waits on (no reply). */
  unblock(s: Session): void {
    const b = s.blocked;
    if (!b) return;
    s.blocked = null;
    clearTimeout(b.timer);
    const map = this.blocked[b.db.id]!;
    for (const k of b.keys) {
      const list = map.get(k);
      if (!list) continue;
      const i = list.indexOf(s);
      if (i !== -1) list.splice(i, 1);
      if (list.length === 0) map.delete(k);
    }
  }

  /** Serves clients blocked on keys that commands just wrote, oldest first. */
  handleReady(): void {
    while (this.ready.length !== 0) {
      const batch = this.ready;
      this.ready = [];
      for (const { db, key } of batch) {
        const list = this.blocked[db.id]!.get(key);
        if (!list) continue;
        for (const s of [...list]) {
          const b = s.blocked;
          if (!b) continue;
          s.out.proto = s.proto;
          const before = this.dirty;
          if (!b.serve(s.out)) continue;
          void before;
          this.unblock(s);
          this.pendingFlush.add(s);
          const t = s.transport;
          if (t) setImmediate(() => t.resume());
        }
      }
    }
  }

  // ---- pub/sub --------------------------------------------------------------------------

  addSub(map: Map<string, Set<Session>>, name: string, s: Session): void {
    let set = map.get(name);
    if (!set) map.set(name, (set = new Set()));
    set.add(s);
  }

  removeSub(map: Map<string, Set<Session>>, name: string, s: Session): void {
    const set = map.get(name);
    if (!set) return;
    set.delete(s);
    if (set.size === 0) map.delete(name);
  }

  /** Delivers a message to channel and pattern subscribers; returns how many received it. */
  publish(channel: string, message: string): number {
    let n = 0;
    const subs = this.channels.get(channel);
    if (subs) {
      for (const s of subs) {
        const w = s.out;
        w.proto = s.proto;
        w.push(3);
        w.bulk('message');
        w.bulk(channel);
        w.bulk(message);
        this.pendingFlush.add(s);
        n++;
      }
    }
    if (this.patterns.size !== 0) {
      for (const [pat, set] of this.patterns) {
        if (!globMatch(pat, channel)) continue;
        for (const s of set) {
          const w = s.out;
          w.proto = s.proto;
          w.push(4);
          w.bulk('pmessage');
          w.bulk(pat);
          w.bulk(channel);
          w.bulk(message);
          this.pendingFlush.add(s);
          n++;
        }
      }
    }
    this.stats.pubsubMessages++;
    return n;
  }

  /** Writes out replies queued for other clients (published messages, unblocked pops). */
  flushPending(): void {
    this.beforeWrite?.();
    if (this.pendingFlush.size === 0) return;
    const list = this.pendingFlush;
    this.pendingFlush = new Set();
    for (const s of list) s.transport?.flush();
  }

  markPending(s: Session): void {
    this.pendingFlush.add(s);
  }

  /** Flushes pending replies once this loop turn's reads are done (one AOF write for all). */
  scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushPending();
    });
  }

  /** Empties one database (or all), failing the WATCHes of keys that existed. */
  flush(db?: Db): void {
    for (const d of db ? [db] : this.dbs) {
      this.touchAllWatched(d);
      this.dirty += d.size;
      d.clear();
    }
    this.dirty++;
  }

  /** CONFIG SET of one parameter; an error message or null. */
  setParam(name: string, value: string): string | null {
    if (name === 'requirepass') {
      // the start-up rule must hold at run time too, or one CONFIG SET opens the port to everyone
      const host = this.config.tcpHost;
      if (value === '' && host !== undefined && tcpNeedsPassword(host)) {
        return `refusing to clear requirepass while listening on non-loopback TCP host ${host}`;
      }
      this.config.requirepass = value;
    } else if (name === 'maxclients') {
      if (!/^-?\d+$/.test(value)) return "argument couldn't be parsed into an integer";
      const n = Number(value);
      if (n < 1 || n > 4294967295) return 'argument must be between 1 and 4294967295 inclusive';
      this.config.maxclients = n;
    } else if (name === 'proto-max-bulk-len') {
      const n = memoryValue(value);
      if (n === null) return 'argument must be a memory value';
      if (n < 1024 * 1024) return 'argument must be between 1048576 and 9223372036854775807 inclusive';
      this.config.protoMaxBulkLen = n;
      value = String(n);
    } else if (this.persistence && ['appendfsync', 'save', 'auto-aof-rewrite-percentage', 'auto-aof-rewrite-min-size'].includes(name)) {
      const err = this.persistence.setParam(name, value);
      if (err) return err;
    }
    this.config.params.set(name, value);
    return null;
  }

  swapDbs(a: number, b: number): void {
    const da = this.dbs[a]!;
    const db = this.dbs[b]!;
    this.touchAllWatched(da);
    this.touchAllWatched(db);
    da.swapWith(db);
    this.dirty++;
    this.propagate(a, ['SWAPDB', String(a), String(b)]);
    this.customProp = true;
    for (const d of [da, db]) for (const key of d.data.keys()) if (this.blocked[d.id]!.has(key)) this.ready.push({ db: d, key });
  }

  resetStats(): void {
    for (const k of Object.keys(this.stats) as (keyof typeof this.stats)[]) if (k !== 'connections') this.stats[k] = 0;
    for (const d of this.table.list) {
      d.calls = 0;
      for (const s of d.subcommands ?? []) s.calls = 0;
    }
  }

  isWrite(def: CommandDef): boolean {
    return (def.bits! & F_WRITE) !== 0;
  }

  pubsubOk(def: CommandDef): boolean {
    return (def.bits! & F_PUBSUB_OK) !== 0;
  }
}
