/**
 * Hero across nodes: three hero_bundle nodes on this machine (own HOME, socket dir, router
 * port), one shared redis-server, one Mycelium relay as every bus's upstream. Node a is the
 * master (hero_master example service), b and c are workers (the example mock runner started
 * by their supervisors, and the hero_worker agent that sends heartbeats to a).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcClient } from '@hero/core';
import { MyceliumClient } from '@hero/mycelium-bus/client';
import { SupervisorClient, busTransport, type JobResult } from '@hero/supervisor/client';
import { REPO_ROOT, TSX_NODE, startCluster, type Cluster } from '../src/index.js';

let cluster: Cluster;
const logs: string[] = [];

beforeAll(async () => {
  cluster = await startCluster({ routerUpstreamTimeoutMs: 2_000, log: (l) => logs.push(l) });
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

const node = (name: string) => [cluster.master, ...cluster.workers].find((n) => n.name === name)!;

/** A JSON-RPC call over HTTP (through a router), returning the status and parsed body. */
async function httpRpc(url: string, method: string, params: unknown, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let body: { result?: Record<string, unknown>; error?: { message: string; data?: { code?: string } }; [k: string]: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body };
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`${what}: not reached within ${ms} ms ${last ? String(last) : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function supervisorOf(name: string): SupervisorClient {
  return new SupervisorClient(node(name).socket('hero_supervisor'), { secret: cluster.secret, timeoutMs: 90_000 });
}

const nodeOf = (r: JobResult) => {
  if (!('success' in r)) throw new Error(`job failed: ${JSON.stringify(r)}`);
  return (JSON.parse(r.success) as { node: string }).node;
};

/** Submits rounds of jobs from a until runners on every node in `want` ran one. */
async function runUntilSeen(want: string[], rounds = 6): Promise<Set<string>> {
  const sup = supervisorOf('a');
  const seen = new Set<string>();
  try {
    for (let r = 0; r < rounds && !want.every((w) => seen.has(w)); r++) {
      const ids = await sup.createJobs(
        Array.from({ length: 4 }, (_, i) => ({ runner: 'work', payload: JSON.stringify({ sleep_ms: 300, echo: `${r}.${i}` }), timeout: 60 })),
        { start: true },
      );
      for (const id of ids) {
        const res = await sup.jobResult(id, 60);
        seen.add(nodeOf(res as JobResult));
      }
    }
  } finally {
    await sup.close();
  }
  return seen;
}

describe('three Hero nodes, one shared Redis', () => {
  it('node a submits jobs that the runners on b and c execute', async () => {
    const seen = await runUntilSeen(['b', 'c']);
    expect([...seen].sort()).toEqual(['b', 'c']);
    // every supervisor on the shared Redis sees the same jobs
    const fromC = supervisorOf('c');
    const listed = await fromC.listJobs({ runner: 'work', limit: 1000 });
    await fromC.close();
    expect(listed.length).toBeGreaterThanOrEqual(4);
    expect(listed.every((j) => j.status === 'finished')).toBe(true);
  });

  it('a calls a service on b through b\'s router with a token, and is refused without one', async () => {
    const b = node('b');
    const url = `${b.routerUrl}/hero_worker/rpc/rpc`;
    const ok = await httpRpc(url, 'worker.status', {}, cluster.masterToken);
    expect(ok.status).toBe(200);
    expect(ok.body.result).toMatchObject({ node: 'b', caller_context: 'master' });

    const none = await httpRpc(url, 'worker.status', {});
    expect(none.status).toBe(401);
    const wrong = await httpRpc(url, 'worker.status', {}, cluster.nodeToken('c'));
    expect(wrong.status).toBe(401);

    // a service that authorises by secret: the supervisor refuses a proxied call without one
    const sup = await httpRpc(`${b.routerUrl}/hero_supervisor/rpc/rpc`, 'list_runners', {}, cluster.masterToken);
    expect(sup.body.error?.data?.code).toBe('HERO_AUTH');
    const supOk = await httpRpc(`${b.routerUrl}/hero_supervisor/rpc/rpc`, 'list_runners', { secret: cluster.secret }, cluster.masterToken);
    expect(supOk.status).toBe(200);
  });

  it('heartbeats from b and c reach hero_master on a through a\'s router, with their context', async () => {
    const master = new RpcClient(node('a').socket('hero_master'), { timeoutMs: 10_000 });
    try {
      type View = { node: string; context: string; alive: boolean; beats: number };
      const list = await until('heartbeats of b and c', async () => {
        const l = await master.call<View[]>('node.list');
        return l.filter((n) => n.alive && n.beats > 0).length === 2 ? l : undefined;
      });
      expect(list.map((n) => [n.node, n.context]).sort()).toEqual([
        ['b', 'b'],
        ['c', 'c'],
      ]);
      // the master trusts only the router's context: no context, or another node's, is refused
      await expect(master.call('node.heartbeat', { node: 'b' })).rejects.toMatchObject({ code: 'HERO_AUTH' });
      const forged = await httpRpc(`${node('a').routerUrl}/hero_master/rpc/rpc`, 'node.heartbeat', { node: 'c' }, cluster.nodeToken('b'));
      expect(forged.body.error?.data?.code).toBe('HERO_AUTH');
      const noToken = await httpRpc(`${node('a').routerUrl}/hero_master/rpc/rpc`, 'node.heartbeat', { node: 'b' });
      expect(noToken.status).toBe(401);
    } finally {
      await master.close();
    }
  });

  it('a bus message from a to b\'s identity goes through the upstream and b\'s reply comes back', async () => {
    const busA = new MyceliumClient(node('a').socket('mycelium'));
    const busB = new MyceliumClient(node('b').socket('mycelium'));
    try {
      const infoB = await busB.getInfo();
      // raw request/reply: b's side pops and answers
      const answering = (async () => {
        const msg = await busB.popMessage({ topic: 'demo.echo', timeout: 30 });
        if (!msg) throw new Error('b received nothing');
        await busB.reply(msg, `b got: ${msg.payload.toString()}`);
        return msg;
      })();
      const reply = await busA.request({ dst: { pk: infoB.nodePubkey }, topic: 'demo.echo', payload: 'hello b' }, 30);
      const got = await answering;
      expect(reply.payload.toString()).toBe('b got: hello b');
      expect(got.srcPk).toBe((await busA.getInfo()).nodePubkey);
      expect(cluster.relay.hops.some((h) => h.kind === 'message' && h.from === 'a' && h.to === 'b' && h.topic === 'demo.echo')).toBe(true);
      expect(cluster.relay.hops.some((h) => h.kind === 'reply' && h.from === 'b' && h.to === 'a')).toBe(true);

      // addressed by b's overlay IP instead of its key
      const id = await busA.send({ dst: { ip: infoB.nodeIp ?? infoB.nodeSubnet.split('/')[0]! }, topic: 'demo.ip', payload: 'by address' });
      const byIp = await busB.popMessage({ topic: 'demo.ip', timeout: 30 });
      expect(byIp?.payload.toString()).toBe('by address');
      expect(byIp?.id).toBe(id);

      // b's supervisor serves JSON-RPC on the bus: a calls it by b's public key
      const overBus = new SupervisorClient(busTransport(busA, infoB.nodePubkey), { secret: cluster.secret, timeoutMs: 30_000 });
      const info = await overBus.getSupervisorInfo();
      expect(info.bus).toBeTruthy();
      expect(await overBus.listRunners()).toContain('work');
      const res = await overBus.runJob({ runner: 'work', payload: JSON.stringify({ echo: 'via bus' }), timeout: 30 });
      expect(JSON.parse((res as { success: string }).success)).toMatchObject({ echo: 'via bus' });

      // the client example does the same from the command line (b's supervisor takes the job;
      // a runner of b or c, on the shared Redis, runs it)
      const cli = await promisify(execFile)(
        TSX_NODE[0]!,
        [...TSX_NODE.slice(1), 'examples/clients/client.ts', 'bus', infoB.nodePubkey, '--bus', node('a').socket('mycelium'), '--runner', 'work'],
        { cwd: REPO_ROOT, env: { ...process.env, HERO_SUPERVISOR_SECRET: cluster.secret }, timeout: 60_000 },
      );
      expect(cli.stdout).toMatch(/^supervisor hero_supervisor \S+, namespace hero, runners: [1-9]/m);
      expect(cli.stdout).toMatch(/job result: \{"node":"[bc]".*"echo":"hello over bus"/);
    } finally {
      await busA.close();
      await busB.close();
    }
  });

  it('a service on b that hangs gives 504 and one that died gives 502, then it comes back', async () => {
    const b = node('b');
    const url = `${b.routerUrl}/hero_worker/rpc/rpc`;
    const agent = b.extraProcess(0)!;
    agent.kill('SIGSTOP');
    try {
      const t0 = Date.now();
      const hung = await httpRpc(url, 'worker.status', {}, cluster.masterToken);
      expect(hung.status).toBe(504);
      // the router's upstream_timeout_ms (2 s here), not the caller's own 30 s
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      agent.kill('SIGCONT');
    }
    agent.kill('SIGKILL');
    await new Promise((r) => agent.once('exit', r));
    const t1 = Date.now();
    const dead = await httpRpc(url, 'worker.status', {}, cluster.masterToken);
    expect(dead.status).toBe(502);
    expect(Date.now() - t1).toBeLessThan(5_000);
    expect(dead.body).toMatchObject({ error: expect.any(String) });
    await b.restartExtra(0);
    const back = await httpRpc(url, 'worker.status', {}, cluster.masterToken);
    expect(back.status).toBe(200);
  });

  it('b killed mid-job: its job is finished by c, calls to b fail at once, b restarted rejoins', async () => {
    const sup = supervisorOf('a');
    try {
      // both runners have concurrency 1: two long jobs occupy b and c
      const ids = await sup.createJobs(
        [0, 1].map((i) => ({ runner: 'work', payload: JSON.stringify({ sleep_ms: 4_000, echo: `long ${i}` }), timeout: 120 })),
        { start: true },
      );
      await until('both long jobs started', async () => {
        const st = await Promise.all(ids.map((id) => sup.jobStatus(id)));
        return st.every((s) => s.status === 'started');
      });
      const b = node('b');
      await b.kill();

      // nothing listens on b any more: a's call fails immediately instead of hanging
      const t0 = Date.now();
      const err = await fetch(`${b.routerUrl}/hero_worker/rpc/rpc`, { method: 'POST', signal: AbortSignal.timeout(30_000) }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect((err?.cause as { code?: string } | undefined)?.code).toBe('ECONNREFUSED');
      expect(Date.now() - t0).toBeLessThan(5_000);

      const results = await Promise.all(ids.map((id) => sup.jobResult(id, 90)));
      expect(results.map((r) => nodeOf(r as JobResult))).toEqual(['c', 'c']);
      const attempts = await Promise.all(ids.map(async (id) => (await sup.jobStatus(id)).attempts));
      expect(attempts.sort()).toEqual([1, 2]);

      // the master notices the missing heartbeats
      const master = new RpcClient(node('a').socket('hero_master'), { timeoutMs: 10_000 });
      try {
        await until('b listed as not alive', async () => {
          const l = await master.call<{ node: string; alive: boolean }[]>('node.list');
          return l.some((n) => n.node === 'b' && !n.alive);
        });

        // b comes back with the same HOME and socket dir
        await b.start();
        await cluster.registerBuses();
        await until('b alive again', async () => {
          const l = await master.call<{ node: string; alive: boolean }[]>('node.list');
          return l.some((n) => n.node === 'b' && n.alive);
        });
      } finally {
        await master.close();
      }
      const back = await httpRpc(`${b.routerUrl}/hero_worker/rpc/rpc`, 'worker.status', {}, cluster.masterToken);
      expect(back.status).toBe(200);
      const seen = await runUntilSeen(['b']);
      expect(seen.has('b')).toBe(true);
    } finally {
      await sup.close();
    }
  });
});
