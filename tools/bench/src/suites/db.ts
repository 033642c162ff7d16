import { execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDir, startProcess, stopProcess, waitForSocket } from '../load.js';
import type { Contender, Measurement, Metric, Suite } from '../harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../../..');
const TESTS = ['set', 'get', 'incr', 'lpush', 'lpop', 'hset'];
const CLIENTS = 50;

/** Runs redis-benchmark once and returns requests/s per test. */
function redisBenchmark(sock: string, requests: number, pipeline: number): Promise<Record<string, number>> {
  const args = ['-s', sock, '-c', String(CLIENTS), '-n', String(requests), '-P', String(pipeline), '-t', TESTS.join(','), '-q', '--csv'];
  return new Promise((resolve, reject) => {
    execFile('redis-benchmark', args, { timeout: 600_000, maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) return reject(err);
      const out: Record<string, number> = {};
      for (const line of stdout.split('\n')) {
        const m = /^"([A-Z]+)[^"]*","([\d.]+)"/.exec(line);
        if (m) out[m[1]!.toLowerCase()] = Number(m[2]);
      }
      resolve(out);
    });
  });
}

/** CPU time (user + system, ms) a process has used so far, from /proc. */
async function cpuMs(pid: number): Promise<number> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

function contender(name: string, role: 'anchor' | 'hero', start: (dir: string, aof: boolean) => { child: ChildProcess; sock: string }, opts: { requests: number; aof: boolean }): Contender {
  let dir = '';
  let child: ChildProcess | undefined;
  let sock = '';
  return {
    name,
    role,
    async setup() {
      dir = await benchDir('db');
      ({ child, sock } = start(dir, opts.aof));
      await waitForSocket(sock, 60_000);
      await redisBenchmark(sock, 20_000, 1); // warm-up (JIT, allocations)
    },
    async run() {
      const m: Measurement = {};
      const pid = child!.pid!;
      const c0 = await cpuMs(pid);
      const plain = await redisBenchmark(sock, opts.requests, 1);
      const c1 = await cpuMs(pid);
      const piped = await redisBenchmark(sock, opts.requests * 4, 16);
      const c2 = await cpuMs(pid);
      // Server CPU per request is steadier than requests/s when the machine is shared.
      m.cpu = ((c1 - c0) * 1000) / (opts.requests * TESTS.length);
      m.cpu_p16 = ((c2 - c1) * 1000) / (opts.requests * 4 * TESTS.length);
      for (const t of TESTS) {
        m[t] = plain[t] ?? NaN;
        m[`${t}_p16`] = piped[t] ?? NaN;
      }
      return m;
    },
    async teardown() {
      if (child) await stopProcess(child);
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

function redisServer(dir: string, aof: boolean) {
  const sock = path.join(dir, 'redis.sock');
  const args = ['--port', '0', '--unixsocket', sock, '--save', '', '--dir', dir, '--appendonly', aof ? 'yes' : 'no', '--appendfsync', 'everysec'];
  return { child: startProcess('redis-server', args), sock };
}

function heroDb(dir: string, aof: boolean) {
  const args = [
    '--import', 'tsx', '--conditions=@hero/source', path.join(repo, 'apps/hero-db/src/cli.ts'), 'serve',
    '--socket-dir', path.join(dir, 'sock'), '--data-dir', path.join(dir, 'data'), '--tcp', '', '--save', '',
    '--appendonly', aof ? 'yes' : 'no', '--appendfsync', 'everysec', '--log-level', 'warn',
  ];
  return { child: startProcess(process.execPath, args, { cwd: repo }), sock: path.join(dir, 'sock', 'hero_db', 'resp.sock') };
}

const metrics: Metric[] = [
  ...TESTS.flatMap((t) => [
    { key: t, label: `${t.toUpperCase()} -c ${CLIENTS}`, unit: 'req/s', better: 'higher' as const },
    { key: `${t}_p16`, label: `${t.toUpperCase()} -c ${CLIENTS} -P 16`, unit: 'req/s', better: 'higher' as const },
  ]),
  { key: 'cpu', label: 'server CPU per request, all six tests', unit: 'µs', better: 'lower' as const },
  { key: 'cpu_p16', label: 'server CPU per request, all six tests, -P 16', unit: 'µs', better: 'lower' as const },
];

export const suite: Suite = {
  name: 'db',
  description: `redis-benchmark -c ${CLIENTS} -t ${TESTS.join(',')} (with and without -P 16) on Unix sockets: hero_db vs redis-server`,
  rounds: 5,
  metrics,
  contenders: ({ args }) => {
    const requests = Number(args.requests ?? 50_000);
    const aof = args.aof === 'yes';
    return [
      contender(`redis-server${aof ? ' (aof everysec)' : ''}`, 'anchor', redisServer, { requests, aof }),
      contender(`hero_db${aof ? ' (aof everysec)' : ''}`, 'hero', heroDb, { requests, aof }),
    ];
  },
};
