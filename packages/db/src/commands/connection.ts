import { createHash, timingSafeEqual } from 'node:crypto';
import { cmd, type CommandDef } from '../command.js';
import type { Reply } from '../reply.js';
import type { Session } from '../session.js';
import { E, intArg } from './util.js';
import { REDIS_VERSION } from '../version.js';
import { unsubscribeAll } from './pubsub.js';

function ping(c: Session, argv: string[], r: Reply): void {
  if (argv.length > 2) {
    r.error(`ERR wrong number of arguments for 'ping' command`);
    return;
  }
  if (c.proto === 2 && c.subscriptions > 0) {
    r.array(2);
    r.bulk('pong');
    r.bulk(argv[1] ?? '');
    return;
  }
  if (argv.length === 2) r.bulk(argv[1]!);
  else r.simple('PONG');
}

function select(c: Session, argv: string[], r: Reply): void {
  const n = intArg(argv[1]!, r);
  if (n === null) return;
  if (n < 0 || n >= c.engine.dbs.length) {
    r.error(E.DBRANGE);
    return;
  }
  c.db = c.engine.dbs[n]!;
  r.ok();
}

function digest(s: string): Buffer {
  // utf16le maps every JS string to distinct bytes, so this equals `===` (latin1 would fold code units)
  return createHash('sha256').update(s, 'utf16le').digest();
}

