import { cmd, type CommandDef } from '../command.js';
import type { Reply } from '../reply.js';
import type { Session } from '../session.js';

function multi(c: Session, _argv: string[], r: Reply): void {
  if (c.multi !== null) {
    r.error('ERR MULTI calls can not be nested');
    return;
  }
  c.multi = [];
  c.execDirty = false;
  r.ok();
}

function exec(c: Session, _argv: string[], r: Reply): void {
  const queue = c.multi;
  if (queue === null) {
    r.error('ERR EXEC without MULTI');
    return;
  }
  c.multi = null;
  if (c.execDirty) {
    c.execDirty = false;
    c.engine.unwatchAll(c);
    r.error('EXECABORT Transaction discarded because of previous errors.');
    return;
  }
  if (c.casDirty || c.engine.watchedExpired(c)) {
    c.engine.unwatchAll(c);
    r.nilArray();
    return;
  }
  c.engine.unwatchAll(c);
  c.engine.customProp = true;
  c.engine.runQueue(c, queue, r);
}

function discard(c: Session, _argv: string[], r: Reply): void {
  if (c.multi === null) {
    r.error('ERR DISCARD without MULTI');
    return;
  }
  c.multi = null;
  c.execDirty = false;
  c.engine.unwatchAll(c);
  r.ok();
}

function watch(c: Session, argv: string[], r: Reply): void {
  if (c.multi !== null) {
    r.error('ERR WATCH inside MULTI is not allowed');
    return;
  }
  for (let i = 1; i < argv.length; i++) c.engine.watch(c, argv[i]!);
  r.ok();
}

export const transactionCommands: CommandDef[] = [
  cmd('multi', 1, 'noscript loading stale fast allow_busy', [0, 0, 0], multi),
  cmd('exec', 1, 'noscript loading stale skip_slowlog', [0, 0, 0], exec),
  cmd('discard', 1, 'noscript loading stale fast allow_busy', [0, 0, 0], discard),
  cmd('watch', -2, 'noscript loading stale fast allow_busy', [1, -1, 1], watch),
  cmd('unwatch', 1, 'noscript loading stale fast allow_busy', [0, 0, 0], (c, _a, r) => {
    c.engine.unwatchAll(c);
    r.ok();
  }),
];
