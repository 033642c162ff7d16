/**
 * Hero across nodes (one machine): a master and three worker nodes, each a hero_bundle with its
 * own sockets and router, all supervisors on one redis-server. Two parts:
 *
 *   --part jobs (default): jobs/s drained by the runners of 1, 2 and 3 worker nodes
 *       [--jobs 2000] [--sleep-ms 20]  (noop jobs, and jobs that wait sleep-ms like I/O)
 *   --part rpc: JSON-RPC latency p50/p99, direct on the Unix socket vs through the router and over the bus
 *       [--calls 2000]
 */
import { jobContenders, rpcContenders } from '@hero/multinode';
import type { Metric, Suite } from '../harness.js';

const jobMetrics: Metric[] = [
  { key: 'noop', label: 'noop jobs', unit: 'jobs/s', better: 'higher' },
  { key: 'io', label: 'jobs waiting 20 ms each (I/O-like)', unit: 'jobs/s', better: 'higher' },
];
const rpcMetrics: Metric[] = [
  { key: 'p50', label: 'RPC latency p50', unit: 'ms', better: 'lower' },
  { key: 'p99', label: 'RPC latency p99', unit: 'ms', better: 'lower' },
];
const log = (l: string) => process.stderr.write(`  ${l}\n`);

export const suite: Suite = {
  name: 'multinode',
  description: 'jobs/s with 1, 2, 3 runner nodes on one shared Redis (--part jobs), or RPC latency through a router (--part rpc)',
  rounds: 3,
  metrics: jobMetrics,
  contenders: ({ args }) => {
    if (args.part === 'rpc') {
      suite.metrics = rpcMetrics;
      return rpcContenders({ calls: Number(args.calls ?? 2000), log });
    }
    const sleepMs = Number(args['sleep-ms'] ?? 20);
    jobMetrics[1]!.label = `jobs waiting ${sleepMs} ms each (I/O-like)`;
    return jobContenders({ jobs: Number(args.jobs ?? 2000), sleepMs, log });
  },
};
