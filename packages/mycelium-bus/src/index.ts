/** `@hero/mycelium-bus`: a message bus speaking the Mycelium message API. */
import pkg from '../package.json' with { type: 'json' };
import path from 'node:path';
import {
  ConfigError,
  ensureDir,
  expandHome,
  HeroError,
  listenHttp,
  parseHostPort,
  serveRpc,
  socketPath,
  type HttpListener,
  type ReadyInfo,
  type RunContext,
} from '@hero/core';
import { Bus } from './bus.js';
import { configSchema, type Config } from './config.js';
import { refusedForwardSocket } from './forward.js';
import { loadIdentity } from './identity.js';
import { parseSubnet } from './ipv6.js';
import { messageMethods } from './methods.js';
import { restRoutes } from './rest.js';
import { MessageService, MAX_TOPIC_BYTES } from './service.js';
import { TopicRules } from './topics.js';
import { redactUrl, Upstream } from './upstream.js';
import { createFastPath } from './ws-fast.js';
import { createWsRpc } from './ws-server.js';

export { configSchema, type Config } from './config.js';
export * from './client.js';
export { addressOfPublicKey, publicKeyOfSecret, identityOf, type Identity } from './identity.js';

/** Service dir under the socket dir. */
export const SERVICE = 'mycelium';
const VERSION: string = pkg.version;

function rulesFrom(config: Config, socketDir: string): TopicRules {
  const rules = new TopicRules(config.default_topic_action === 'accept');
  const issues: string[] = [];
  config.topics.forEach((t, i) => {
    const key = Buffer.from(t.topic, 'utf8');
    if (key.length > MAX_TOPIC_BYTES) issues.push(`topics.${i}.topic: longer than ${MAX_TOPIC_BYTES} bytes`);
    const k = key.toString('latin1');
    rules.add(k);
    t.sources.forEach((s, j) => {
      const subnet = parseSubnet(s);
      if (!subnet) issues.push(`topics.${i}.sources.${j}: "${s}" is not an IPv6 subnet`);
      else rules.addSource(k, subnet);
    });
    if (t.forward_socket) {
      const p = path.resolve(expandHome(t.forward_socket));
      const refused = refusedForwardSocket(p, socketDir);
      if (refused) issues.push(`topics.${i}.forward_socket: ${refused}`);
      else rules.setForwardSocket(k, p);
    }
  });
  if (issues.length) throw new ConfigError('invalid mycelium topics', issues);
  return rules;
}

