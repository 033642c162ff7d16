import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError } from '@hero/core';

/**
 * Command line of the built-in command runner: this package's runner entry under the current
 * node (through tsx when running from source).
 */
export function builtinRunnerCommand(): string[] {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(fromSource ? './runner-entry.ts' : './runner-entry.js', import.meta.url));
  if (!fs.existsSync(entry)) {
    throw new ConfigError(`the built-in command runner is not at ${entry}; set builtin_runner_command (e.g. ["hero-runner"])`);
  }
  if (!fromSource) return [process.execPath, entry];
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return [process.execPath, '--conditions=@hero/source', '--import', tsx, entry];
}
