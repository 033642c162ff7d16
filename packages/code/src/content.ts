import { createHash } from 'node:crypto';

/** Heuristic used by git and grep: a NUL byte in the first 8000 bytes means binary. */
export function isBinary(buf: Uint8Array): boolean {
  const n = Math.min(buf.length, 8000);
  for (let i = 0; i < n; i++) if (buf[i] === 0) return true;
  return false;
}

/** Hex SHA-256 of a buffer (the version tag file.write's `if_match` compares). */
export function sha256(buf: Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** Rough token count of a text (about four bytes per token for code and English). */
export function estimateTokens(bytes: number): number {
  return Math.ceil(bytes / 4);
}
