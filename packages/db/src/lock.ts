import fs from 'node:fs';
import { ConflictError, isErrnoException } from '@hero/core';

/** Whether `pid` runs; a zombie (killed, not yet reaped by its parent) holds nothing. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return isErrnoException(err, 'EPERM');
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return true;
  }
}

/** Takes `<file>` as a pid lock so two servers never append to one data dir; returns the release. */
export function acquireLock(file: string, what: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return () => fs.rmSync(file, { force: true });
    } catch (err) {
      if (!isErrnoException(err, 'EEXIST')) throw err;
      const pid = Number(fs.readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new ConflictError(`${what} is in use by another hero_db (pid ${pid}, lock ${file})`);
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new ConflictError(`cannot lock ${file}`);
}
