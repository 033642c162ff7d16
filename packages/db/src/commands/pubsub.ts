import { cmd, type CommandDef } from '../command.js';
import { globMatch } from '../glob.js';
import type { Reply } from '../reply.js';
import type { Session } from '../session.js';

function confirm(r: Reply, kind: string, name: string | null, count: number): void {
  r.push(3);
  r.bulk(kind);
  if (name === null) r.nil();
  else r.bulk(name);
  r.int(count);
}

function subscribe(pattern: boolean) {
  return (c: Session, argv: string[], r: Reply): void => {
    const own = pattern ? c.patterns : c.channels;
    const map = pattern ? c.engine.patterns : c.engine.channels;
    for (let i = 1; i < argv.length; i++) {
      const ch = argv[i]!;
      if (!own.has(ch)) {
        own.add(ch);
        c.engine.addSub(map, ch, c);
      }
      confirm(r, pattern ? 'psubscribe' : 'subscribe', ch, c.subscriptions);
    }
  };
}

/** Unsubscribes from everything of one kind (or both when `pattern` is null), confirming each. */
export function unsubscribeAll(c: Session, pattern: boolean | null, r?: Reply): void {
  for (const p of pattern === null ? [false, true] : [pattern]) {
    const own = p ? c.patterns : c.channels;
    const map = p ? c.engine.patterns : c.engine.channels;
    const kind = p ? 'punsubscribe' : 'unsubscribe';
    if (own.size === 0) {
      if (r) confirm(r, kind, null, c.subscriptions);
      continue;
    }
    for (const ch of [...own]) {
      own.delete(ch);
      c.engine.removeSub(map, ch, c);
      if (r) confirm(r, kind, ch, c.subscriptions);
    }
  }
}

function unsubscribe(pattern: boolean) {
  return (c: Session, argv: string[], r: Reply): void => {
    if (argv.length === 1) {
      unsubscribeAll(c, pattern, r);
      return;
    }
    const own = pattern ? c.patterns : c.channels;
    const map = pattern ? c.engine.patterns : c.engine.channels;
    for (let i = 1; i < argv.length; i++) {
      const ch = argv[i]!;
      if (own.delete(ch)) c.engine.removeSub(map, ch, c);
      confirm(r, pattern ? 'punsubscribe' : 'unsubscribe', ch, c.subscriptions);
    }
  };
}

const pubsubSub: CommandDef[] = [
  cmd('channels', -2, 'pubsub loading stale', [0, 0, 0], (c, a, r) => {
    const pat = a[2];
    const out = [...c.engine.channels.keys()].filter((ch) => pat === undefined || globMatch(pat, ch));
    r.array(out.length);
    for (const ch of out) r.bulk(ch);
  }),
  cmd('numsub', -2, 'pubsub loading stale', [0, 0, 0], (c, a, r) => {
    r.array((a.length - 2) * 2);
    for (let i = 2; i < a.length; i++) {
      r.bulk(a[i]!);
      r.int(c.engine.channels.get(a[i]!)?.size ?? 0);
    }
  }),
  cmd('numpat', 2, 'pubsub loading stale', [0, 0, 0], (c, _a, r) => r.int(c.engine.patterns.size)),
  cmd('help', 2, 'loading stale', [0, 0, 0], (_c, _a, r) => {
    const lines = ['PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:', 'CHANNELS [<pattern>]', 'NUMPAT', 'NUMSUB [<channel> ...]', 'HELP'];
    r.array(lines.length);
    for (const l of lines) r.simple(l);
  }),
];

export const pubsubCommands: CommandDef[] = [
  cmd('subscribe', -2, 'pubsub noscript loading stale', [0, 0, 0], subscribe(false)),
  cmd('psubscribe', -2, 'pubsub noscript loading stale', [0, 0, 0], subscribe(true)),
  cmd('unsubscribe', -1, 'pubsub noscript loading stale', [0, 0, 0], unsubscribe(false)),
  cmd('punsubscribe', -1, 'pubsub noscript loading stale', [0, 0, 0], unsubscribe(true)),
  cmd('publish', 3, 'pubsub loading stale fast may_replicate', [0, 0, 0], (c, a, r) => r.int(c.engine.publish(a[1]!, a[2]!))),
  cmd('pubsub', -2, '', [0, 0, 0], undefined, pubsubSub),
];
