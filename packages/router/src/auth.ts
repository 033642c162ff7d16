import { createHash } from 'node:crypto';
import net from 'node:net';
import { ConfigError } from '@hero/core';

/** What a request is allowed to do once it passed the access check. */
export interface Principal {
  /** X-Hero-Context to send upstream ('' for none). */
  context: string;
}

export type AuthResult = Principal | 401 | 403;

export interface AccessOptions {
  tokens: readonly { token: string; context: string }[];
  allow: readonly string[];
  /** Context used when a token has none, or when no tokens are configured. */
  context: string;
}

/** Access control of the TCP entry point. */
export interface Access {
  /** True when tokens or an allow-list are configured. */
  readonly enabled: boolean;
  /** True when bearer tokens are configured (the Authorization header is then not forwarded). */
  readonly hasTokens: boolean;
  /** True when an allow-list of client addresses is configured. */
  readonly hasAllowList: boolean;
  check(remoteAddress: string | undefined, authorization: string | undefined): AuthResult;
}

const digest = (s: string) => createHash('sha256').update(s).digest('base64');

/** Parses `addr/prefix` (or a bare address) into a BlockList subnet; throws ConfigError. */
function addCidr(list: net.BlockList, cidr: string): void {
  const slash = cidr.indexOf('/');
  const addr = slash === -1 ? cidr : cidr.slice(0, slash);
  const family = net.isIP(addr);
  if (family === 0) throw new ConfigError(`invalid auth.allow entry "${cidr}": not an IP address or CIDR`);
  const max = family === 4 ? 32 : 128;
  const prefix = slash === -1 ? max : Number(cidr.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (slash !== -1 && cidr.slice(slash + 1) === '')) {
    throw new ConfigError(`invalid auth.allow entry "${cidr}": prefix must be 0–${max}`);
  }
  list.addSubnet(addr, prefix, family === 4 ? 'ipv4' : 'ipv6');
}

/** Builds the access check: a CIDR allow-list (403) and/or bearer tokens (401). */
export function createAccess(opts: AccessOptions): Access {
  const byDigest = new Map<string, Principal>();
  for (const t of opts.tokens) byDigest.set(digest(t.token), { context: t.context || opts.context });
  let allow: net.BlockList | undefined;
  if (opts.allow.length > 0) {
    allow = new net.BlockList();
    for (const c of opts.allow) addCidr(allow, c);
  }
  const anonymous: Principal = { context: opts.context };
  const needToken = byDigest.size > 0;
  return {
    enabled: needToken || allow !== undefined,
    hasTokens: needToken,
    hasAllowList: allow !== undefined,
    check(remote, authorization) {
      if (allow) {
        if (!remote) return 403;
        const mapped = remote.startsWith('::ffff:') && net.isIPv4(remote.slice(7)) ? remote.slice(7) : remote;
        if (!allow.check(mapped, net.isIPv4(mapped) ? 'ipv4' : 'ipv6')) return 403;
      }
      if (!needToken) return anonymous;
      if (!authorization || authorization.length < 8 || authorization.slice(0, 7).toLowerCase() !== 'bearer ') return 401;
      return byDigest.get(digest(authorization.slice(7).trim())) ?? 401;
    },
  };
}
