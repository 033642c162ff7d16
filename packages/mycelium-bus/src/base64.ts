/** Strict padded standard base64 (the encoding of Mycelium topics and payloads). No I/O. */

/** 1 for the 64 characters of the standard alphabet, by char code. */
const ALPHABET = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') ALPHABET[c.charCodeAt(0)] = 1;

/**
 * True for padded standard-alphabet base64 (the empty string included). One pass over the
 * characters: a regex backtracks on its own stack and fails on inputs of a few megabytes.
 */
export function isBase64(s: unknown): s is string {
  if (typeof s !== 'string' || s.length % 4 !== 0) return false;
  let end = s.length;
  if (end > 0 && s.charCodeAt(end - 1) === 61) end--;
  if (end > 0 && s.charCodeAt(end - 1) === 61 && end === s.length - 1) end--;
  // at most two '=' and only at the very end
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || ALPHABET[c] === 0) return false;
  }
  return true;
}

/** Number of bytes a valid base64 string decodes to, without decoding it. */
export function base64Length(s: string): number {
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return (s.length / 4) * 3 - pad;
}
