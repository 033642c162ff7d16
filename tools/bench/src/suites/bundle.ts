import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { RpcClient } from '@hero/core';
import { benchDir, rssOf, startProcess, stopProcess } from '../load.js';
import type { Contender, Suite } from '../harness.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Every HTTP socket of the seven services (resp.sock is RESP, probed by hero_db's rpc.sock). */
const SOCKETS: [string, string][] = [
  ['mycelium', 'rpc'],
  ['hero_db', 'rpc'],
  ['hero_indexer', 'rpc'],
  ['hero_code', 'rpc'],
  ['hero_code', 'editor'],
  ['hero_proc', 'rpc'],
  ['hero_proc', 'admin'],
  ['hero_supervisor', 'rpc'],
  ['hero_router', 'rpc'],
  ['hero_router', 'admin'],
];

/** Per-service TOML tables that keep fixed ports and HOME paths out of the way. */
function tables(work: string): Record<string, string> {
  return {
    db: 'tcp = ""\n',
    router: 'listen = "127.0.0.1:0"\n',
    code: `root = "${path.join(work, 'code')}"\n`,
  };
}

async function allHealthy(socketDir: string, deadline: number, only?: string): Promise<void> {
  const clients = SOCKETS.filter(([s]) => !only || s === only).map(
    ([s, n]) => new RpcClient(path.join(socketDir, s, `${n}.sock`), { timeoutMs: 2000 }),
  );
  try {
    await Promise.all(
      clients.map(async (c) => {
        for (;;) {
          try {
            await c.getJson('/health');
            return;
          } catch {
            if (Date.now() > deadline) throw new Error(`${c.target} did not answer`);
            await new Promise((r) => setTimeout(r, 5));
          }
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}

/** Starts processes, waits until every socket answers, measures time and summed RSS, stops. */
function contender(name: string, role: 'anchor' | 'hero', spawnAll: (work: string, env: Record<string, string>) => Promise<ChildProcess[]>): Contender {
  return {
    name,
    role,
    async run() {
      const work = await benchDir('bundle');
      await fs.mkdir(path.join(work, 'code'), { recursive: true });
      const socketDir = path.join(work, 'sockets');
      const env = { HOME: work, HERO_SOCKET_DIR: socketDir };
      const t0 = performance.now();
      const children = await spawnAll(work, env);
      try {
        await allHealthy(socketDir, Date.now() + 60_000);
        const readyMs = performance.now() - t0;
        await new Promise((r) => setTimeout(r, 1000)); // settle before reading memory
        let rss = 0;
        for (const c of children) rss += await rssOf(c.pid!);
        return { readyMs, rssMiB: rss / 1024 / 1024 };
      } finally {
        await Promise.all(children.map((c) => stopProcess(c)));
        await fs.rm(work, { recursive: true, force: true });
      }
    },
  };
}

const APPS: [app: string, table: string, service: string][] = [
  ['hero-mycelium', '', 'mycelium'],
  ['hero-db', 'db', 'hero_db'],
  ['hero-indexer', '', 'hero_indexer'],
  ['hero-code', 'code', 'hero_code'],
  ['hero-proc', '', 'hero_proc'],
  ['hero-supervisor', '', 'hero_supervisor'],
  ['hero-router', 'router', 'hero_router'],
];

export const suite: Suite = {
  name: 'bundle',
  description: 'hero_bundle vs the seven standalone apps started together: time until every socket answers /health, total RSS',
  rounds: 5,
  metrics: [
    { key: 'readyMs', label: 'time until all sockets answer', unit: 'ms', better: 'lower' },
    { key: 'rssMiB', label: 'total RSS', unit: 'MiB', better: 'lower' },
  ],
  contenders: ({ args }) => {
    const sea = path.join(root, 'apps/hero-bundle/sea/hero_bundle');
    const exe = args.exe ?? sea;
    return [
      // started in the bundle's order, each as soon as the one before answers (the supervisor
      // needs hero_db's socket at start, exactly as inside the bundle)
      contender('seven standalone apps', 'anchor', async (work, env) => {
        const t = tables(work);
        const children: ChildProcess[] = [];
        for (const [app, key, service] of APPS) {
          const cfg = path.join(work, `${app}.toml`);
          await fs.writeFile(cfg, key ? t[key]! : '');
          children.push(startProcess(process.execPath, [path.join(root, 'apps', app, 'dist/cli.js'), 'serve', '--config', cfg], { env }));
          await allHealthy(env.HERO_SOCKET_DIR!, Date.now() + 60_000, service);
        }
        return children;
      }),
      contender('hero_bundle', 'hero', async (work, env) => {
        const t = tables(work);
        const cfg = path.join(work, 'hero_bundle.toml');
        await fs.writeFile(cfg, Object.entries(t).map(([k, v]) => `[${k}]\n${v}`).join(''));
        return [startProcess(exe, ['--config', cfg], { env })];
      }),
    ];
  },
};
