import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { GitIgnore } from './gitignore.js';

it('applies nested .gitignore files, deeper ones winning', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hero-code-gi-'));
  onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
  await fs.mkdir(path.join(dir, 'repo', 'keep'), { recursive: true });
  await fs.writeFile(path.join(dir, 'repo', '.gitignore'), 'dist/\n*.log\n');
  await fs.writeFile(path.join(dir, 'repo', 'keep', '.gitignore'), '!important.log\n');
  const gi = new GitIgnore(dir);
  expect(gi.ignored('repo/dist', true)).toBe(true);
  expect(gi.ignored('repo/dist', false)).toBe(false);
  expect(gi.ignored('repo/a.log', false)).toBe(true);
  expect(gi.ignored('repo/keep/important.log', false)).toBe(false);
  expect(gi.ignored('repo/keep/other.log', false)).toBe(true);
  expect(gi.ignored('repo/src/a.ts', false)).toBe(false);
  expect(gi.ignored('repo/.git', true)).toBe(true);
});
