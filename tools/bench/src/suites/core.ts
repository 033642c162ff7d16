import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Agent, request } from 'undici';
import { z } from 'zod';
import { listenHttp, method, serveRpc, type HttpListener } from '@hero/core';
import { benchDir, closedLoop } from '../load.js';
import type { Contender, Suite } from '../harness.js';

const CONCURRENCY = 32;
const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: { text: 'hello hero', n: 42 } });

/** A JSON echo over a Unix socket; Hero's RPC server vs a bare node:http handler. */
function contender(name: string, role: 'anchor' | 'hero', start: (sock: string) => Promise<HttpListener>, durationMs: number): Contender {
  let dir = '';
  let listener: HttpListener | undefined;
  let agent: Agent | undefined;
  return {
    name,
    role,
    async setup() {
      dir = await benchDir('core');
      const sock = path.join(dir, 'bench', 'rpc.sock');
      listener = await start(sock);
      agent = new Agent({ connect: { socketPath: sock }, connections: CONCURRENCY, pipelining: 1 });
      // warm-up
      await closedLoop(CONCURRENCY, 500, () => call(agent!));
    },
    async run() {
      const r = await closedLoop(CONCURRENCY, durationMs, () => call(agent!));
      return { rps: r.perSec };
    },
    async teardown() {
      await agent?.close();
      await listener?.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

async function call(agent: Agent): Promise<void> {
  const res = await request('http://localhost/rpc', { method: 'POST', body, headers: { 'content-type': 'application/json' }, dispatcher: agent });
  const out = (await res.body.json()) as { result?: { text: string } };
  if (out.result?.text !== 'hello hero') throw new Error('bad echo');
}

function bareNode(sock: string): Promise<HttpListener> {
  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const msg = JSON.parse(Buffer.concat(chunks).toString()) as { id: number; params: unknown };
      const data = JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: msg.params });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
      res.end(data);
    });
  };
  return listenHttp({ handler, socket: { path: sock, service: 'bench' } });
}

function heroRpc(sock: string): Promise<HttpListener> {
  return serveRpc({
    info: { name: 'bench', title: 'bench', version: '0', description: 'echo' },
    socket: { path: sock, service: 'bench' },
    methods: {
      echo: method({
        params: z.object({ text: z.string(), n: z.number() }),
        result: z.object({ text: z.string(), n: z.number() }),
        handler: (p) => p,
      }),
    },
  });
}

export const suite: Suite = {
  name: 'core',
  description: `JSON-RPC echo over a Unix socket, ${CONCURRENCY} concurrent keep-alive connections`,
  rounds: 5,
  metrics: [{ key: 'rps', label: 'requests/s', unit: 'req/s', better: 'higher' }],
  contenders: ({ args }) => {
    const durationMs = Number(args.duration ?? 3000);
    return [contender('node:http bare', 'anchor', bareNode, durationMs), contender('hero rpc', 'hero', heroRpc, durationMs)];
  },
};
