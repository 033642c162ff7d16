/**
 * `pnpm --filter @hero/smoke smoke [--exe <hero_bundle>]`: the smoke run against a built bundle
 * (default: the single executable, else dist/main.js) and the built hero-router.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSmoke } from './smoke.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const argv = process.argv.slice(2);
const i = argv.indexOf('--exe');
const sea = path.join(root, 'apps/hero-bundle/sea/hero_bundle');
const bundle = i >= 0 ? [argv[i + 1]!] : fs.existsSync(sea) ? [sea] : [process.execPath, path.join(root, 'apps/hero-bundle/dist/main.js')];
const router = [process.execPath, path.join(root, 'apps/hero-router/dist/cli.js')];
try {
  const r = await runSmoke({ bundle, router, log: (l) => process.stdout.write(`${l}\n`) });
  process.stdout.write(`smoke passed: ${r.steps.length} steps\n`);
} catch (err) {
  process.stderr.write(`smoke failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
