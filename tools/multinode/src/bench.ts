/**
 * Bench logic for `tools/bench/src/suites/multinode.ts`: one cluster (master a, workers
 * b, c, d; the example mock runner on each worker, all supervisors on one redis-server).
 *
 * - jobs: a's supervisor takes batches of jobs while the runners of 1, 2 or 3 worker nodes
 *   drain them; the other workers' runners are stopped (`stop_runner` on their own node).
 * - rpc: one JSON-RPC call (`getInfo` of b's bus) straight on b's Unix socket, against the same
 *   call from "a" through b's router over TCP with a bearer token, and a bus request/reply from a
 *   to b through the relay.
 */
import { Agent, request } from 'undici';
import { MyceliumClient } from '@hero/mycelium-bus/client';
import { SupervisorClient } from '@hero/supervisor/client';
import { startCluster, type Cluster } from './cluster.js';

export interface BenchContender {
  name: string;
  role: 'anchor' | 'hero';
  setup?: () => Promise<void>;
  run: () => Promise<Record<string, number>>;
  teardown?: () => Promise<void>;
}

/** One cluster shared by every contender: started by the first setup, stopped by the last teardown. */
function sharedCluster(log?: (l: string) => void) {
  let cluster: Promise<Cluster> | undefined;
  let users = 0;
  return {
    acquire(): Promise<Cluster> {
      users++;
      cluster ??= startCluster({ workers: ['b', 'c', 'd'], agents: false, concurrency: 8, log });
      return cluster;
    },
    async release(): Promise<void> {
      if (--users === 0 && cluster) {
        const c = await cluster;
        cluster = undefined;
        await c.stop();
      }
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function setActiveWorkers(c: Cluster, n: number): Promise<void> {
  for (const [i, w] of c.workers.entries()) {
    const sup = new SupervisorClient(w.socket('hero_supervisor'), { secret: c.secret });
    try {
      const st = await sup.getRunnerStatus('work');
      if (i < n && st.state !== 'running') await sup.startRunner('work');
      if (i >= n && st.state === 'running') await sup.stopRunner('work');
    } finally {
      await sup.close();
    }
  }
  const sup = new SupervisorClient(c.master.socket('hero_supervisor'), { secret: c.secret });
  try {
    const end = Date.now() + 60_000;
    while ((await sup.getRunnerStatus('work')).instances !== n) {
      if (Date.now() > end) throw new Error(`runner instances did not settle at ${n}`);
      await sleep(100);
    }
  } finally {
    await sup.close();
  }
}

/** Submits `jobs` jobs (batches of 100) from a and waits until every one has ended. */
async function drain(c: Cluster, jobs: number, sleepMs: number): Promise<number> {
  const sup = new SupervisorClient(c.master.socket('hero_supervisor'), { secret: c.secret, timeoutMs: 300_000 });
  try {
    const payload = JSON.stringify({ sleep_ms: sleepMs });
    const t0 = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < jobs; i += 100) {
      const n = Math.min(100, jobs - i);
      ids.push(...(await sup.createJobs(Array.from({ length: n }, () => ({ runner: 'work', payload, timeout: 120 })), { start: true })));
    }
    for (let i = 0; i < ids.length; i += 100) {
      const res = await Promise.all(ids.slice(i, i + 100).map((id) => sup.jobResult(id, 240)));
      const bad = res.find((r) => !('success' in r));
      if (bad) throw new Error(`job did not succeed: ${JSON.stringify(bad)}`);
    }
    const secs = (performance.now() - t0) / 1000;
    // keep the shared Redis small between rounds
    for (let i = 0; i < ids.length; i += 100) await Promise.all(ids.slice(i, i + 100).map((id) => sup.deleteJob(id)));
    return jobs / secs;
  } finally {
    await sup.close();
  }
}

/** Contenders of the jobs part: 1 worker node (anchor), 2 and 3. */
export function jobContenders(opts: { jobs: number; sleepMs: number; log?: (l: string) => void }): BenchContender[] {
  const shared = sharedCluster(opts.log);
  let cluster: Cluster | undefined;
  return [1, 2, 3].map((n) => ({
    name: n === 1 ? '1 node' : `${n} nodes`,
    role: n === 1 ? 'anchor' : 'hero',
    async setup() {
      cluster = await shared.acquire();
      await setActiveWorkers(cluster, n);
      await drain(cluster, 200, 0); // warm-up
    },
    async run() {
      await setActiveWorkers(cluster!, n);
      const noop = await drain(cluster!, opts.jobs, 0);
      const io = await drain(cluster!, opts.jobs, opts.sleepMs);
      return { noop, io };
    },
    teardown: () => shared.release(),
  }));
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** Contenders of the rpc part: direct Unix socket call (anchor) vs through b's router with a token. */
export function rpcContenders(opts: { calls: number; log?: (l: string) => void }): BenchContender[] {
  const shared = sharedCluster(opts.log);
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getInfo', params: [] });
  const make = (name: string, role: 'anchor' | 'hero', via: 'socket' | 'router'): BenchContender => {
    let cluster: Cluster | undefined;
    let agent: Agent | undefined;
    let url = '';
    let headers: Record<string, string> = {};
    const once = async () => {
      const t = performance.now();
      const res = await request(url, { method: 'POST', body, headers, dispatcher: agent });
      const out = (await res.body.json()) as { result?: { nodePubkey?: string } };
      if (res.statusCode !== 200 || !out.result?.nodePubkey) throw new Error(`bad reply ${res.statusCode}`);
      return performance.now() - t;
    };
    return {
      name,
      role,
      async setup() {
        cluster = await shared.acquire();
        const b = cluster.workers[0]!;
        if (via === 'socket') {
          agent = new Agent({ connect: { socketPath: b.socket('mycelium') }, connections: 1 });
          url = 'http://localhost/rpc';
          headers = { 'content-type': 'application/json' };
        } else {
          agent = new Agent({ connections: 1 });
          url = `${b.routerUrl}/mycelium/rpc/rpc`;
          headers = { 'content-type': 'application/json', authorization: `Bearer ${cluster.masterToken}` };
        }
        for (let i = 0; i < 200; i++) await once();
      },
      async run() {
        const xs: number[] = [];
        for (let i = 0; i < opts.calls; i++) xs.push(await once());
        return { p50: percentile(xs, 50), p99: percentile(xs, 99) };
      },
      async teardown() {
        await agent?.close();
        await shared.release();
      },
    };
  };
  return [make('direct Unix socket', 'anchor', 'socket'), make('through the router (TCP, token)', 'hero', 'router'), busContender(shared, opts.calls)];
}

/** a → its bus → relay → b's bus → a responder on b, and the reply back the same way. */
function busContender(shared: ReturnType<typeof sharedCluster>, calls: number): BenchContender {
  let cluster: Cluster | undefined;
  let busA: MyceliumClient | undefined;
  let busB: MyceliumClient | undefined;
  let pk = '';
  const ac = new AbortController();
  let responder: Promise<void> | undefined;
  const once = async () => {
    const t = performance.now();
    const r = await busA!.request({ dst: { pk }, topic: 'bench.echo', payload: 'ping' }, 30);
    if (r.payload.toString() !== 'pong') throw new Error('bad bus reply');
    return performance.now() - t;
  };
  return {
    name: 'over the bus (a → relay → b)',
    role: 'hero',
    async setup() {
      cluster = await shared.acquire();
      busA = new MyceliumClient(cluster.master.socket('mycelium'));
      busB = new MyceliumClient(cluster.workers[0]!.socket('mycelium'));
      pk = (await busB.getInfo()).nodePubkey;
      responder = (async () => {
        while (!ac.signal.aborted) {
          const m = await busB!.popMessage({ topic: 'bench.echo', timeout: 1 }).catch(() => null);
          if (m) await busB!.reply(m, 'pong');
        }
      })();
      for (let i = 0; i < 100; i++) await once();
    },
    async run() {
      const xs: number[] = [];
      for (let i = 0; i < Math.min(calls, 1000); i++) xs.push(await once());
      return { p50: percentile(xs, 50), p99: percentile(xs, 99) };
    },
    async teardown() {
      ac.abort();
      await responder;
      await busA?.close();
      await busB?.close();
      await shared.release();
    },
  };
}
