/**
 * Shared entry for the example services: `--config <toml>` (the service's Config keys), stops
 * on SIGINT/SIGTERM, prints one JSON `ready` line with the sockets on stdout.
 */
import { loadToml, parseConfig, type RunContext } from '@hero/core';
import type { z } from 'zod';

export async function serviceMain<S extends z.ZodType>(
  name: string,
  schema: S,
  run: (config: z.output<S>, signal: AbortSignal, ctx?: RunContext) => Promise<void>,
): Promise<void> {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--config');
  const data = i >= 0 && argv[i + 1] ? await loadToml(argv[i + 1]!) : {};
  let config: z.output<S>;
  try {
    config = parseConfig(schema, data, i >= 0 ? argv[i + 1] : 'defaults');
  } catch (err) {
    process.stderr.write(`${name}: ${(err as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await run(config, ac.signal, {
      onReady: (info) => process.stdout.write(JSON.stringify({ msg: 'ready', service: info.service, sockets: info.sockets }) + '\n'),
    });
  } catch (err) {
    process.stderr.write(`${name}: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
