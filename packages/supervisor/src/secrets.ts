import { createHash, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AuthError, ConflictError } from '@hero/core';
import type { CallContext } from '@hero/core';
import type { Keys } from './keys.js';
import { SECRET_ROLES, type SecretRole, type SecretsSummary } from './types.js';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Which roles may call what; `admin` may call everything. */
export type Permission = 'admin' | 'jobs' | 'register' | 'read';
const ALLOWED: Record<Permission, SecretRole[]> = {
  admin: ['admin'],
  jobs: ['admin', 'user'],
  register: ['admin', 'register'],
  read: ['admin', 'user', 'register'],
};

/**
 * Secrets by role. Only SHA-256 digests are kept (in memory and, for secrets added at run
 * time, in Redis); a presented secret is compared in constant time against every digest.
 */
export class Secrets {
  private readonly fromConfig: Record<SecretRole, Buffer[]>;
  private runtime: Record<SecretRole, Buffer[]> = { admin: [], user: [], register: [] };

  constructor(config: Record<SecretRole, readonly string[]>, private readonly redis: Redis, private readonly k: Keys) {
    this.fromConfig = {
      admin: config.admin.map(digest),
      user: config.user.map(digest),
      register: config.register.map(digest),
    };
  }

  /** Reloads the secrets added at run time (possibly by another supervisor). */
  async refresh(): Promise<void> {
    const m = this.redis.multi();
    for (const r of SECRET_ROLES) m.smembers(this.k.secrets(r));
    const res = (await m.exec()) ?? [];
    const next: Record<SecretRole, Buffer[]> = { admin: [], user: [], register: [] };
    SECRET_ROLES.forEach((r, i) => {
      const [err, v] = res[i] ?? [null, []];
      if (!err) next[r] = (v as string[]).filter((h) => /^[0-9a-f]{64}$/.test(h)).map((h) => Buffer.from(h, 'hex'));
    });
    this.runtime = next;
  }

  private all(role: SecretRole): Buffer[] {
    return [...this.fromConfig[role], ...this.runtime[role]];
  }

  /** True when no secret exists at all: Unix-socket callers then need none. */
  get open(): boolean {
    return SECRET_ROLES.every((r) => this.all(r).length === 0);
  }

  /** The role of `secret`, checking every digest (no early exit). */
  roleOf(secret: string): SecretRole | undefined {
    const d = digest(secret);
    let found: SecretRole | undefined;
    for (const r of SECRET_ROLES) {
      for (const h of this.all(r)) {
        if (timingSafeEqual(h, d) && !found) found = r;
      }
    }
    return found;
  }

  /**
   * Checks a call: returns the caller's role or throws AuthError. With no secrets configured,
   * local Unix-socket calls that were not forwarded by a proxy are admin.
   */
  authorize(secret: string | undefined, need: Permission, call: CallContext): SecretRole {
    if (secret === undefined || secret === '') {
      const forwarded = call.headers['x-hero-context'] !== undefined || call.headers['x-forwarded-for'] !== undefined;
      if (this.open && call.transport === 'unix' && !forwarded) return 'admin';
      throw new AuthError('missing secret', { data: { reason: 'missing_secret' } });
    }
    const role = this.roleOf(secret);
    if (!role) throw new AuthError('unknown secret', { data: { reason: 'unknown_secret' } });
    if (!ALLOWED[need].includes(role)) {
      throw new AuthError(`a ${role} secret may not do this (needs ${ALLOWED[need].join(' or ')})`, {
        data: { reason: 'forbidden', role },
      });
    }
    return role;
  }

  async add(role: SecretRole, value: string): Promise<void> {
    const hex = digest(value).toString('hex');
    await this.redis.sadd(this.k.secrets(role), hex);
    await this.refresh();
  }

  async remove(role: SecretRole, value: string): Promise<boolean> {
    const d = digest(value);
    if (this.fromConfig[role].some((h) => timingSafeEqual(h, d))) {
      throw new ConflictError('this secret comes from the configuration; remove it there');
    }
    const n = await this.redis.srem(this.k.secrets(role), d.toString('hex'));
    await this.refresh();
    return n > 0;
  }

  summary(): SecretsSummary {
    const one = (r: SecretRole) => {
      const all = this.all(r);
      return { count: all.length, fingerprints: all.map((h) => h.toString('hex').slice(0, 8)) };
    };
    return { admin: one('admin'), user: one('user'), register: one('register') };
  }
}
