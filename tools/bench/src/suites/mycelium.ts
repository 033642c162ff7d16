/**
 * Message bus: local push→pop throughput and request/reply round-trip latency through
 * `mycelium/rpc.sock`, beside the same patterns on Redis lists (LPUSH/BRPOP with ioredis against
 * a redis-server started here), measured in the same run.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { MyceliumClient, type PushMessageBody } from '@hero/mycelium-bus/client';
import { benchDir, startProcess, stopProcess, waitForSocket } from '../load.js';
import { percentile, type Contender, type Measurement, type Suite } from '../harness.js';

/** Concurrent producer and consumer loops (`--producers N --consumers N`). */
let PRODUCERS = 8;
let CONSUMERS = 8;
const PAYLOAD = Buffer.alloc(128, 'x').toString('base64');
const TOPIC = Buffer.from('bench.q').toString('base64');
/** Untimed run after setup so every contender is measured warm (JIT, connections). */
const WARMUP_MS = 5000;

/** Shared driver: throughput with concurrent producers/consumers, then sequential request/reply. */
interface Pattern {
  push(): Promise<void>;
  /** Consumer `i` takes a message; resolves true when it got one. */
  pop(i: number): Promise<boolean>;
  request(): Promise<void>;
  /** Serves requests until `signal` aborts. */
  serve(signal: AbortSignal): Promise<void>;
  drain(): Promise<void>;
}

