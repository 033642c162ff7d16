/** Message ids: 8 random bytes as 16 lowercase hex characters. */
import crypto from 'node:crypto';

const POOL = 8 * 512;
let pool = Buffer.alloc(0);
let offset = POOL;

/** A fresh random message id. */
export function newMessageId(): string {
  if (offset >= pool.length) {
    pool = crypto.randomBytes(POOL);
    offset = 0;
  }
  const id = pool.toString('hex', offset, offset + 8);
  offset += 8;
  return id;
}

const ID = /^[0-9a-fA-F]{16}$/;

/** True for 16 hex characters. */
export function isMessageId(s: unknown): s is string {
  return typeof s === 'string' && ID.test(s);
}
