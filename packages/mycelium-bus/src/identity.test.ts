import { describe, expect, it } from 'vitest';
import { addressOfPublicKey, identityOf, publicKeyOfSecret } from './identity.js';
import { isOverlayAddress } from './ipv6.js';

describe('identity', () => {
  it('derives X25519 public keys (RFC 7748 test vector)', () => {
    const secret = Buffer.from('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', 'hex');
    expect(publicKeyOfSecret(secret).toString('hex')).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
  });

  it('derives a deterministic address in 400::/7 from the key', () => {
    for (let i = 0; i < 64; i++) {
      const pk = Buffer.alloc(32, i);
      const a = addressOfPublicKey(pk);
      expect(isOverlayAddress(a)).toBe(true);
      expect(Buffer.from(addressOfPublicKey(pk))).toEqual(Buffer.from(a));
    }
    // BLAKE3 of 32 zero bytes starts 2a da 83 c1…: 0x2a has 3 bits set, so the first byte is 0x05
    expect(identityOf(Buffer.alloc(32)).ip).toBe('5da:83c1:819a:5372:dae1:238f:c1de:d123');
    expect(identityOf(Buffer.alloc(32)).subnet).toBe('5da:83c1:819a:5372::/64');
  });
});
