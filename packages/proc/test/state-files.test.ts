import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startProc, tempDir, waitState } from './helpers.js';

/** Files in `dir` named `<base>.corrupt-…`, with their content. */
async function setAside(dir: string, base: string): Promise<string[]> {
  const names = (await fs.readdir(dir)).filter((f) => f.startsWith(`${base}.corrupt-`));
  return Promise.all(names.map((f) => fs.readFile(path.join(dir, f), 'utf8')));
}

describe('damaged state files', () => {
  for (const [what, jobs, state] of [
    ['empty', '', ''],
    ['truncated', '{"version":1,"jobs":[{"id":"0abc","na', '{"version":1,"services":{"svc":{"desi'],
    ['not an object', '[]', '42'],
  ] as const) {
    it(`starts with ${what} jobs.json and state.json, keeping them aside`, async () => {
      const dir = await tempDir();
      const data = path.join(dir, 'data');
      await fs.mkdir(path.join(data, 'jobs'), { recursive: true });
      await fs.mkdir(path.join(dir, 'cfg'));
      await fs.writeFile(path.join(data, 'jobs', 'jobs.json'), jobs);
      await fs.writeFile(path.join(data, 'state.json'), state);
      await fs.writeFile(path.join(dir, 'cfg', 'svc.toml'), 'exec = "exec sleep 1000"\n');
      await fs.writeFile(path.join(dir, 'cfg', 'manual.toml'), 'exec = "exec sleep 1000"\nautostart = false\n');

      const p = await startProc({}, dir);
      // services start as their files say
      await waitState(p.client, 'svc', 'running');
      expect((await p.client.serviceStatus('manual')).state).toBe('inactive');
      expect(await setAside(data, 'state.json')).toEqual([state]);
      expect(await setAside(path.join(data, 'jobs'), 'jobs.json')).toEqual([jobs]);
      expect(p.logs.some((l) => l.includes('corrupt file set aside') && l.includes('jobs.json'))).toBe(true);
      // jobs work and their history is written afresh
      expect(await p.client.jobList()).toEqual([]);
      const j = await p.client.jobCreate({ exec: 'true' });
      expect((await p.client.jobWait(j.id)).state).toBe('succeeded');
      await p.stop();
      const history = JSON.parse(await fs.readFile(path.join(data, 'jobs', 'jobs.json'), 'utf8')) as { jobs: { id: string }[] };
      expect(history.jobs.map((x) => x.id)).toEqual([j.id]);
      expect(JSON.parse(await fs.readFile(path.join(data, 'state.json'), 'utf8'))).toMatchObject({ services: { svc: { desired: 'up' } } });
    });
  }
});
