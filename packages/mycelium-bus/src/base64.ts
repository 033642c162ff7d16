/** Strict padded standard base64 (the encoding of Mycelium topics and payloads). No I/O. */

const STRICT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** True for padded standard-alphabet base64 (the empty string included). */
export function isBase64(s: unknown): s is string {
  return typeof s === 'string' && s.length % 4 === 0 && STRICT.test(s);
}

/** Number of bytes a valid base64 string decodes to, without decoding it. */
export function base64Length(s: string): number {
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return (s.length / 4) * 3 - pad;
}
