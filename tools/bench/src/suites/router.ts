import { execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { benchDir, startProcess, stopProcess, waitForSocket } from '../load.js';
import type { Contender, Measurement, Suite } from '../harness.js';

const run = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The upstream every contender reaches: a bare node:http JSON reply on a Unix socket and on TCP. */
const UPSTREAM = `
const http = require('node:http');
const fs = require('node:fs');
const [sock, port] = process.argv.slice(2);
const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { ok: true, text: 'hello hero', n: 42 } }));
const handler = (req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
};
try { fs.rmSync(sock); } catch {}
http.createServer({ keepAliveTimeout: 60000 }, handler).listen(sock);
http.createServer({ keepAliveTimeout: 60000 }, handler).listen(Number(port), '127.0.0.1');
`;

/** The other upstream: a Hero JSON-RPC service (@hero/core serveRpc) answering `echo`. */
const RPC_UPSTREAM = (repoDir: string) => `
import { createRequire } from 'node:module';
import { method, serveRpc } from '${repoDir}/packages/core/src/index.ts';
const { z } = createRequire('${repoDir}/packages/core/package.json')('zod');
const [sock, port] = process.argv.slice(2);
await serveRpc({
  info: { name: 'bench', title: 'bench', version: '0', description: 'echo' },
  socket: { path: sock, service: 'bench' },
  tcp: { host: '127.0.0.1', port: Number(port) },
  methods: {
    echo: method({ params: z.object({ text: z.string(), n: z.number() }), result: z.object({ text: z.string(), n: z.number() }), handler: (p) => p }),
  },
});
`;

/** wrk script for the JSON-RPC upstream: every request is the same POST. */
const RPC_LUA = `wrk.method = "POST"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"echo","params":{"text":"hello hero","n":42}}'
wrk.headers["Content-Type"] = "application/json"
`;

function nginxConf(dir: string, sock: string, port: number): string {
  return `daemon off;
master_process off;
worker_processes 1;
user root;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream bench { server unix:${sock}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location /bench/http/ {
      proxy_pass http://bench/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
      proxy_set_header X-Forwarded-Prefix /bench/http;
    }
  }
}
`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** wrk latency value ("812.00us", "1.21ms", "2.00s") in ms. */
function ms(v: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

/** CPU time (user + system) a process has used, in seconds. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second on Linux)
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function wrk(url: string, connections: number, seconds: number, proxyPid?: number, script?: string): Promise<Measurement> {
  const cpu0 = proxyPid ? await cpuSeconds(proxyPid) : 0;
  const extra = script ? ['-s', script] : [];
  const { stdout } = await run('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', ...extra, url], { maxBuffer: 1 << 20 });
  const cpu1 = proxyPid ? await cpuSeconds(proxyPid) : 0;
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  const p50 = ms(/\s50%\s+(\S+)/.exec(stdout)?.[1] ?? '');
  const p99 = ms(/\s99%\s+(\S+)/.exec(stdout)?.[1] ?? '');
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? /Socket errors: (.*)/.exec(stdout)?.[1];
  if (errors) throw new Error(`wrk ${url}: ${errors} errors\n${stdout}`);
  return { rps, p50, p99, cpu: proxyPid ? ((cpu1 - cpu0) * 1e6) / requests : NaN };
}

export const suite: Suite = {
  name: 'router',
  description:
    'wrk (1 thread, keep-alive) against one upstream (--upstream http: a bare node:http GET with a small JSON reply; rpc: a Hero JSON-RPC POST) on its own TCP port, through nginx (1 worker, proxy_pass to the Unix socket with keepalive) and through hero_router',
  rounds: 7,
  metrics: [
    { key: 'rps', label: 'requests/s', unit: 'req/s', better: 'higher' },
    { key: 'p50', label: 'latency p50', unit: 'ms', better: 'lower' },
    { key: 'p99', label: 'latency p99', unit: 'ms', better: 'lower' },
    { key: 'cpu', label: 'proxy CPU per request', unit: 'µs', better: 'lower' },
  ],
  contenders: async ({ args }) => {
    const seconds = Number(args.duration ?? 4);
    const connections = Number(args.connections ?? 32);
    const verbose = args.verbose === '1';
    // --upstream http (default): a bare node:http GET; --upstream rpc: a Hero JSON-RPC POST
    const rpc = args.upstream === 'rpc';
    if (args.upstream !== undefined && !['http', 'rpc'].includes(args.upstream)) throw new Error('--upstream must be http or rpc');
    const target = rpc ? '/rpc' : '/';
    let dir = '';
    let script = '';
    let upstream: ChildProcess | undefined;
    let nginx: ChildProcess | undefined;
    let router: ChildProcess | undefined;
    const ports = { direct: 0, nginx: 0, router: 0 };

    // one shared setup: the first contender starts everything, the last one stops it
    const setup = async () => {
      dir = await benchDir('router');
      script = path.join(dir, 'rpc.lua');
      const sockets = path.join(dir, 'sockets');
      const sock = path.join(sockets, 'bench', 'http.sock');
      await fs.mkdir(path.dirname(sock), { recursive: true, mode: 0o700 });
      ports.direct = await freePort();
      ports.nginx = await freePort();
      ports.router = await freePort();
      if (rpc) {
        await fs.writeFile(path.join(dir, 'upstream.mts'), RPC_UPSTREAM(repo));
        await fs.writeFile(script, RPC_LUA);
        upstream = startProcess(process.execPath, ['--import', 'tsx', path.join(dir, 'upstream.mts'), sock, String(ports.direct)], {
          cwd: path.join(repo, 'tools/bench'),
          verbose,
        });
      } else {
        await fs.writeFile(path.join(dir, 'upstream.cjs'), UPSTREAM);
        upstream = startProcess(process.execPath, [path.join(dir, 'upstream.cjs'), sock, String(ports.direct)], { verbose });
      }
      await waitForSocket(sock, 30_000);
      await waitForSocket(ports.direct, 30_000);
      await fs.writeFile(path.join(dir, 'nginx.conf'), nginxConf(dir, sock, ports.nginx));
      nginx = startProcess('nginx', ['-c', path.join(dir, 'nginx.conf'), '-p', dir, '-e', path.join(dir, 'nginx-error.log')], { verbose });
      await waitForSocket(ports.nginx);
      router = startProcess(
        process.execPath,
        [
          '--import',
          'tsx',
          '--conditions=@hero/source',
          path.join(repo, 'apps/hero-router/src/cli.ts'),
          'serve',
          '--log-level',
          verbose ? 'info' : 'warn',
          '--socket-dir',
          sockets,
          '--listen',
          `127.0.0.1:${ports.router}`,
          '--scan-interval',
          '0',
        ],
        { cwd: path.join(repo, 'apps/hero-router'), verbose },
      );
      await waitForSocket(ports.router, 30_000);
      // warm-up (JIT, pooled connections)
      for (const p of [ports.direct, ports.nginx, ports.router]) {
        const url = p === ports.direct ? `http://127.0.0.1:${p}${target}` : `http://127.0.0.1:${p}/bench/http${target}`;
        await wrk(url, connections, 2, undefined, rpc ? script : undefined);
      }
    };
    const teardown = async () => {
      for (const c of [router, nginx, upstream]) if (c) await stopProcess(c);
      if (dir) await fs.rm(dir, { recursive: true, force: true });
    };
    const contender = (
      name: string,
      role: 'anchor' | 'hero',
      url: () => string,
      pid: () => number | undefined,
      first = false,
      last = false,
    ): Contender => ({
      name,
      role,
      setup: first ? setup : undefined,
      run: () => wrk(url(), connections, seconds, pid(), rpc ? script : undefined),
      teardown: last ? teardown : undefined,
    });
    return [
      contender('nginx', 'anchor', () => `http://127.0.0.1:${ports.nginx}/bench/http${target}`, () => nginx?.pid, true),
      contender('hero_router', 'hero', () => `http://127.0.0.1:${ports.router}/bench/http${target}`, () => router?.pid),
      contender('upstream direct', 'hero', () => `http://127.0.0.1:${ports.direct}${target}`, () => undefined, false, true),
    ];
  },
};
