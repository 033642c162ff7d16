import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RpcClient } from '@hero/core';
import type { Contender, Suite } from '../harness.js';
import { benchDir, startProcess, stopProcess, waitForSocket } from '../load.js';

/**
 * hero_code file.search (over rpc.sock, .gitignore-aware walk) against GNU `grep -rnF` on the
 * same synthetic code tree. Each round runs the same queries one after another; the metric is
 * the median time of one search (process start included for grep, the RPC round trip for hero).
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.resolve(here, '../../../../apps/hero-code/src/cli.ts');
const WORDS = ['const', 'return', 'function', 'value', 'index', 'buffer', 'parse', 'result', 'error', 'await', 'config', 'stream', 'socket', 'handler'];
const QUERIES = ['needle_alpha', 'parse(result', 'socket.handler', 'zz_not_present_zz'];

async function makeCorpus(root: string, files: number, lines: number): Promise<void> {
  let seed = 42;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let f = 0; f < files; f++) {
    const dir = path.join(root, 'repo', `pkg${f % 20}`, `mod${f % 7}`);
    await fs.mkdir(dir, { recursive: true });
    const out: string[] = [];
    for (let l = 0; l < lines; l++) {
      const n = 4 + rnd(8);
      const ws = Array.from({ length: n }, () => WORDS[rnd(WORDS.length)]!);
      if (rnd(500) === 0) ws.push('needle_alpha');
      out.push(`${'  '.repeat(rnd(4))}${ws.join(rnd(3) ? ' ' : '.')}(${ws[0]}${rnd(2) ? 'result' : ''});`);
    }
    await fs.writeFile(path.join(dir, `file${f}.ts`), out.join('\n') + '\n');
  }
  await fs.mkdir(path.join(root, 'repo', '.git'), { recursive: true });
  await fs.writeFile(path.join(root, 'repo', '.git', 'HEAD'), 'ref: refs/heads/main\n');
}

function grep(root: string, q: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('grep', ['-rnF', '--exclude-dir=.git', '--', q, '.'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
    let lines = 0;
    child.stdout.on('data', (c: Buffer) => {
      for (const b of c) if (b === 10) lines++;
    });
    child.on('error', reject);
    child.on('close', () => resolve(lines));
  });
}

function timed(queries: string[], fn: (q: string) => Promise<number>) {
  return async () => {
    const times: number[] = [];
    for (const q of queries) {
      const t = performance.now();
      await fn(q);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return { ms: times[times.length >> 1]! };
  };
}

export const suite: Suite = {
  name: 'code',
  description: 'hero_code file.search vs grep -rnF over a synthetic code tree (default 2000 files × 200 lines)',
  rounds: 5,
  metrics: [{ key: 'ms', label: 'search time, median', unit: 'ms', better: 'lower' }],
  contenders: async ({ args }) => {
    const files = Number(args.files ?? 2000);
    const lines = Number(args.lines ?? 200);
    const dir = await benchDir('code');
    const root = path.join(dir, 'code');
    await makeCorpus(root, files, lines);
    const queries = Array.from({ length: 5 }, () => QUERIES).flat();
    let server: ReturnType<typeof startProcess> | undefined;
    let client: RpcClient | undefined;
    const grepSide: Contender = {
      name: 'grep -rnF',
      role: 'anchor',
      run: timed(queries, (q) => grep(root, q)),
    };
    const heroSide: Contender = {
      name: 'hero_code file.search',
      role: 'hero',
      async setup() {
        const sockets = path.join(dir, 'sockets');
        server = startProcess(process.execPath, ['--import', 'tsx', '--conditions=@hero/source', cli, 'serve', '--root', root, '--data-dir', path.join(dir, 'data'), '--socket-dir', sockets, '--log-level', 'warn'], {
          cwd: path.dirname(cli),
        });
        const sock = path.join(sockets, 'hero_code', 'rpc.sock');
        await waitForSocket(sock, 60_000);
        client = new RpcClient(sock, { timeoutMs: 120_000 });
        const check = await client.call<{ matches: unknown[] }>('file.search', { query: 'needle_alpha', max_results: 10_000 });
        const expected = await grep(root, 'needle_alpha');
        if (check.matches.length !== expected) throw new Error(`hero found ${check.matches.length} lines, grep ${expected}`);
      },
      run: timed(queries, async (q) => (await client!.call<{ matches: unknown[] }>('file.search', { query: q, max_results: 10_000 })).matches.length),
      async teardown() {
        await client?.close();
        if (server) await stopProcess(server);
        await fs.rm(dir, { recursive: true, force: true });
      },
    };
    return [grepSide, heroSide];
  },
};
