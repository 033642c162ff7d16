import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { RunContext } from '@hero/core';
import { isValidName } from './names.js';
import { probeSocket } from './probe.js';
import type { MethodInfo, ServiceSummary, SocketInfo, SocketStatus } from './schemas.js';

type Logger = NonNullable<RunContext['logger']>;

/** One discovered `<service>/<name>.sock`. */
export interface SocketEntry {
  readonly service: string;
  readonly name: string;
  readonly path: string;
  /** `/<service>/<name>`: the URL prefix on the TCP entry. */
  readonly prefix: string;
  ino: number;
  status: SocketStatus;
  protocol: 'openrpc' | 'ui' | 'rest' | undefined;
  title: string | undefined;
  version: string | undefined;
  description: string | undefined;
  error: string | undefined;
  checkedAt: number | undefined;
  spec: Record<string, unknown> | undefined;
  /** Idle pooled connections of the proxy to this socket. */
  pool: { destroy(): void }[];
  /** Set once the socket is gone from the registry. */
  removed: boolean;
  probing: Promise<void> | undefined;
}

export interface RegistryOptions {
  socketDir: string;
  probeTimeoutMs: number;
  logger?: Logger;
}

function dropPool(entry: SocketEntry): void {
  for (const c of entry.pool.splice(0)) c.destroy();
}

interface Found {
  service: string;
  name: string;
  path: string;
  ino: number;
}

/** The set of discovered sockets: scanning, probing, and the connection pools used by the proxy. */
export class Registry {
  private readonly services = new Map<string, Map<string, SocketEntry>>();
  private scanning: Promise<void> | undefined;
  private rescan = false;
  private probeAllPending = false;
  private refreshSpecsPending = false;
  private closed = false;

  constructor(private readonly opts: RegistryOptions) {}

  /** The entry for `/<service>/<name>`, if known. */
  get(service: string, name: string): SocketEntry | undefined {
    return this.services.get(service)?.get(name);
  }

  /**
   * The entry for a socket the scan has not seen yet but which exists on disk now (a service
   * that just started). Names must already be valid.
   */
  async lookupOnDisk(service: string, name: string): Promise<SocketEntry | undefined> {
    const file = path.join(this.opts.socketDir, service, `${name}.sock`);
    let st: fs.Stats;
    try {
      // a symlinked service dir would lead outside the socket dir
      if (!(await fsp.lstat(path.dirname(file))).isDirectory()) return undefined;
      st = await fsp.lstat(file);
    } catch {
      return undefined;
    }
    if (!st.isSocket() || this.closed) return undefined;
    const existing = this.get(service, name);
    if (existing) return existing;
    const entry = this.add({ service, name, path: file, ino: st.ino });
    void this.probe(entry, true);
    return entry;
  }

  /** Marks an entry as not answering (after a proxy connect error) and re-probes it soon. */
  markDead(entry: SocketEntry, error: string): void {
    entry.status = 'inactive';
    entry.error = error;
    dropPool(entry);
    void this.probe(entry, false);
  }

  private add(f: Found): SocketEntry {
    let byName = this.services.get(f.service);
    if (!byName) this.services.set(f.service, (byName = new Map()));
    const entry: SocketEntry = {
      service: f.service,
      name: f.name,
      path: f.path,
      prefix: `/${f.service}/${f.name}`,
      ino: f.ino,
      status: 'unknown',
      protocol: undefined,
      title: undefined,
      version: undefined,
      description: undefined,
      error: undefined,
      checkedAt: undefined,
      spec: undefined,
      pool: [],
      removed: false,
      probing: undefined,
    };
    byName.set(f.name, entry);
    this.opts.logger?.info({ socket: entry.prefix }, 'socket discovered');
    return entry;
  }

  private remove(entry: SocketEntry): void {
    const byName = this.services.get(entry.service);
    byName?.delete(entry.name);
    if (byName && byName.size === 0) this.services.delete(entry.service);
    entry.removed = true;
    dropPool(entry);
    this.opts.logger?.info({ socket: entry.prefix }, 'socket gone');
  }

  /** Lists `<service>/<name>.sock` under the socket dir (real directories and sockets only). */
  private async list(): Promise<Found[]> {
    const root = this.opts.socketDir;
    let dirs: fs.Dirent[];
    try {
      dirs = await fsp.readdir(root, { withFileTypes: true });
    } catch {
      return [];
    }
    const found: Found[] = [];
    await Promise.all(
      dirs.map(async (d) => {
        // symlinked dirs are skipped: nothing outside the socket dir is ever reached
        if (!d.isDirectory() || !isValidName(d.name)) return;
        const dir = path.join(root, d.name);
        let files: fs.Dirent[];
        try {
          files = await fsp.readdir(dir, { withFileTypes: true });
        } catch {
          return;
        }
        await Promise.all(
          files.map(async (f) => {
            if (!f.isSocket() || !f.name.endsWith('.sock')) return;
            const name = f.name.slice(0, -5);
            if (!isValidName(name)) return;
            const file = path.join(dir, f.name);
            try {
              const st = await fsp.lstat(file);
              if (st.isSocket()) found.push({ service: d.name, name, path: file, ino: st.ino });
            } catch {
              /* gone meanwhile */
            }
          }),
        );
      }),
    );
    return found;
  }

