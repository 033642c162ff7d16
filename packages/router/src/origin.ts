/**
 * The browser rules of the TCP entry point and the dashboard, with no I/O: a page on another
 * site must not call services through the router (Origin check), and without bearer tokens a
 * page must not reach it through a rebound DNS name (Host check).
 */
import net from 'node:net';
import { hostHeaderEnd, isLoopbackHostHeader } from '@hero/core';

/**
 * Which Host values are answered: `any` (bearer tokens configured), `loopback` (no auth), or
 * `literal` (an allow-list without tokens: loopback names and IP literals, which no DNS answer
 * can rebind).
 */
export type HostRule = 'any' | 'loopback' | 'literal';

/** The Host rule of a router with or without bearer tokens and an allow-list. */
export function hostRuleFor(hasTokens: boolean, hasAllowList: boolean): HostRule {
  return hasTokens ? 'any' : hasAllowList ? 'literal' : 'loopback';
}

/** True when a Host header is an IP literal (`1.2.3.4`, `[v6]`), with or without a port. */
export function isIpLiteralHostHeader(host: string): boolean {
  const end = hostHeaderEnd(host);
  if (end <= 0) return false;
  return host.charCodeAt(0) === 91 ? net.isIPv6(host.slice(1, end - 1)) : net.isIPv4(host.slice(0, end));
}

/** `a[aFrom..aEnd)` equals `b[0..bEnd)`, ASCII letters compared case-insensitively. */
function equalsIgnoreCase(a: string, aFrom: number, aEnd: number, b: string, bEnd: number): boolean {
  if (aEnd - aFrom !== bEnd) return false;
  for (let i = 0; i < bEnd; i++) {
    const x = a.charCodeAt(aFrom + i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // `| 32` folds ASCII letters only: anything else must match exactly
    const lx = x | 32;
    if (lx !== (y | 32) || lx < 97 || lx > 122) return false;
  }
  return true;
}

/**
 * True when an Origin header (`scheme://host[:port]`) names the same host and port as the Host
 * header (the scheme is not compared: one port speaks one of them). `null` and anything that is
 * not a serialized origin never match.
 */
export function isSameOrigin(origin: string, host: string): boolean {
  const sep = origin.indexOf('://');
  if (sep <= 0) return false;
  const from = sep + 3;
  if (origin.indexOf('/', from) !== -1) return false;
  if (equalsIgnoreCase(origin, from, origin.length, host, host.length)) return true;
  // a default port is left out of an Origin but may be spelled out in Host (or the reverse)
  const scheme = origin.slice(0, sep).toLowerCase();
  const port = scheme === 'http' || scheme === 'ws' ? ':80' : scheme === 'https' || scheme === 'wss' ? ':443' : undefined;
  if (port === undefined) return false;
  const oEnd = origin.endsWith(port) ? origin.length - port.length : origin.length;
  const hEnd = host.endsWith(port) ? host.length - port.length : host.length;
  return equalsIgnoreCase(origin, from, oEnd, host, hEnd);
}

/**
 * Header the TCP entry point adds (with a per-process secret) to the requests it proxies to its
 * own admin.sock: the dashboard applies the entry point's Host rule to those only, and the
 * loopback rule to anything else (a page rebound onto an SSH tunnel to admin.sock). The proxy
 * drops a client's own value.
 */
export const PROXY_MARK_HEADER = 'x-hero-router-proxy';

/** True when `host` may be answered under `rule` (no Host at all: an HTTP/1.0 client, never a browser). */
export function isHostAllowed(host: string | undefined, rule: HostRule): boolean {
  if (rule === 'any' || host === undefined || isLoopbackHostHeader(host)) return true;
  return rule === 'literal' && isIpLiteralHostHeader(host);
}

/** Why a request breaks the browser rules: `host` (Host not allowed by `rule`), `origin` (cross-site), or undefined. */
export function browserRuleBroken(host: string | undefined, origin: string | undefined, rule: HostRule): 'host' | 'origin' | undefined {
  if (!isHostAllowed(host, rule)) return 'host';
  if (origin !== undefined && (host === undefined || !isSameOrigin(origin, host))) return 'origin';
  return undefined;
}

/** The JSON error a request that broke a browser rule gets. */
export function browserRuleError(broken: 'host' | 'origin', host: string | undefined): { status: 403 | 421; body: { error: string; message: string } } {
  if (broken === 'host') {
    return {
      status: 421,
      body: {
        error: 'misdirected_request',
        message: `Host "${host ?? ''}" refused: without auth.tokens the router only answers to localhost, *.localhost, 127.0.0.0/8 and [::1] (and IP addresses when auth.allow is set)`,
      },
    };
  }
  return { status: 403, body: { error: 'forbidden', message: 'cross-origin request refused: the Origin header must match the Host header' } };
}
