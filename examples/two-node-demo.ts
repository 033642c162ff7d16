/**
 * Two Hero nodes on this machine, talking the way two machines would:
 *   node a (master): hero_bundle + the hero_master example service;
 *   node b (worker): hero_bundle whose supervisor runs the mock runner, + the hero_worker agent;
 *   one redis-server shared by both supervisors; a small Mycelium relay as both buses' upstream.
 * Each cross-node step is printed as it happens.
 *
 *   cd examples && npx tsx --conditions=@hero/source two-node-demo.ts
 */
import { RpcClient } from '@hero/core';
import { startCluster } from '@hero/multinode';
import { MyceliumClient } from '@hero/mycelium-bus/client';
import { SupervisorClient, busTransport } from '@hero/supervisor/client';

const say = (line: string) => process.stdout.write(`${line}\n`);
const step = (n: number, title: string) => say(`\n[${n}] ${title}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function post(url: string, method: string, params: unknown, token?: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, body: await res.text() };
}

say('starting: shared redis-server, Mycelium relay, node a (master), node b (worker)…');
// routers give up on a silent service after 2 s (504), as a master polling workers would want
const cluster = await startCluster({ workers: ['b'], routerUpstreamTimeoutMs: 2_000, log: (l) => say(`    ${l}`) });
cluster.relay.onHop = (h) => say(`    relay: ${h.kind} ${h.from} → ${h.to} (topic ${h.topic || '-'}, id ${h.id})`);
const [a, b] = [cluster.master, cluster.workers[0]!];
const sup = new SupervisorClient(a.socket('hero_supervisor'), { secret: cluster.secret });
let failed = false;
try {
  step(1, 'a submits a job on its own supervisor; b\'s runner takes it from the shared Redis');
  const r1 = await sup.runJob({ runner: 'work', payload: JSON.stringify({ echo: 'hello from a', sleep_ms: 200 }), timeout: 30 });
  say(`    result: ${'success' in r1 ? r1.success : r1.error}`);

  step(2, 'a calls hero_worker on b through b\'s router');
  const url = `${b.routerUrl}/hero_worker/rpc/rpc`;
  const ok = await post(url, 'worker.status', {}, cluster.masterToken);
  say(`    POST ${url} with a's token → ${ok.status} ${ok.body}`);
  const refused = await post(url, 'worker.status', {});
  say(`    the same without a token → ${refused.status} ${refused.body}`);

  step(3, 'b\'s heartbeats reach hero_master on a through a\'s router (context from b\'s token)');
  const master = new RpcClient(a.socket('hero_master'));
  for (let i = 0; ; i++) {
    const l = await master.call<{ node: string; context: string; beats: number; alive: boolean }[]>('node.list');
    const nb = l.find((n) => n.node === 'b');
    if (nb?.alive) {
      say(`    hero_master on a knows b: context "${nb.context}", ${nb.beats} heartbeats, alive`);
      break;
    }
    if (i === 100) throw new Error('no heartbeat of b reached hero_master within 20 s');
    await sleep(200);
  }

  step(4, 'a sends a bus message to b\'s public key; it travels through the upstream and b replies');
  const busA = new MyceliumClient(a.socket('mycelium'));
  const busB = new MyceliumClient(b.socket('mycelium'));
  const infoB = await busB.getInfo();
  say(`    b's identity: ${infoB.nodePubkey.slice(0, 16)}… (${infoB.nodeSubnet})`);
  const answering = busB.popMessage({ topic: 'demo.echo', timeout: 30 }).then(async (m) => {
    if (m) await busB.reply(m, `b got "${m.payload.toString()}"`);
  });
  const reply = await busA.request({ dst: { pk: infoB.nodePubkey }, topic: 'demo.echo', payload: 'ping from a' }, 30);
  await answering;
  say(`    reply on a: ${reply.payload.toString()}`);
  const overBus = new SupervisorClient(busTransport(busA, infoB.nodePubkey), { secret: cluster.secret });
  const viaBus = await overBus.runJob({ runner: 'work', payload: JSON.stringify({ echo: 'job sent over the bus' }), timeout: 30 });
  say(`    job.run on b's supervisor over the bus → ${'success' in viaBus ? viaBus.success : viaBus.error}`);

  step(5, 'hero_worker on b hangs, then dies: b\'s router answers a with 504, then 502, instead of hanging');
  const agent = b.extraProcess(0)!;
  const timed = async () => {
    const t0 = Date.now();
    const r = await post(url, 'worker.status', {}, cluster.masterToken);
    return `${r.status} ${r.body} (${Date.now() - t0} ms)`;
  };
  agent.kill('SIGSTOP');
  try {
    say(`    hero_worker stopped (SIGSTOP) → ${await timed()}`);
  } finally {
    agent.kill('SIGCONT');
  }
  agent.kill('SIGKILL');
  await new Promise((r) => agent.once('exit', r));
  say(`    hero_worker killed → ${await timed()}`);
  await b.restartExtra(0);
  say(`    hero_worker restarted → ${await timed()}`);

  step(6, 'b dies in the middle of a job');
  const id = await sup.createJob({ runner: 'work', payload: JSON.stringify({ echo: 'survives', sleep_ms: 3000 }), timeout: 60 }, { start: true });
  while ((await sup.jobStatus(id)).status !== 'started') await sleep(100);
  say(`    job ${id} started on b`);
  await b.kill();
  const err = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(10_000) }).catch((e: Error) => e);
  say(`    a → b's router now: ${err instanceof Error ? `fails at once (${(err.cause as { code?: string })?.code ?? err.message})` : `HTTP ${err.status}`}`);
  say(`    job status right after: ${(await sup.jobStatus(id)).status}`);
  // b's runner no longer renews its heartbeat: a supervisor's reaper puts the job back
  for (let i = 0; i < 100 && (await sup.jobStatus(id)).status === 'started'; i++) await sleep(100);
  say(`    once b's runner heartbeat expired: ${(await sup.jobStatus(id)).status} (waiting in the queue for a runner)`);

  step(7, 'b restarts and rejoins: the job goes back to the queue and b\'s new runner finishes it');
  await b.start();
  await cluster.registerBuses();
  const r6 = await sup.jobResult(id, 90);
  const st = await sup.jobStatus(id);
  say(`    job ${id}: ${st.status} after ${st.attempts} attempts → ${'success' in r6 ? r6.success : JSON.stringify(r6)}`);
  // on one machine each start picks a free router port; a real node keeps its address
  const back = await post(`${b.routerUrl}/hero_worker/rpc/rpc`, 'worker.status', {}, cluster.masterToken);
  say(`    a → b's router again (${b.routerUrl}) → ${back.status} ${back.body}`);
  await Promise.all([master.close(), busA.close(), busB.close(), overBus.close()]);
} catch (e) {
  failed = true;
  say(`demo failed: ${(e as Error).stack ?? e}`);
} finally {
  await sup.close();
  say('\nstopping both nodes…');
  await cluster.stop();
  say('done');
  process.exitCode = failed ? 1 : 0;
}
