/**
 * Using hero_supervisor from a client, over each transport:
 *
 *   # Unix socket (this node): the socket path
 *   tsx --conditions=@hero/source clients/client.ts socket ~/hero/var/sockets/hero_supervisor/rpc.sock
 *   # HTTP: the supervisor's own TCP listener, or a node's router (then give the router token)
 *   tsx --conditions=@hero/source clients/client.ts http http://127.0.0.1:9998/hero_supervisor/rpc --token T
 *   # the Mycelium bus: this node's bus socket and the other node's public key (or overlay IP)
 *   tsx --conditions=@hero/source clients/client.ts bus <pubkey> [--bus ~/hero/var/sockets/mycelium/rpc.sock]
 *
 * The supervisor secret comes from HERO_SUPERVISOR_SECRET (or --secret). Each run submits one
 * job to the runner named by --runner (default "mock"), waits for its result and lists the
 * last jobs.
 */
import os from 'node:os';
import path from 'node:path';
import { MyceliumClient } from '@hero/mycelium-bus/client';
import { JobBuilder, SupervisorClient, busTransport, httpTransport, type SupervisorTransport } from '@hero/supervisor/client';

export interface ClientArgs {
  via: 'socket' | 'http' | 'bus';
  target: string;
  token?: string;
  secret?: string;
  runner: string;
  bus: string;
}

/** Builds a SupervisorClient for the chosen transport; `close` also closes the bus client. */
export function supervisorClient(a: ClientArgs): { client: SupervisorClient; close: () => Promise<void> } {
  const opts = { secret: a.secret, timeoutMs: 60_000 };
  if (a.via === 'socket') {
    const client = new SupervisorClient(a.target, opts);
    return { client, close: () => client.close() };
  }
  if (a.via === 'http') {
    // a router with bearer tokens: add the header to every request
    const transport: SupervisorTransport = httpTransport(a.target, (url, init) =>
      fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), ...(a.token ? { authorization: `Bearer ${a.token}` } : {}) } }),
    );
    const client = new SupervisorClient(transport, opts);
    return { client, close: () => client.close() };
  }
  const bus = new MyceliumClient(a.bus);
  const client = new SupervisorClient(busTransport(bus, a.target), opts);
  return { client, close: async () => (await client.close(), await bus.close()) };
}

/** Submits one job and returns what the runner answered. */
export async function demoJob(client: SupervisorClient, runner: string, text: string): Promise<string> {
  const job = new JobBuilder().runner(runner).payload(JSON.stringify({ echo: text, sleep_ms: 100 })).timeout(30).build();
  const res = await client.runJob(job);
  if ('error' in res) throw new Error(`job failed: ${res.error}`);
  return res.success;
}

function parseArgs(argv: string[]): ClientArgs {
  const [via, target] = argv;
  if ((via !== 'socket' && via !== 'http' && via !== 'bus') || !target) {
    throw new Error('usage: client.ts socket|http|bus <socket path | URL | node key> [--token T] [--secret S] [--runner R] [--bus sock]');
  }
  const opt = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    via,
    target,
    token: opt('token'),
    secret: opt('secret') ?? process.env.HERO_SUPERVISOR_SECRET,
    runner: opt('runner') ?? 'mock',
    bus: opt('bus') ?? path.join(process.env.HERO_SOCKET_DIR ?? path.join(os.homedir(), 'hero/var/sockets'), 'mycelium/rpc.sock'),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const args = parseArgs(process.argv.slice(2));
    const { client, close } = supervisorClient(args);
    try {
      const info = await client.getSupervisorInfo();
      process.stdout.write(`supervisor ${info.name} ${info.version}, namespace ${info.namespace}, runners: ${info.runners}\n`);
      process.stdout.write(`job result: ${await demoJob(client, args.runner, `hello over ${args.via}`)}\n`);
      for (const j of await client.listJobs({ limit: 5 })) process.stdout.write(`  ${j.id}  ${j.runner}  ${j.status}\n`);
    } finally {
      await close();
    }
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
