/**
 * `pnpm bench <suite> [--rounds N] [--key value …]`: runs one suite (a module in ./suites
 * exporting `suite`) and prints its markdown table.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSuite, type Suite } from './harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const available = fs
  .readdirSync(path.join(here, 'suites'))
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -3));

const argv = process.argv.slice(2);
const name = argv.find((a, i) => !a.startsWith('--') && !(argv[i - 1] ?? '').startsWith('--'));
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: pnpm bench <suite> [--rounds N]\nsuites: ${available.join(', ')}\n`);
  process.exit(2);
}
const args: Record<string, string> = {};
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!;
  if (a.startsWith('--')) args[a.slice(2)] = argv[++i] ?? '';
}
const rounds = args.rounds ? Number(args.rounds) : undefined;
if (rounds !== undefined && !(Number.isInteger(rounds) && rounds > 0)) {
  process.stderr.write('--rounds must be a positive integer\n');
  process.exit(2);
}
const mod = (await import(`./suites/${name}.ts`)) as { suite: Suite };
process.stderr.write(`${mod.suite.name}: ${mod.suite.description}\n`);
const result = await runSuite(mod.suite, { rounds, args });
// exit once the table is out: a third-party client (PM2's, say) may keep handles open after teardown
process.stdout.write(`\n### ${mod.suite.name} (${result.rounds} rounds, medians)\n\n${result.table}\n`, () => process.exit(0));
