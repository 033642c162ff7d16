/** The node identity: an X25519 key pair kept in the data dir, and the overlay address derived from it. */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { blake3 } from '@noble/hashes/blake3.js';
import { HeroError, isErrnoException } from '@hero/core';
import { formatIpv6 } from './ipv6.js';

/** File holding the 32 raw secret-key bytes (the same format as Mycelium's `priv_key.bin`). */
export const KEY_FILE = 'priv_key.bin';

const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

export interface Identity {
  /** 32 raw public-key bytes. */
  publicKey: Buffer;
  /** Lowercase hex of the public key (64 chars). */
  pkHex: string;
  /** Overlay address bytes (in 400::/7). */
  ipBytes: Uint8Array;
  /** Canonical overlay address. */
  ip: string;
  /** The node's /64, e.g. `5c4:…::/64`. */
  subnet: string;
}

/**
 * Overlay address of a public key, as Mycelium derives it: the first 16 bytes of the BLAKE3 XOF
 * of the key, with the first byte replaced by 0x04 plus the parity of its set bits (so the
 * address is always in 400::/7).
 */
export function addressOfPublicKey(publicKey: Uint8Array): Uint8Array {
  const buf = blake3(publicKey, { dkLen: 16 });
  let bits = 0;
  for (let v = buf[0]!; v; v >>= 1) bits += v & 1;
  buf[0] = 0x04 | (bits % 2);
  return buf;
}

/** X25519 public key of 32 secret bytes. */
export function publicKeyOfSecret(secret: Uint8Array): Buffer {
  const key = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, secret]), format: 'der', type: 'pkcs8' });
  const spki = crypto.createPublicKey(key).export({ format: 'der', type: 'spki' });
  return spki.subarray(spki.length - 32);
}

/** Builds the identity of a public key. */
export function identityOf(publicKey: Buffer): Identity {
  const ipBytes = addressOfPublicKey(publicKey);
  const net = new Uint8Array(16);
  net.set(ipBytes.subarray(0, 8));
  return {
    publicKey,
    pkHex: publicKey.toString('hex'),
    ipBytes,
    ip: formatIpv6(ipBytes),
    subnet: `${formatIpv6(net)}/64`,
  };
}

/** Loads the key from `<dataDir>/priv_key.bin`, creating it (0600) on first start. */
export async function loadIdentity(dataDir: string): Promise<Identity> {
  const file = path.join(dataDir, KEY_FILE);
  let secret: Buffer;
  try {
    secret = await fs.readFile(file);
  } catch (err) {
    if (!isErrnoException(err, 'ENOENT')) {
      throw new HeroError('HERO_UNAVAILABLE', `cannot read node key ${file}: ${(err as Error).message}`, { cause: err });
    }
    secret = crypto.randomBytes(32);
    try {
      await fs.writeFile(file, secret, { mode: 0o600, flag: 'wx' });
    } catch (werr) {
      if (isErrnoException(werr, 'EEXIST')) return loadIdentity(dataDir);
      throw new HeroError('HERO_UNAVAILABLE', `cannot write node key ${file}: ${(werr as Error).message}`, { cause: werr });
    }
  }
  if (secret.length !== 32) {
    throw new HeroError('HERO_CONFIG', `node key ${file} must hold exactly 32 bytes (found ${secret.length})`);
  }
  await fs.chmod(file, 0o600).catch(() => {});
  return identityOf(publicKeyOfSecret(secret));
}
