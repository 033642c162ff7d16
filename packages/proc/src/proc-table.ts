/**
 * Reading Linux `/proc`: who is in a process group or session, descendants, CPU ticks and
 * resident memory. Everything here tolerates processes vanishing mid-read.
 */
import fs from 'node:fs';

export interface ProcEntry {
  pid: number;
  ppid: number;
  pgrp: number;
  session: number;
  /** `R`, `S`, `Z`, … */
  state: string;
  /** utime + stime in clock ticks. */
  cpuTicks: number;
  /** Start time in clock ticks after boot. */
  startTicks: number;
  rssPages: number;
}

/** Clock ticks per second (USER_HZ); 100 on every mainstream Linux build. */
export const CLK_TCK = 100;

/** Parses the text of `/proc/<pid>/stat`. */
export function parseStat(text: string): ProcEntry | undefined {
  const close = text.lastIndexOf(')');
  const open = text.indexOf('(');
  if (close === -1 || open === -1) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const f = text.slice(close + 2).split(' ');
  if (f.length < 22) return undefined;
  return {
    pid,
    state: f[0]!,
    ppid: Number(f[1]),
    pgrp: Number(f[2]),
    session: Number(f[3]),
    cpuTicks: Number(f[11]) + Number(f[12]),
    startTicks: Number(f[19]),
    rssPages: Number(f[21]),
  };
}

/** One process's stat, or undefined when it is gone. */
export function readStat(pid: number): ProcEntry | undefined {
  try {
    return parseStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Every process currently listed in /proc. Read synchronously: procfs answers from memory in
 * microseconds, far faster than queueing hundreds of reads on the libuv thread pool.
 */
export function readProcTableSync(): ProcEntry[] {
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const out: ProcEntry[] = [];
  for (const p of names) {
    const c = p.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    try {
      const e = parseStat(fs.readFileSync(`/proc/${p}/stat`, 'utf8'));
      if (e) out.push(e);
    } catch {
      /* exited while we looked */
    }
  }
  return out;
}

let cached: { at: number; table: ProcEntry[] } | undefined;
let next: Promise<ProcEntry[]> | undefined;

/**
 * The process table, shared by callers within `maxAgeMs` of each other. A table older than that
 * is read again once the current callbacks are done, so every caller of one turn of the event
 * loop (a hundred stops arriving together) shares a read that started after it asked.
 */
export function readProcTable(maxAgeMs = 5): Promise<ProcEntry[]> {
  if (maxAgeMs > 0 && cached && Date.now() - cached.at <= maxAgeMs) return Promise.resolve(cached.table);
  next ??= new Promise((resolve) => {
    setImmediate(() => {
      next = undefined;
      const table = readProcTableSync();
      cached = { at: Date.now(), table };
      resolve(table);
    });
  });
  return next;
}

/**
 * Live (non-zombie) processes belonging to a child started as leader of its own session and
 * group: same process group, same session, or a descendant of `leader` (catches grandchildren
 * that called setsid while their parent was still alive).
 */
export function membersOf(table: ProcEntry[], leader: number, known: ReadonlySet<number> = new Set()): ProcEntry[] {
  const byParent = new Map<number, ProcEntry[]>();
  for (const e of table) {
    const l = byParent.get(e.ppid);
    if (l) l.push(e);
    else byParent.set(e.ppid, [e]);
  }
  const found = new Map<number, ProcEntry>();
  for (const e of table) {
    if (e.pgrp === leader || e.session === leader || e.pid === leader || known.has(e.pid)) found.set(e.pid, e);
  }
  const queue = [...found.values()];
  while (queue.length) {
    const e = queue.pop()!;
    for (const c of byParent.get(e.pid) ?? []) {
      if (!found.has(c.pid)) {
        found.set(c.pid, c);
        queue.push(c);
      }
    }
  }
  return [...found.values()].filter((e) => e.state !== 'Z' && e.state !== 'X');
}

/** Sends `signal` to a process group and to each extra pid, ignoring the ones already gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals, extra: Iterable<number> = []): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* group empty */
  }
  for (const pid of extra) {
    try {
      process.kill(pid, signal);
    } catch {
      /* gone */
    }
  }
}

let pageSize: number | undefined;
/** Memory page size, derived once from this process's own statm and RSS. */
export function getPageSize(): number {
  if (pageSize !== undefined) return pageSize;
  try {
    const pages = Number(fs.readFileSync('/proc/self/statm', 'utf8').split(' ')[1]);
    const rss = process.memoryUsage().rss;
    const guess = rss / pages;
    pageSize = [4096, 16384, 65536].reduce((best, p) => (Math.abs(p - guess) < Math.abs(best - guess) ? p : best), 4096);
  } catch {
    pageSize = 4096;
  }
  return pageSize;
}

let bootIdCache: string | null | undefined;
/** This boot's id (`/proc/sys/kernel/random/boot_id`), read once; undefined when unreadable. */
export function bootId(): string | undefined {
  if (bootIdCache === undefined) {
    try {
      bootIdCache = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      bootIdCache = null;
    }
  }
  return bootIdCache ?? undefined;
}

/** Seconds since boot, from /proc/uptime. */
export function bootUptimeSecs(): number {
  try {
    return Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  } catch {
    return NaN;
  }
}
