/** True when `s` is a valid service or socket name: `[A-Za-z0-9_.-]+`, not `.` or `..`. */
export function isValidName(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 255) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    // 0-9, A-Z, a-z, '_', '.', '-'
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 45)) {
      return false;
    }
  }
  return s !== '.' && s !== '..';
}

/** A proxied request target: `/<service>/<name><rest>`. */
export interface Route {
  service: string;
  name: string;
  /** Path and query sent upstream; always starts with `/`. */
  rest: string;
}

/** Why a path was refused. */
export type RouteError = 'bad_name' | 'bad_path';

/**
 * True when the path part of a URL holds a dot segment (`.`/`..`, literal or percent-encoded),
 * an encoded slash or backslash, or a backslash: things that could change which resource the
 * path names once decoded.
 */
export function hasUnsafePath(path: string): boolean {
  if (path.indexOf('\\') !== -1) return true;
  if (path.indexOf('%') !== -1) {
    const lower = path.toLowerCase();
    if (lower.includes('%2f') || lower.includes('%5c') || lower.includes('%2e') || lower.includes('%00')) return true;
  }
  let i = path.indexOf('/.');
  while (i !== -1) {
    const a = path.charCodeAt(i + 2);
    // "/." followed by end or "/"; "/.." followed by end or "/"
    if (Number.isNaN(a) || a === 47) return true;
    if (a === 46) {
      const b = path.charCodeAt(i + 3);
      if (Number.isNaN(b) || b === 47) return true;
    }
    i = path.indexOf('/.', i + 2);
  }
  return false;
}

/**
 * Splits a request URL (`/svc/name/rest?q`) into its route. Returns a RouteError for a
 * malformed or unsafe path and undefined when the URL has fewer than two segments.
 */
export function parseRoute(url: string): Route | RouteError | undefined {
  if (url.charCodeAt(0) !== 47) return 'bad_path';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (hasUnsafePath(path)) return 'bad_path';
  const s1 = path.indexOf('/', 1);
  if (s1 === -1) return undefined;
  const service = path.slice(1, s1);
  let s2 = path.indexOf('/', s1 + 1);
  if (s2 === -1) s2 = path.length;
  const name = path.slice(s1 + 1, s2);
  if (name === '' && s2 === path.length) return undefined;
  if (!isValidName(service) || !isValidName(name)) return 'bad_name';
  let rest = url.slice(s2);
  if (rest.length === 0 || rest.charCodeAt(0) !== 47) rest = '/' + rest;
  return { service, name, rest };
}