/** `a === b` in time that does not depend on where they differ or on their lengths. */
function samePassword(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** Checks credentials against the default user; true when accepted. */
function checkAuth(c: Session, user: string, pass: string): boolean {
  const required = c.engine.config.requirepass;
  if (user !== 'default') return false;
  return !required || samePassword(pass, required);
}

const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';

function auth(c: Session, argv: string[], r: Reply): void {
  if (argv.length > 3) {
    r.error(E.SYNTAX);
    return;
  }
  if (argv.length === 2 && !c.engine.config.requirepass) {
    r.error('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
    return;
  }
  const user = argv.length === 3 ? argv[1]! : 'default';
  const pass = argv[argv.length - 1]!;
  if (!checkAuth(c, user, pass)) {
    r.error(WRONGPASS);
    return;
  }
  c.authenticated = true;
  r.ok();
}

function hello(c: Session, argv: string[], r: Reply): void {
  let proto = c.proto;
  if (argv.length >= 2) {
    const v = Number(argv[1]);
    if (!/^-?\d+$/.test(argv[1]!)) {
      r.error('ERR Protocol version is not an integer or out of range');
      return;
    }
    if (v !== 2 && v !== 3) {
      r.error('NOPROTO unsupported protocol version');
      return;
    }
    proto = v;
  }
  let name: string | undefined;
  for (let i = 2; i < argv.length; i++) {
    const o = argv[i]!.toLowerCase();
    const left = argv.length - i - 1;
    if (o === 'auth' && left >= 2) {
      if (!checkAuth(c, argv[i + 1]!, argv[i + 2]!)) {
        r.error(WRONGPASS);
        return;
      }
      c.authenticated = true;
      i += 2;
    } else if (o === 'setname' && left >= 1) {
      name = argv[++i]!;
      if (!validName(name)) {
        r.error('ERR Client names cannot contain spaces, newlines or special characters.');
        return;
      }
    } else {
      r.error(`ERR Syntax error in HELLO option '${argv[i]}'`);
      return;
    }
  }
  if (!c.authenticated) {
    r.error('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time');
    return;
  }
  if (name !== undefined) c.name = name;
  c.proto = proto as 2 | 3;
  (r as { proto: 2 | 3 }).proto = c.proto;
  r.map(7);
  r.bulk('server');
  r.bulk('redis');
  r.bulk('version');
  r.bulk(REDIS_VERSION);
  r.bulk('proto');
  r.int(c.proto);
  r.bulk('id');
  r.int(c.id);
  r.bulk('mode');
  r.bulk('standalone');
  r.bulk('role');
  r.bulk('master');
  r.bulk('modules');
  r.array(0);
}

function validName(n: string): boolean {
  for (let i = 0; i < n.length; i++) {
    const ch = n.charCodeAt(i);
    if (ch < 33 || ch > 126) return false;
  }
  return true;
}

/** One CLIENT LIST line. */
export function clientLine(s: Session): string {
  const now = Date.now();
  const flags = (s.multi ? 'x' : '') + (s.subscriptions > 0 ? 'P' : '') + (s.blocked ? 'b' : '') || 'N';
  const t = s.transport;
  return [
    `id=${s.id}`,
    `addr=${t?.addr ?? ''}`,
    `laddr=${t?.laddr ?? ''}`,
    `fd=${s.id + 7}`,
    `name=${s.name}`,
    `age=${Math.floor((now - s.created) / 1000)}`,
    `idle=${Math.floor((now - s.lastActive) / 1000)}`,
    `flags=${flags}`,
    `db=${s.db.id}`,
    `sub=${s.channels.size}`,
    `psub=${s.patterns.size}`,
    `ssub=0`,
    `multi=${s.multi ? s.multi.length : -1}`,
    `qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r`,
    `cmd=${s.lastCmd}`,
    `user=default`,
    `redir=-1`,
    `resp=${s.proto}`,
    ...(s.libName || s.libVer ? [`lib-name=${s.libName}`, `lib-ver=${s.libVer}`] : []),
  ].join(' ');
}

/** CLIENT NO-EVICT / NO-TOUCH: accepted as flags (hero_db neither evicts nor tracks LRU). */
function onOff(_c: Session, argv: string[], r: Reply): void {
  const v = argv[2]!.toLowerCase();
  if (v === 'on' || v === 'off') r.ok();
  else r.error('ERR syntax error');
}

const clientSub: CommandDef[] = [
  cmd('setname', 3, 'noscript loading stale', [0, 0, 0], (c, a, r) => {
    if (!validName(a[2]!)) {
      r.error('ERR Client names cannot contain spaces, newlines or special characters.');
      return;
    }
    c.name = a[2]!;
    r.ok();
  }),
  cmd('getname', 2, 'noscript loading stale', [0, 0, 0], (c, _a, r) => {
    if (c.name) r.bulk(c.name);
    else r.nil();
  }),
  cmd('id', 2, 'noscript loading stale', [0, 0, 0], (c, _a, r) => r.int(c.id)),
  cmd('info', 2, 'noscript loading stale', [0, 0, 0], (c, _a, r) => r.verbatim(clientLine(c) + '\n')),
  cmd('list', -2, 'admin noscript loading stale', [0, 0, 0], (c, a, r) => {
    let list = [...c.engine.sessions.values()];
    if (a.length >= 4 && a[2]!.toLowerCase() === 'id') {
      const ids = new Set(a.slice(3).map(Number));
      list = list.filter((s) => ids.has(s.id));
    } else if (a.length >= 4 && a[2]!.toLowerCase() === 'type') {
      const t = a[3]!.toLowerCase();
      if (!['normal', 'master', 'replica', 'pubsub'].includes(t)) {
        r.error(`ERR Unknown client type '${a[3]}'`);
        return;
      }
      list = list.filter((s) => (t === 'pubsub' ? s.subscriptions > 0 : t === 'normal' ? s.subscriptions === 0 : false));
    } else if (a.length !== 2) {
      r.error(E.SYNTAX);
      return;
    }
    r.verbatim(list.map((s) => clientLine(s) + '\n').join(''));
  }),
  cmd('kill', -3, 'admin noscript loading stale', [0, 0, 0], (c, a, r) => {
    const victims: Session[] = [];
    if (a.length === 3) {
      for (const s of c.engine.sessions.values()) if (s.transport?.addr === a[2]) victims.push(s);
      if (victims.length === 0) {
        r.error('ERR No such client');
        return;
      }
      for (const s of victims) s.transport?.close();
      r.ok();
      return;
    }
    for (let i = 2; i + 1 < a.length; i += 2) {
      const f = a[i]!.toLowerCase();
      const v = a[i + 1]!;
      for (const s of c.engine.sessions.values()) {
        if ((f === 'id' && String(s.id) === v) || (f === 'addr' && s.transport?.addr === v) || (f === 'laddr' && s.transport?.laddr === v)) victims.push(s);
      }
    }
    for (const s of victims) {
      if (s === c) c.closing = true;
      else s.transport?.close();
    }
    r.int(victims.length);
  }),
  cmd('setinfo', 4, 'noscript loading stale', [0, 0, 0], (c, a, r) => {
    const f = a[2]!.toLowerCase();
    if (f === 'lib-name') c.libName = a[3]!;
    else if (f === 'lib-ver') c.libVer = a[3]!;
    else {
      r.error(`ERR Unrecognized option '${a[2]}'`);
      return;
    }
    r.ok();
  }),
  cmd('no-evict', 3, 'admin noscript loading stale', [0, 0, 0], onOff),
  cmd('no-touch', 3, 'noscript loading stale', [0, 0, 0], onOff),
  cmd('help', 2, 'loading stale', [0, 0, 0], (_c, _a, r) => {
    const lines = ['CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:', 'GETNAME', 'ID', 'INFO', 'KILL', 'LIST', 'SETNAME <name>', 'SETINFO <option> <value>', 'HELP'];
    r.array(lines.length);
    for (const l of lines) r.simple(l);
  }),
];

function reset(c: Session, _argv: string[], r: Reply): void {
  c.multi = null;
  c.execDirty = false;
  c.engine.unwatchAll(c);
  unsubscribeAll(c, null);
  c.db = c.engine.dbs[0]!;
  c.proto = 2;
  (r as { proto: 2 | 3 }).proto = 2;
  c.name = '';
  c.authenticated = !c.engine.config.requirepass;
  r.simple('RESET');
}

export const connectionCommands: CommandDef[] = [
  cmd('ping', -1, 'fast sentinel pubsub', [0, 0, 0], ping),
  cmd('echo', 2, 'fast', [0, 0, 0], (_c, a, r) => r.bulk(a[1]!)),
  cmd('select', 2, 'loading stale fast', [0, 0, 0], select),
  cmd('auth', -2, 'noscript loading stale fast no_auth allow_busy', [0, 0, 0], auth),
  cmd('hello', -1, 'noscript loading stale fast no_auth allow_busy', [0, 0, 0], hello),
  cmd('quit', -1, 'allow_busy noscript loading stale fast no_auth', [0, 0, 0], (c, _a, r) => {
    r.ok();
    c.closing = true;
  }),
  cmd('reset', 1, 'noscript loading stale fast no_auth allow_busy', [0, 0, 0], reset),
  cmd('client', -2, '', [0, 0, 0], undefined, clientSub),
];
