/**
 * The small part of HTTP/1.1 the proxy needs, with no I/O: request and response heads parsed
 * into flat header lists plus their framing, heads rebuilt for the other side, and a scanner
 * that finds where a chunked body ends without copying it.
 */

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) plus the proxy-specific ones nginx also drops
 * (a switch: no hashing of each header name).
 */
function isHop(lower: string): boolean {
  switch (lower) {
    case 'connection':
    case 'keep-alive':
    case 'proxy-connection':
    case 'proxy-authenticate':
    case 'proxy-authorization':
    case 'te':
    case 'trailer':
    case 'transfer-encoding':
    case 'upgrade':
      return true;
    default:
      return false;
  }
}


/** True for an RFC 9110 token character. */
function isTokenChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) ||
    c === 33 || (c >= 35 && c <= 39) || c === 42 || c === 43 || c === 45 || c === 46 || c === 94 || c === 95 || c === 96 || c === 124 || c === 126
  );
}

function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

/** Header value bytes allowed: visible ASCII, obs-text, SP and HTAB (no CR, LF or NUL). */
function isValueOk(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9) || c === 127) return false;
  }
  return true;
}

export interface RequestHead {
  method: string;
  target: string;
  /** HTTP minor version (0 or 1). */
  minor: number;
  /** Headers kept for the upstream, flat `[name, value, …]` (hop-by-hop and router-owned ones removed). */
  headers: string[];
  /** Content-Length, or -1. */
  contentLength: number;
  chunked: boolean;
  /** The client wants the connection closed after this exchange. */
  close: boolean;
  /** Upgrade protocol when `Connection: upgrade` asked for one. */
  upgrade: string | undefined;
  host: string | undefined;
  authorization: string | undefined;
  /** X-Forwarded-For received from the client (appended to). */
  forwardedFor: string | undefined;
  /** Origin sent by a browser (kept for the upstream too). */
  origin: string | undefined;
}

/** Why a request head was refused: the HTTP status to answer with. */
export type HeadError = 400 | 501 | 505;

/** Names listed in a Connection header, lower case. */
function connectionTokens(value: string, into: string[]): void {
  for (const part of value.split(',')) {
    const t = part.trim().toLowerCase();
    if (t) into.push(t);
  }
}

/** Parses a request head (everything before the blank line, latin1-decoded). */
export function parseRequestHead(head: string): RequestHead | HeadError {
  let start = 0;
  // RFC 9112 §2.2: ignore empty lines before the request line
  while (head.charCodeAt(start) === 13 && head.charCodeAt(start + 1) === 10) start += 2;
  let eol = head.indexOf('\r\n', start);
  if (eol === -1) eol = head.length;
  const line = head.slice(start, eol);
  const sp1 = line.indexOf(' ');
  const sp2 = line.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 === -1 || line.indexOf(' ', sp2 + 1) !== -1) return 400;
  const method = line.slice(0, sp1);
  const target = line.slice(sp1 + 1, sp2);
  const version = line.slice(sp2 + 1);
  if (!isToken(method) || target.length === 0 || !isValueOk(target) || target.indexOf('\t') !== -1) return 400;
  let minor: number;
  if (version === 'HTTP/1.1') minor = 1;
  else if (version === 'HTTP/1.0') minor = 0;
  else return version.startsWith('HTTP/') ? 505 : 400;

  const headers: string[] = [];
  let contentLength = -1;
  let chunked = false;
  let close = minor === 0;
  let upgrade: string | undefined;
  let upgradeAsked = false;
  let host: string | undefined;
  let authorization: string | undefined;
  let forwardedFor: string | undefined;
  let origin: string | undefined;
  let extra: string[] | undefined;
  let pos = eol + 2;
  while (pos < head.length) {
    let end = head.indexOf('\r\n', pos);
    if (end === -1) end = head.length;
    const colon = head.indexOf(':', pos);
    if (colon <= pos || colon > end) return 400;
    const name = head.slice(pos, colon);
    // no whitespace before the colon, no obs-fold, no bare CR/LF (request smuggling)
    if (!isToken(name)) return 400;
    const value = head.slice(colon + 1, end).trim();
    pos = end + 2;
    if (!isValueOk(value)) return 400;
    // only names of these lengths are looked at: others pass without being lower-cased (of the
    // six-letter names only those starting with an o: Accept, Cookie, Expect… are not)
    const len = name.length;
    if (
      len > 19 || len < 2 || len === 3 || len === 5 || len === 8 || len === 9 || len === 11 || len === 12 ||
      (len === 6 && (name.charCodeAt(0) | 32) !== 111)
    ) {
      headers.push(name, value);
      continue;
    }
    switch (name.toLowerCase()) {
      case 'content-length': {
        if (!/^\d{1,15}$/.test(value)) return 400;
        const n = Number(value);
        if (contentLength !== -1 && contentLength !== n) return 400;
        if (contentLength === -1) headers.push(name, value);
        contentLength = n;
        continue;
      }
      case 'transfer-encoding':
        if (value.toLowerCase() !== 'chunked' || chunked) return value.toLowerCase().endsWith('chunked') ? 501 : 400;
        chunked = true;
        continue;
      case 'connection': {
        const tokens: string[] = [];
        connectionTokens(value, tokens);
        for (const t of tokens) {
          if (t === 'close') close = true;
          else if (t === 'keep-alive') close = false;
          else if (t === 'upgrade') upgradeAsked = true;
          else (extra ??= []).push(t);
        }
        continue;
      }
      case 'upgrade':
        upgrade = value;
        continue;
      case 'host':
        if (host !== undefined) return 400;
        host = value;
        break;
      case 'authorization':
        authorization = value;
        break;
      case 'origin':
        // two Origin headers: refused rather than guessing which one a check should look at
        if (origin !== undefined) return 400;
        origin = value;
        break;
      case 'x-forwarded-for':
        forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
        continue;
      case 'keep-alive':
      case 'proxy-connection':
      case 'proxy-authenticate':
      case 'proxy-authorization':
      case 'te':
      case 'trailer':
      case 'x-forwarded-proto':
      case 'x-forwarded-host':
      case 'x-forwarded-prefix':
      case 'x-hero-context':
      case 'x-hero-router-proxy':
        continue;
    }
    headers.push(name, value);
  }
  if (chunked && contentLength !== -1) return 400;
  if (minor === 1 && host === undefined) return 400;
  if (extra) dropNamed(headers, extra);
  return {
    method,
    target,
    minor,
    headers,
    contentLength,
    chunked,
    close,
    upgrade: upgradeAsked ? upgrade : undefined,
    host,
    authorization,
    forwardedFor,
    origin,
  };
}

