import type { Reply } from './reply.js';
import type { Session } from './session.js';

/** Runs one command; argv[0] is the command name as sent. */
export type Handler = (c: Session, argv: string[], r: Reply) => void;

/** A command (or sub-command) in the table; arity follows Redis (negative = at least). */
export interface CommandDef {
  name: string;
  arity: number;
  /** Redis command flags, as COMMAND reports them (`write`, `readonly`, `fast`, …). */
  flags: string[];
  first: number;
  last: number;
  step: number;
  handler?: Handler;
  subcommands?: CommandDef[];
  /** Filled in by the table: fast flag checks on the hot path. */
  bits?: number;
  calls?: number;
  usec?: number;
  parent?: CommandDef;
  subs?: Map<string, CommandDef>;
}

export const F_WRITE = 1;
export const F_NOAUTH = 2;
export const F_PUBSUB_OK = 4;
export const F_NOMULTI = 8;
export const F_BLOCKING = 16;

/** Builds a command definition. */
export function cmd(
  name: string,
  arity: number,
  flags: string,
  keys: [number, number, number],
  handler?: Handler,
  subcommands?: CommandDef[],
): CommandDef {
  return {
    name,
    arity,
    flags: flags ? flags.split(' ') : [],
    first: keys[0],
    last: keys[1],
    step: keys[2],
    handler,
    subcommands,
  };
}

function clone(d: CommandDef): CommandDef {
  return { ...d, subcommands: d.subcommands?.map(clone) };
}

/** Name → definition, holding lower- and upper-case spellings so lookups rarely allocate. */
export class CommandTable {
  readonly byName = new Map<string, CommandDef>();
  readonly list: CommandDef[] = [];

  add(defs: CommandDef[]): void {
    // Copies: definitions carry per-server counters, and two servers may share one process.
    for (const d of defs.map(clone)) {
      this.prepare(d);
      this.list.push(d);
      this.byName.set(d.name, d);
      this.byName.set(d.name.toUpperCase(), d);
    }
  }

  private prepare(d: CommandDef, parent?: CommandDef): void {
    let bits = 0;
    if (d.flags.includes('write')) bits |= F_WRITE;
    if (d.flags.includes('no_auth')) bits |= F_NOAUTH;
    if (d.flags.includes('pubsub')) bits |= F_PUBSUB_OK;
    if (d.flags.includes('no_multi')) bits |= F_NOMULTI;
    if (d.flags.includes('blocking')) bits |= F_BLOCKING;
    d.bits = bits;
    d.calls = 0;
    d.usec = 0;
    d.parent = parent;
    if (d.subcommands) {
      d.subs = new Map();
      for (const s of d.subcommands) {
        this.prepare(s, d);
        d.subs.set(s.name, s);
      }
    }
  }

  get(name: string): CommandDef | undefined {
    return this.byName.get(name) ?? this.byName.get(name.toLowerCase());
  }

  /** `parent|sub` as Redis names sub-commands in errors and stats. */
  static fullName(d: CommandDef): string {
    return d.parent ? `${d.parent.name}|${d.name}` : d.name;
  }
}