  /** Service directories currently known (for the watcher). */
  serviceDirs(): string[] {
    return [...this.services.keys()].map((s) => path.join(this.opts.socketDir, s));
  }

  /**
   * Re-reads the socket dir: adds new sockets, drops vanished ones, re-probes replaced ones;
   * `probeAll` also re-probes every known socket. Concurrent calls share one pass (plus one
   * follow-up pass when asked while a pass runs).
   */
  scan(probeAll = false, refreshSpecs = false): Promise<void> {
    if (probeAll) this.probeAllPending = true;
    if (refreshSpecs) this.refreshSpecsPending = true;
    if (this.scanning) {
      this.rescan = true;
      return this.scanning;
    }
    this.scanning = (async () => {
      do {
        this.rescan = false;
        const all = this.probeAllPending;
        const specs = this.refreshSpecsPending;
        this.probeAllPending = false;
        this.refreshSpecsPending = false;
        const found = await this.list();
        if (this.closed) return;
        const seen = new Set<SocketEntry>();
        const toProbe: { entry: SocketEntry; spec: boolean }[] = [];
        for (const f of found) {
          let entry = this.get(f.service, f.name);
          if (entry && entry.ino !== f.ino) {
            // same name, new socket file: a restarted service
            this.remove(entry);
            entry = undefined;
          }
          if (!entry) {
            entry = this.add(f);
            toProbe.push({ entry, spec: true });
          } else if (all || specs) toProbe.push({ entry, spec: specs || entry.spec === undefined });
          seen.add(entry);
        }
        for (const byName of [...this.services.values()]) {
          for (const entry of [...byName.values()]) if (!seen.has(entry)) this.remove(entry);
        }
        await Promise.all(toProbe.map((p) => this.probe(p.entry, p.spec)));
      } while (this.rescan && !this.closed);
    })().finally(() => {
      this.scanning = undefined;
    });
    return this.scanning;
  }

  /** Probes one socket and records the outcome. */
  probe(entry: SocketEntry, wantSpec: boolean): Promise<void> {
    entry.probing ??= (async () => {
      const r = await probeSocket(entry.path, this.opts.probeTimeoutMs, wantSpec || entry.spec === undefined);
      const before = entry.status;
      entry.status = r.status;
      entry.protocol = r.protocol;
      entry.title = r.title;
      entry.version = r.version;
      entry.description = r.description;
      entry.error = r.error;
      entry.checkedAt = Date.now();
      if (r.spec) entry.spec = r.spec;
      if (before !== r.status) this.opts.logger?.info({ socket: entry.prefix, status: r.status }, 'socket status');
    })().finally(() => {
      entry.probing = undefined;
    });
    return entry.probing;
  }

  /** Every service with its sockets, sorted by name. */
  summaries(): ServiceSummary[] {
    return [...this.services.keys()].sort().map((s) => this.summary(s)!);
  }

  /** One service, or undefined. */
  summary(service: string, withMethods = false): ServiceSummary | undefined {
    const byName = this.services.get(service);
    if (!byName) return undefined;
    const sockets = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name)).map((e) => socketInfo(e, withMethods));
    const main = byName.get('rpc') ?? [...byName.values()][0]!;
    return { name: service, status: main.status, sockets };
  }

  /** All entries (for health counts). */
  entries(): SocketEntry[] {
    return [...this.services.values()].flatMap((m) => [...m.values()]);
  }

  close(): void {
    this.closed = true;
    for (const e of this.entries()) dropPool(e);
  }
}

/** Method names and summaries from an OpenRPC document. */
export function methodsOf(spec: Record<string, unknown> | undefined): MethodInfo[] {
  const list = spec?.methods;
  if (!Array.isArray(list)) return [];
  return list
    .filter((m): m is Record<string, unknown> => !!m && typeof m === 'object' && typeof (m as { name?: unknown }).name === 'string')
    .map((m) => ({
      name: m.name as string,
      summary: typeof m.summary === 'string' ? m.summary : typeof m.description === 'string' ? m.description : '',
      params: Array.isArray(m.params)
        ? (m.params as { name?: unknown; required?: unknown }[])
            .filter((p) => typeof p.name === 'string')
            .map((p) => ({ name: p.name as string, required: p.required === true }))
        : [],
    }));
}

function socketInfo(e: SocketEntry, withMethods: boolean): SocketInfo {
  const methods = methodsOf(e.spec);
  return {
    name: e.name,
    path: e.path,
    url: `${e.prefix}/`,
    status: e.status,
    protocol: e.protocol ?? null,
    title: e.title ?? null,
    version: e.version ?? null,
    description: e.description ?? null,
    error: e.error ?? null,
    checked_at: e.checkedAt ? new Date(e.checkedAt).toISOString() : null,
    method_count: methods.length,
    ...(withMethods ? { methods } : {}),
  };
}