function dropNamed(headers: string[], names: string[]): void {
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    if (names.includes(headers[i]!.toLowerCase())) headers.splice(i, 2);
  }
}

export interface ForwardInfo {
  remoteAddress: string;
  proto: 'http' | 'https';
  /** `/<service>/<name>`. */
  prefix: string;
  /** X-Hero-Context ('' for none). */
  context: string;
  /** Drop Authorization (it carried the router's own token). */
  dropAuthorization: boolean;
  /** Further header lines, each ending in CRLF ('' for none). */
  extra?: string;
}

/** The request head sent upstream for `rest`, with X-Forwarded-* and X-Hero-Context set. */
export function upstreamHead(req: RequestHead, rest: string, f: ForwardInfo): string {
  let s = `${req.method} ${rest} HTTP/1.${req.minor}\r\n`;
  const h = req.headers;
  for (let i = 0; i < h.length; i += 2) {
    if (f.dropAuthorization && h[i]!.length === 13 && h[i]!.toLowerCase() === 'authorization') continue;
    s += `${h[i]}: ${h[i + 1]}\r\n`;
  }
  if (req.chunked) s += 'Transfer-Encoding: chunked\r\n';
  if (req.upgrade !== undefined) s += `Connection: upgrade\r\nUpgrade: ${req.upgrade}\r\n`;
  s += `X-Forwarded-For: ${req.forwardedFor === undefined ? f.remoteAddress : `${req.forwardedFor}, ${f.remoteAddress}`}\r\n`;
  s += `X-Forwarded-Proto: ${f.proto}\r\nX-Forwarded-Prefix: ${f.prefix}\r\n`;
  if (req.host !== undefined) s += `X-Forwarded-Host: ${req.host}\r\n`;
  if (f.context) s += `X-Hero-Context: ${f.context}\r\n`;
  if (f.extra) s += f.extra;
  return s + '\r\n';
}

export interface ResponseHead {
  status: number;
  /** The head to send to the client, without its final blank line. */
  head: string;
  contentLength: number;
  chunked: boolean;
  /** The upstream will close the connection after this response. */
  close: boolean;
}

/**
 * Parses an upstream response head and rebuilds it for the client: hop-by-hop headers dropped
 * (Transfer-Encoding: chunked is kept, the body is relayed as it is framed), 101 kept whole.
 */
