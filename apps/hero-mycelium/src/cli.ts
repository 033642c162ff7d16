import fs from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { cliSocketDir, envDefaults, formatTable, loadServiceConfig, printResult, runProgram, serveForeground } from '@hero/core/cli';
import { ConfigError, socketPath } from '@hero/core';
import type { Message, MyceliumClient, NodeInfo } from '@hero/mycelium-bus/client';

const program = new Command('hero-mycelium')
  .description('mycelium: the message bus of the node, speaking the Mycelium message API')
  .exitOverride()
  .showHelpAfterError(false);

function secondsFlag(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 3600) throw new InvalidArgumentError(`${name} must be an integer from 0 to 3600`);
    return n;
  };
}

const socketDirOption = () => new Option('--socket-dir <dir>', 'socket directory (default $HERO_SOCKET_DIR or ~/hero/var/sockets)');

program
  .command('serve', { isDefault: true })
  .description('run the message bus in the foreground')
  .option('--config <file>', 'TOML config file')
  .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent', 'info')
  .addOption(socketDirOption())
  .option('--data-dir <dir>', 'where the node key lives (default ~/hero/var/mycelium)')
  .option('--rpc-tcp <host:port>', 'also serve JSON-RPC on loopback TCP, e.g. 127.0.0.1:8990')
  .option('--rest-tcp <host:port>', 'also serve the REST API on loopback TCP, e.g. 127.0.0.1:8989')
  .option('--upstream <url>', 'REST API URL of a Mycelium daemon for other destinations')
  .action(
    async (o: { config?: string; logLevel: string; socketDir?: string; dataDir?: string; rpcTcp?: string; restTcp?: string; upstream?: string }) => {
      const { configSchema, run } = await import('@hero/mycelium-bus');
      const config = await loadServiceConfig(configSchema, {
        file: o.config,
        defaults: envDefaults(),
        flags: { socket_dir: o.socketDir, data_dir: o.dataDir, rpc_tcp: o.rpcTcp, rest_tcp: o.restTcp, upstream: o.upstream },
      });
      await serveForeground({ service: 'mycelium', config, logLevel: o.logLevel, run });
    },
  );

async function client(socketDir?: string): Promise<MyceliumClient> {
  const { MyceliumClient } = await import('@hero/mycelium-bus/client');
  return new MyceliumClient(socketPath(cliSocketDir(socketDir), 'mycelium', 'rpc'), { transport: 'http', timeoutMs: 30_000 });
}

/** A message for humans: payload as text when it is printable UTF-8, else base64. */
function messageView(m: Message): Record<string, unknown> {
  const text = m.payload.toString('utf8');
  const printable = Buffer.from(text, 'utf8').equals(m.payload) && !/[\u0000-\u0008\u000e-\u001f]/.test(text);
  return {
    id: m.id,
    topic: m.topic,
    srcIp: m.srcIp,
    srcPk: m.srcPk,
    dstIp: m.dstIp,
    dstPk: m.dstPk,
    payload: printable ? text : m.payload.toString('base64'),
    ...(printable ? {} : { encoding: 'base64' }),
  };
}

function humanMessage(m: Record<string, unknown>): string {
  const head = formatTable([{ id: m.id, topic: m.topic ?? '-', from: m.srcIp }], ['id', 'topic', 'from']);
  return `${head}\n\n${String(m.payload)}`;
}

async function readPayload(arg: string | undefined, file: string | undefined): Promise<Buffer> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }
  if (file !== undefined) return fs.readFile(file);
  if (arg === undefined) throw new ConfigError('give a payload argument or --file <path> (- for stdin)');
  return Buffer.from(arg, 'utf8');
}

program
  .command('send <dst> [payload]')
  .description('send a message to an IP or a 64-hex public key (this node included)')
  .option('-t, --topic <topic>', 'message topic (text, at most 255 bytes)')
  .option('-f, --file <path>', 'read the payload from a file (- for stdin)')
  .option('-w, --wait <secs>', 'wait this long for a reply and print it', secondsFlag('--wait'))
  .option('--reply-to <id>', 'send as the reply to message <id>')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(
    async (dst: string, payloadArg: string | undefined, o: { topic?: string; file?: string; wait?: number; replyTo?: string; socketDir?: string; json?: boolean }) => {
      const payload = await readPayload(payloadArg, o.file);
      const c = await client(o.socketDir);
      try {
        const msg = { dst, payload, ...(o.topic === undefined ? {} : { topic: o.topic }) };
        if (o.replyTo !== undefined) {
          await c.pushMessageReply(o.replyTo, msg);
          printResult({ replied: o.replyTo }, !!o.json, () => `replied to ${o.replyTo}`);
          return;
        }
        const r = await c.pushMessage(msg, o.wait);
        if ('payload' in r) printResult(messageView(r), !!o.json, humanMessage);
        else if (o.wait !== undefined) {
          printResult({ id: r.id, reply: null }, !!o.json, () => `${r.id} (no reply within ${o.wait}s)`);
          process.exitCode = 1;
        } else printResult({ id: r.id }, !!o.json, () => r.id);
      } finally {
        await c.close();
      }
    },
  );

program
  .command('receive')
  .description('take the next message (waits up to --timeout seconds)')
  .option('-t, --topic <prefix>', 'only messages whose topic starts with this')
  .option('--timeout <secs>', 'seconds to wait for a message', secondsFlag('--timeout'), 60)
  .option('--peek', 'leave the message in the queue')
  .option('--raw', 'print the payload bytes only')
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (o: { topic?: string; timeout: number; peek?: boolean; raw?: boolean; socketDir?: string; json?: boolean }) => {
    const c = await client(o.socketDir);
    try {
      const m = await c.popMessage({ timeout: o.timeout, peek: !!o.peek, ...(o.topic === undefined ? {} : { topic: o.topic }) });
      if (!m) {
        if (o.json) process.stdout.write('null\n');
        else process.stderr.write(`no message within ${o.timeout}s\n`);
        process.exitCode = 1;
        return;
      }
      if (o.raw) process.stdout.write(m.payload);
      else printResult(messageView(m), !!o.json, humanMessage);
    } finally {
      await c.close();
    }
  });

program
  .command('info')
  .description("this node's overlay address, subnet and public key")
  .addOption(socketDirOption())
  .option('--json', 'print JSON')
  .action(async (o: { socketDir?: string; json?: boolean }) => {
    const c = await client(o.socketDir);
    try {
      printResult(await c.getInfo(), !!o.json, (i: NodeInfo) =>
        formatTable([{ ip: i.nodeIp, subnet: i.nodeSubnet, pubkey: i.nodePubkey, started: i.nodeStartTime ? new Date(i.nodeStartTime * 1000).toISOString() : '-' }]),
      );
    } finally {
      await c.close();
    }
  });

await runProgram(program);