async function measure(p: Pattern, durationMs: number): Promise<Measurement> {
  // throughput: producers and consumers run side by side for the window; only messages
  // consumed within it count. The window, not the time the loops take to end, is the divisor:
  // a consumer's last pop may wait out its timeout after the producers stopped (0.1 s for
  // BRPOP, 1 s for popMessage, whose timeout is whole seconds), and that wait is not throughput.
  let consumed = 0;
  const end = performance.now() + durationMs;
  await Promise.all([
    ...Array.from({ length: PRODUCERS }, async () => {
      while (performance.now() < end) await p.push();
    }),
    ...Array.from({ length: CONSUMERS }, async (_, i) => {
      while (performance.now() < end) if ((await p.pop(i)) && performance.now() <= end) consumed++;
    }),
  ]);
  const perSec = consumed / (durationMs / 1000);
  await p.drain();

  // request/reply: one requester at a time, one responder
  const ac = new AbortController();
  const serving = p.serve(ac.signal);
  const lat: number[] = [];
  const warm = performance.now() + 300;
  for (let i = 0; i < 200 && performance.now() < warm; i++) await p.request();
  const rEnd = performance.now() + durationMs / 2;
  while (performance.now() < rEnd || lat.length < 200) {
    const t = performance.now();
    await p.request();
    lat.push(performance.now() - t);
  }
  ac.abort();
  await serving;
  return { msgs: perSec, p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

function redisContender(durationMs: number): Contender {
  let dir = '';
  let server: ChildProcess | undefined;
  let sock = '';
  const conns: Redis[] = [];
  const conn = () => {
    const r = new Redis({ path: sock, lazyConnect: false, maxRetriesPerRequest: null });
    conns.push(r);
    return r;
  };
  let producer!: Redis;
  let consumers: Redis[] = [];
  let requester!: Redis;
  let requesterWait!: Redis;
  let responder!: Redis;
  let responderOut!: Redis;
  let next = 0;
  const pattern: Pattern = {
    push: async () => {
      await producer.lpush('q', PAYLOAD);
    },
    // each consumer loop has its own connection: BRPOP blocks it
    pop: async (i) => (await consumers[i]!.brpop('q', 0.1)) !== null,
    request: async () => {
      const id = String(++next);
      await requester.lpush('req', `${id}:${PAYLOAD}`);
      const r = await requesterWait.brpop(`reply:${id}`, 5);
      if (!r) throw new Error('no reply from the redis responder');
    },
    serve: async (signal) => {
      while (!signal.aborted) {
        const r = await responder.brpop('req', 0.2);
        if (!r) continue;
        const msg = r[1];
        const id = msg.slice(0, msg.indexOf(':'));
        await responderOut.lpush(`reply:${id}`, PAYLOAD);
      }
    },
    drain: async () => {
      await producer.del('q');
    },
  };
  return {
    name: 'redis lists (ioredis)',
    role: 'anchor',
    async setup() {
      dir = await benchDir('mycelium-redis');
      sock = path.join(dir, 'redis.sock');
      server = startProcess('redis-server', ['--port', '0', '--unixsocket', sock, '--save', '', '--appendonly', 'no']);
      await waitForSocket(sock);
      producer = conn();
      consumers = Array.from({ length: CONSUMERS }, conn);
      requester = conn();
      requesterWait = conn();
      responder = conn();
      responderOut = conn();
      await measure(pattern, WARMUP_MS);
    },
    run: () => measure(pattern, durationMs),
    async teardown() {
      for (const c of conns) c.disconnect();
      if (server) await stopProcess(server);
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `autoBatch`: the client sends the calls of one tick that cannot wait (here the pushes) as one
 * JSON-RPC batch frame — the bus client's analogue of ioredis' auto-pipelining. Long polls go
 * alone either way.
 */
function heroContender(durationMs: number, transport: 'http' | 'ws', autoBatch = false): Contender {
  let dir = '';
  let server: ChildProcess | undefined;
  let client!: MyceliumClient;
  /** The consumers' connection, as the Redis side pops on connections apart from the producer's. */
  let consumer!: MyceliumClient;
  let responder!: MyceliumClient;
  let body!: PushMessageBody;
  let reqBody!: PushMessageBody;
  const reqTopic = Buffer.from('bench.rpc').toString('base64');
  const pattern: Pattern = {
    push: async () => {
      await client.pushMessageRaw(body);
    },
    pop: async () => (await consumer.popMessageRaw(false, 1, TOPIC)) !== null,
    request: async () => {
      const r = await client.pushMessageRaw(reqBody, 5);
      if (!('payload' in r)) throw new Error('no reply from the bus responder');
    },
    serve: async (signal) => {
      while (!signal.aborted) {
        const m = await responder.popMessageRaw(false, 1, reqTopic);
        if (m) await responder.pushMessageReplyRaw(m.id, { dst: { pk: m.srcPk }, payload: PAYLOAD });
      }
    },
    drain: async () => {
      while (await client.popMessageRaw(false, 0, TOPIC)) {
        /* empty the queue */
      }
    },
  };
  return {
    name: `hero mycelium-bus (${transport}${autoBatch ? ', autoBatch' : ''})`,
    role: 'hero',
    async setup() {
      dir = await benchDir('mycelium');
      const code = [
        "import { run, configSchema } from '@hero/mycelium-bus';",
        `const config = configSchema.parse({ socket_dir: ${JSON.stringify(path.join(dir, 's'))}, data_dir: ${JSON.stringify(path.join(dir, 'd'))}, max_queue_messages: 1000000, max_queue_bytes: 1e9, max_total_bytes: 2e9 });`,
        'const ac = new AbortController();',
        "process.on('SIGTERM', () => ac.abort());",
        'await run(config, ac.signal);',
      ].join('\n');
      server = startProcess(process.execPath, ['--import', 'tsx', '--conditions=@hero/source', '--input-type=module', '-e', code], {
        cwd: path.resolve(import.meta.dirname, '../..'),
      });
      const sock = path.join(dir, 's', 'mycelium', 'rpc.sock');
      await waitForSocket(sock, 30_000);
      client = new MyceliumClient(sock, { transport, autoBatch });
      consumer = new MyceliumClient(sock, { transport, autoBatch });
      responder = new MyceliumClient(sock, { transport, autoBatch });
      const { nodePubkey } = await client.getInfo();
      body = { dst: { pk: nodePubkey }, topic: TOPIC, payload: PAYLOAD };
      reqBody = { dst: { pk: nodePubkey }, topic: reqTopic, payload: PAYLOAD };
      await measure(pattern, WARMUP_MS);
    },
    run: () => measure(pattern, durationMs),
    async teardown() {
      await client?.close();
      await consumer?.close();
      await responder?.close();
      if (server) await stopProcess(server);
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

export const suite: Suite = {
  name: 'mycelium',
  description: `local push→pop (${PRODUCERS} producers and ${CONSUMERS} consumers unless --producers/--consumers say otherwise, 128-byte payloads) and sequential request/reply`,
  rounds: 3,
  metrics: [
    { key: 'msgs', label: 'push→pop throughput', unit: 'msg/s', better: 'higher' },
    { key: 'p50', label: 'reply round trip p50', unit: 'ms', better: 'lower' },
    { key: 'p99', label: 'reply round trip p99', unit: 'ms', better: 'lower' },
  ],
  contenders: ({ args }) => {
    const durationMs = Number(args.duration ?? 3000);
    PRODUCERS = Number(args.producers ?? PRODUCERS);
    CONSUMERS = Number(args.consumers ?? CONSUMERS);
    return [
      redisContender(durationMs),
      heroContender(durationMs, 'ws'),
      heroContender(durationMs, 'ws', true),
      heroContender(durationMs, 'http'),
    ];
  },
};
