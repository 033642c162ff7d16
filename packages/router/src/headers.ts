import type { IncomingMessage } from 'node:http';

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus the proxy-specific ones nginx also drops. */
const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Headers the router sets itself; a client's own values are dropped (X-Forwarded-For is appended to). */
const OWN = new Set(['x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-prefix', 'x-hero-context']);

/** First value of header `name` (lower case) in a raw header list. */
export function rawHeader(raw: readonly string[], name: string): string | undefined {
  const n = name.length;
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i]!;
    if (k.length === n && k.toLowerCase() === name) return raw[i + 1];
  }
  return undefined;
}

/** Extra header names listed in a Connection header ("close", "keep-alive" and "upgrade" are known). */
function connectionTokens(value: string): string[] | undefined {
  let out: string[] | undefined;
  for (const part of value.split(',')) {
    const t = part.trim().toLowerCase();
    if (t && t !== 'close' && t !== 'keep-alive' && t !== 'upgrade') (out ??= []).push(t);
  }
  return out;
}

export interface ForwardInfo {
  remoteAddress: string | undefined;
  proto: 'http' | 'https';
  /** `/<service>/<name>`. */
  prefix: string;
  /** X-Hero-Context ('' for none). */
  context: string;
  /** Drop the client's Authorization header (it was the router's own bearer token). */
  dropAuthorization: boolean;
  /** Keep `Connection: upgrade` and `Upgrade` (WebSocket handshake). */
  upgrade: boolean;
  /** Set by upstreamHeaders: the request declares a body (Content-Length > 0 or Transfer-Encoding). */
  hasBody?: boolean;
}

/**
 * The header list sent upstream, as a flat `[name, value, …]` array: hop-by-hop headers
 * removed, X-Forwarded-For/-Proto/-Host/-Prefix and X-Hero-Context set.
 */
export function upstreamHeaders(req: IncomingMessage, f: ForwardInfo): string[] {
  const raw = req.rawHeaders;
  const out: string[] = [];
  let xff: string | undefined;
  let host: string | undefined;
  let extra: string[] | undefined;
  let upgradeTo: string | undefined;
  f.hasBody = false;
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i]!;
    const lk = k.toLowerCase();
    const v = raw[i + 1]!;
    if (HOP.has(lk)) {
      if (lk === 'connection') extra = connectionTokens(v);
      else if (lk === 'transfer-encoding') f.hasBody = true;
      else if (lk === 'upgrade') upgradeTo = v;
      continue;
    }
    if (lk === 'host') host = v;
    else if (lk === 'content-length') f.hasBody = v !== '0';
    else if (lk === 'x-forwarded-for') {
      xff = xff === undefined ? v : `${xff}, ${v}`;
      continue;
    } else if (OWN.has(lk) || (lk === 'authorization' && f.dropAuthorization)) continue;
    out.push(k, v);
  }
  if (extra) {
    for (let i = out.length - 2; i >= 0; i -= 2) {
      if (extra.includes(out[i]!.toLowerCase())) out.splice(i, 2);
    }
  }
  if (f.upgrade) out.push('Connection', 'upgrade', 'Upgrade', upgradeTo ?? 'websocket');
  const remote = f.remoteAddress ?? '';
  out.push(
    'X-Forwarded-For',
    xff === undefined ? remote : `${xff}, ${remote}`,
    'X-Forwarded-Proto',
    f.proto,
    'X-Forwarded-Prefix',
    f.prefix,
  );
  if (host !== undefined) out.push('X-Forwarded-Host', host);
  if (f.context) out.push('X-Hero-Context', f.context);
  return out;
}

/**
 * The upstream response's headers without hop-by-hop ones, as a flat array for writeHead;
 * `state.hasLength` tells whether a Content-Length was among them.
 */
export function downstreamHeaders(raw: readonly string[], state: { hasLength: boolean }): string[] {
  const out: string[] = [];
  let extra: string[] | undefined;
  state.hasLength = false;
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i]!;
    const lk = k.toLowerCase();
    if (lk === 'content-length') state.hasLength = true;
    else if (HOP.has(lk)) {
      if (lk === 'connection') extra = connectionTokens(raw[i + 1]!);
      continue;
    }
    out.push(k, raw[i + 1]!);
  }
  if (extra) {
    for (let i = out.length - 2; i >= 0; i -= 2) {
      if (extra.includes(out[i]!.toLowerCase())) out.splice(i, 2);
    }
  }
  return out;
}