export function parseResponseHead(head: string): ResponseHead | undefined {
  let eol = head.indexOf('\r\n');
  if (eol === -1) eol = head.length;
  if (eol < 12 || !head.startsWith('HTTP/1.') || (head.charCodeAt(12) !== 32 && eol !== 12)) return undefined;
  const status = Number(head.slice(9, 12));
  if (!Number.isInteger(status) || status < 100 || status > 999) return undefined;
  if (status === 101) return { status, head: head, contentLength: -1, chunked: false, close: false };
  const http10 = head.charCodeAt(7) === 48;
  // kept header lines are not copied one by one: while nothing was dropped in between, the
  // head is a prefix of what came (Node answers with Connection and Keep-Alive last)
  let out: string | undefined;
  /** End of the kept prefix of `head` while `out` is undefined. */
  let kept = eol;
  let dropped = false;
  let contentLength = -1;
  let chunked = false;
  let close = http10;
  let extra: string[] | undefined;
  let pos = eol + 2;
  while (pos < head.length) {
    let end = head.indexOf('\r\n', pos);
    if (end === -1) end = head.length;
    const colon = head.indexOf(':', pos);
    if (colon <= pos || colon > end) return undefined;
    const len = colon - pos;
    // only names of these lengths can be framing or hop-by-hop headers: others pass untouched
    if (len === 2 || len === 7 || len === 10 || len === 14 || len === 16 || len === 17 || len === 18 || len === 19) {
      const lower = head.slice(pos, colon).toLowerCase();
      if (lower === 'content-length') {
        const n = Number(head.slice(colon + 1, end).trim());
        if (!Number.isInteger(n) || n < 0) return undefined;
        contentLength = n;
      } else if (isHop(lower)) {
        const value = head.slice(colon + 1, end).trim();
        if (lower === 'transfer-encoding') {
          if (value.toLowerCase().endsWith('chunked')) chunked = true;
          else return undefined;
        } else if (lower === 'connection' && value !== 'keep-alive') {
          const tokens: string[] = [];
          connectionTokens(value, tokens);
          for (const t of tokens) {
            if (t === 'close') close = true;
            else if (t === 'keep-alive') close = false;
            else if (t !== 'upgrade') (extra ??= []).push(t);
          }
        }
        dropped = true;
        pos = end + 2;
        continue;
      }
    }
    if (out !== undefined) out += '\r\n' + head.slice(pos, end);
    else if (!dropped) kept = end;
    else out = head.slice(0, kept) + '\r\n' + head.slice(pos, end);
    pos = end + 2;
  }
  if (out === undefined) out = kept === head.length ? head : head.slice(0, kept);
  if (head.charCodeAt(7) !== 49) out = `HTTP/1.1${out.slice(8)}`;
  if (chunked) {
    contentLength = -1;
    out += '\r\nTransfer-Encoding: chunked';
  }
  if (extra) {
    // headers named by Connection are hop-by-hop too (rare: a second pass)
    const lines = out.split('\r\n');
    out = lines
      .filter((h, i) => i === 0 || !extra!.includes(h.slice(0, h.indexOf(':')).toLowerCase()))
      .join('\r\n');
  }
  return { status, head: out, contentLength, chunked, close };
}

/** True when a response to `method` with `status` has no body whatever its headers say. */
export function hasNoBody(method: string, status: number): boolean {
  return method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
}

const S_SIZE = 0;
const S_SIZE_MORE = 1;
const S_EXT = 2;
const S_SIZE_LF = 3;
const S_DATA = 4;
const S_DATA_CR = 5;
const S_DATA_LF = 6;
const S_TRAILER_START = 7;
const S_TRAILER = 8;
const S_TRAILER_LF = 9;
const S_END_LF = 10;

/** Follows a chunked body as it streams past and says where it ends. */
export class ChunkScanner {
  private state = S_SIZE;
  private size = 0;
  private remaining = 0;

  /**
   * Scans `b[start..end)`: the offset just past the end of the body when it ends inside, -1
   * when more bytes are needed, -2 on malformed framing.
   */
  scan(b: Uint8Array, start: number, end: number): number {
    let i = start;
    while (i < end) {
      const c = b[i]!;
      switch (this.state) {
        case S_SIZE:
        case S_SIZE_MORE: {
          const v = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
          if (v >= 0) {
            this.size = this.size * 16 + v;
            if (this.size > 2 ** 48) return -2;
            this.state = S_SIZE_MORE;
          } else if (this.state === S_SIZE) return -2;
          else if (c === 13) this.state = S_SIZE_LF;
          else if (c === 59 || c === 32 || c === 9) this.state = S_EXT;
          else return -2;
          i++;
          break;
        }
        case S_EXT:
          if (c === 13) this.state = S_SIZE_LF;
          else if (c === 10) return -2;
          i++;
          break;
        case S_SIZE_LF:
          if (c !== 10) return -2;
          if (this.size === 0) this.state = S_TRAILER_START;
          else {
            this.remaining = this.size;
            this.state = S_DATA;
          }
          this.size = 0;
          i++;
          break;
        case S_DATA: {
          const n = Math.min(this.remaining, end - i);
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = S_DATA_CR;
          break;
        }
        case S_DATA_CR:
          if (c !== 13) return -2;
          this.state = S_DATA_LF;
          i++;
          break;
        case S_DATA_LF:
          if (c !== 10) return -2;
          this.state = S_SIZE;
          i++;
          break;
        case S_TRAILER_START:
          this.state = c === 13 ? S_END_LF : S_TRAILER;
          i++;
          break;
        case S_TRAILER:
          if (c === 13) this.state = S_TRAILER_LF;
          i++;
          break;
        case S_TRAILER_LF:
          if (c !== 10) return -2;
          this.state = S_TRAILER_START;
          i++;
          break;
        case S_END_LF:
          if (c !== 10) return -2;
          this.state = S_SIZE;
          return i + 1;
      }
    }
    return -1;
  }
}