/** Pulls the upstream daemon's inbox into ours until `signal` aborts. */
async function pullLoop(up: Upstream, svc: MessageService, pollSecs: number, signal: AbortSignal, ctx: RunContext): Promise<void> {
  let backoff = 500;
  const sleep = (ms: number) =>
    new Promise<void>((r) => {
      const wake = () => {
        clearTimeout(t);
        signal.removeEventListener('abort', wake);
        r();
      };
      const t = setTimeout(wake, ms);
      signal.addEventListener('abort', wake, { once: true });
    });
  while (!signal.aborted) {
    try {
      const m = await up.pop(pollSecs, signal);
      backoff = 500;
      if (!m) continue;
      for (;;) {
        try {
          svc.acceptIncoming(m);
          break;
        } catch (err) {
          // inbox full: hold the message and pull nothing more until there is room
          if ((err as HeroError).code !== 'HERO_QUEUE_FULL' || signal.aborted) throw err;
          await sleep(1000);
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      ctx.logger?.warn({ err, upstream: redactUrl(up.url) }, 'upstream pull failed');
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 30_000);
    }
  }
}

/** Runs the bus until `signal` aborts: `<socket_dir>/mycelium/rpc.sock` (+ optional TCP). */
export async function run(config: Config, signal: AbortSignal, ctx: RunContext = {}): Promise<void> {
  if (signal.aborted) return;
  const logger = ctx.logger;
  const socketDir = path.resolve(expandHome(config.socket_dir));
  const dataDir = path.resolve(expandHome(config.data_dir));
  const rules = rulesFrom(config, socketDir);
  await ensureDir(dataDir);
  const identity = await loadIdentity(dataDir);

  const bus = new Bus({
    maxQueueMessages: config.max_queue_messages,
    maxQueueBytes: config.max_queue_bytes,
    maxTotalBytes: config.max_total_bytes,
    messageTtlMs: config.message_ttl_secs * 1000,
    maxRecords: Math.max(10_000, config.max_queue_messages * 4),
  });
  const upstream = config.upstream ? new Upstream(config.upstream) : undefined;
  const svc = new MessageService({
    identity,
    bus,
    rules,
    upstream,
    maxMessageBytes: config.max_message_bytes,
    forwardTimeoutMs: config.forward_timeout_secs * 1000,
    startTime: Math.floor(Date.now() / 1000),
    logger,
    socketDir,
  });
  // a body carries base64 (4/3 of the payload) plus JSON around it
  const bodyLimit = Math.ceil((config.max_message_bytes * 4) / 3) + 64 * 1024;

  const listeners: HttpListener[] = [];
  const stop = new AbortController();
  const sweeper = setInterval(() => bus.sweep(), 1000);
  sweeper.unref();
  let pulling: Promise<void> = Promise.resolve();
  const ws = createWsRpc(bodyLimit);

  const shutdown = async () => {
    stop.abort();
    clearInterval(sweeper);
    bus.close();
    // let the answers to ended long polls go out before the WebSocket connections close
    await new Promise((r) => setImmediate(r));
    ws.close();
    const errors: unknown[] = [];
    for (const l of listeners) await l.close().catch((e: unknown) => errors.push(e));
    await pulling;
    await upstream?.close().catch((e: unknown) => errors.push(e));
    if (errors.length) logger?.error({ err: errors[0] }, 'errors while stopping');
  };

  try {
    const rpc = await serveRpc({
      info: { name: SERVICE, title: 'Mycelium message bus', version: VERSION, description: 'Mycelium-compatible message API' },
      methods: messageMethods(svc),
      routes: restRoutes(svc, bodyLimit),
      bodyLimit,
      logger,
      socket: { path: socketPath(socketDir, SERVICE, 'rpc'), service: SERVICE },
      ...(config.rpc_tcp ? { tcp: parseHostPort(config.rpc_tcp) } : {}),
      drainMs: 2000,
      onUpgrade: ws.onUpgrade,
    });
    ws.bind(rpc, createFastPath(svc, logger));
    listeners.push(rpc);
    if (config.rest_tcp) {
      listeners.push(
        await listenHttp({ handler: rpc.handler, onUpgrade: ws.onUpgrade, tcp: parseHostPort(config.rest_tcp), drainMs: 2000 }),
      );
    }
    const info: ReadyInfo = { service: SERVICE, sockets: { rpc: rpc.socketPath! } };
    const tcp: Record<string, string> = {};
    if (rpc.tcpAddress) tcp.rpc = `${rpc.tcpAddress.host}:${rpc.tcpAddress.port}`;
    const rest = listeners[1]?.tcpAddress;
    if (rest) tcp.rest = `${rest.host}:${rest.port}`;
    if (Object.keys(tcp).length) info.tcp = tcp;
    if (upstream && config.upstream_pull) pulling = pullLoop(upstream, svc, config.upstream_poll_secs, stop.signal, ctx);
    logger?.info({ nodeIp: identity.ip, nodePubkey: identity.pkHex, upstream: upstream ? redactUrl(upstream.url) : undefined }, 'node identity');
    ctx.onReady?.(info);
  } catch (err) {
    await shutdown();
    throw err instanceof HeroError ? err : new HeroError('HERO_UNAVAILABLE', (err as Error).message, { cause: err });
  }

  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await shutdown();
}
