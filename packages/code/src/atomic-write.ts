import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes `data` to `target` atomically: a fresh temp file (O_EXCL, never a pre-existing path)
 * in the same directory, fsynced, then renamed over the target. rename(2) replaces a symlink
 * at the target instead of following it.
 */
export async function atomicWrite(target: string, data: Uint8Array | string, mode = 0o644): Promise<void> {
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await fs.open(tmp, 'wx', mode);
  try {
    try {
      await fh.writeFile(data);
      await fh.chmod(mode);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}
