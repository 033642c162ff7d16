/**
 * A small cluster on one machine: a master node and worker nodes, each a hero_bundle with its
 * own HOME, socket dir and router port; one shared redis-server for every supervisor; one
 * Mycelium relay as every bus's upstream. Used by the multi-node test, the demo and the bench.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MyceliumClient } from '@hero/mycelium-bus/client';
import { SupervisorClient } from '@hero/supervisor/client';
import { HeroNode } from './node.js';
import { MyceliumRelay } from './relay.js';
import { startRedis, type RedisServer } from './redis.js';

export interface ClusterOptions {
  /** Worker node names (default `['b', 'c']`); the master is `a`. */
  workers?: string[];
  /** Runner concurrency of each worker's mock runner (default 1). */
  concurrency?: number;
  /** The master's example service and the workers' agents (default true). */
  agents?: boolean;
  /** Router upstream timeout of every node (default 60 s). */
  routerUpstreamTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface Cluster {
  dir: string;
  redis: RedisServer;
  relay: MyceliumRelay;
  master: HeroNode;
  workers: HeroNode[];
  /** Admin secret of every supervisor (they share one Redis). */
  secret: string;
  /** Token the master uses on the workers' routers (context `master`). */
  masterToken: string;
  /** Token of a worker on the master's router (context = the worker's name). */
  nodeToken(name: string): string;
  /** Tells the relay every node's bus identity (again after a restart). */
  registerBuses(): Promise<void>;
  stop(): Promise<void>;
}

const token = () => randomBytes(18).toString('base64url');

export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const workerNames = opts.workers ?? ['b', 'c'];
  const agents = opts.agents ?? true;
  const log = opts.log;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hero-multinode-'));
  const secret = `admin-${token()}`;
  const registerSecret = `register-${token()}`;
  const masterToken = token();
  const nodeTokens = new Map(workerNames.map((n) => [n, token()]));
  const started: HeroNode[] = [];
  let redis: RedisServer | undefined;
  const relay = new MyceliumRelay();
  const stop = async () => {
    await Promise.allSettled(started.map((n) => n.stop()));
    await relay.stop().catch(() => {});
    await redis?.stop().catch(() => {});
    await fs.rm(dir, { recursive: true, force: true }).catch(() => {});
  };
  try {
    redis = await startRedis(path.join(dir, 'redis'));
    log?.(`shared redis-server at ${redis.url}`);
    await relay.start();
    log?.(`Mycelium relay at ${relay.url}`);
    const common = { redisUrl: redis.url, supervisorSecret: secret, registerSecret, routerUpstreamTimeoutMs: opts.routerUpstreamTimeoutMs, log };
    const master = new HeroNode({
      ...common,
      name: 'a',
      root: path.join(dir, 'a'),
      upstream: relay.upstreamFor('a'),
      routerTokens: workerNames.map((n) => ({ token: nodeTokens.get(n)!, context: n, name: `worker ${n}` })),
      extras: agents ? [{ name: 'hero_master', script: 'examples/master/master.ts', config: { stale_after_ms: 3000 } }] : [],
    });
    started.push(master);
    await master.start();
    const workers = workerNames.map(
      (n) =>
        new HeroNode({
          ...common,
          name: n,
          root: path.join(dir, n),
          upstream: relay.upstreamFor(n),
          supervisorBus: true,
          routerTokens: [{ token: masterToken, context: 'master', name: 'master' }],
          runners: [{ name: 'work', concurrency: opts.concurrency ?? 1 }],
          extras: agents
            ? [
                {
                  name: 'hero_worker',
                  script: 'examples/worker/agent.ts',
                  config: {
                    node: n,
                    master_url: master.routerUrl,
                    master_token: nodeTokens.get(n)!,
                    heartbeat_ms: 500,
                    runners: ['work'],
                    register_secret: registerSecret,
                  },
                },
              ]
            : [],
        }),
    );
    started.push(...workers);
    await Promise.all(workers.map((w) => w.start()));
    const registerBuses = async () => {
      for (const n of [master, ...workers]) {
        const bus = new MyceliumClient(n.socket('mycelium'));
        try {
          relay.register(n.name, await bus.getInfo());
        } finally {
          await bus.close();
        }
      }
    };
    await registerBuses();
    // the runners are known once a worker registered them (its agent does, through a's router)
    const sup = new SupervisorClient(master.socket('hero_supervisor'), { secret });
    try {
      if (!agents) await sup.registerRunner('work');
      const end = Date.now() + 60_000;
      while (!(await sup.listRunners()).includes('work')) {
        if (Date.now() > end) throw new Error('runner "work" was not registered within 60 s');
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await sup.close();
    }
    log?.('runner "work" registered on the shared Redis');
    return {
      dir,
      redis,
      relay,
      master,
      workers,
      secret,
      masterToken,
      nodeToken: (name) => nodeTokens.get(name) ?? '',
      registerBuses,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
