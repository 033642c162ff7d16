/** Message ids: 16 hex characters (made by the record store, see records.ts). */
const ID = /^[0-9a-fA-F]{16}$/;

/** True for 16 hex characters. */
export function isMessageId(s: unknown): s is string {
  return typeof s === 'string' && ID.test(s);
}
