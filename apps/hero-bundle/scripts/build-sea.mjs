#!/usr/bin/env node
// Builds the plain JS bundle (sea/hero_bundle.cjs: one file, every dependency inlined) and the
// Node single-executable application (sea/hero_bundle) from it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const app = path.resolve(here, '..');
const out = path.join(app, 'sea');
fs.mkdirSync(out, { recursive: true });
const js = path.join(out, 'hero_bundle.cjs');

await build({
  entryPoints: [path.join(app, 'src/main.ts')],
  outfile: js,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  conditions: ['@hero/source'],
  // CommonJS has no import.meta: give modules that ask for their URL the bundle's own.
  define: { 'import.meta.url': '__hero_import_meta_url' },
  banner: { js: "#!/usr/bin/env node\nconst __hero_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  legalComments: 'none',
  plugins: [
    {
      // ws tries these optional native modules in a try/catch; in one file they must fail fast
      // (a require() of anything not built in makes the single executable print a warning)
      name: 'no-native-optionals',
      setup(b) {
        b.onResolve({ filter: /^(bufferutil|utf-8-validate)$/ }, (args) => ({ path: args.path, namespace: 'absent' }));
        b.onLoad({ filter: /.*/, namespace: 'absent' }, (args) => ({
          contents: `throw new Error(${JSON.stringify(`${args.path} is not bundled`)});`,
          loader: 'js',
        }));
      },
    },
  ],
  logLevel: 'warning',
});
fs.chmodSync(js, 0o755);

if (process.argv.includes('--js-only')) process.exit(0);

const blob = path.join(out, 'sea-prep.blob');
const seaConfig = path.join(out, 'sea-config.json');
fs.writeFileSync(seaConfig, JSON.stringify({ main: js, output: blob, disableExperimentalSEAWarning: true }));
execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], { stdio: 'inherit' });
const exe = path.join(out, 'hero_bundle');
// inject into a copy, then rename: a running hero_bundle keeps its old file
const tmp = `${exe}.tmp`;
fs.copyFileSync(process.execPath, tmp);
fs.chmodSync(tmp, 0o755);
const postject = path.join(path.dirname(fileURLToPath(import.meta.resolve('postject/package.json'))), 'dist', 'cli.js');
execFileSync(process.execPath, [postject, tmp, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], {
  stdio: 'inherit',
});
fs.renameSync(tmp, exe);
fs.rmSync(blob);
fs.rmSync(seaConfig);
process.stdout.write(`built ${js} and ${exe}\n`);
