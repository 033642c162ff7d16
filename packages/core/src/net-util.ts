import net from 'node:net';

/** True for 127.0.0.0/8, ::1, `localhost` and IPv4-mapped loopback. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return net.isIPv4(v4) && v4.startsWith('127.');
}

/** Splits `host:port` (or `[v6]:port`, or a bare port) into its parts. */
export function parseHostPort(value: string, defaultHost = '127.0.0.1'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value) ?? /^()()(\d+)$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid address "${value}" (expected host:port)`);
  }
  return { host: m[1] || m[2] || defaultHost, port };
}

const LOCALHOST_SUFFIX = /^(?:[a-z0-9-]+\.)+localhost$/;

/** Index just past the host part of a Host value (`name`, `name:port`, `[v6]`, `[v6]:port`), or -1. */
function hostPartEnd(host: string): number {
  if (host.charCodeAt(0) === 91 /* [ */) {
    const close = host.indexOf(']');
    return close === -1 ? -1 : close + 1;
  }
  const colon = host.indexOf(':');
  return colon === -1 ? host.length : colon;
}

/** True for an empty rest or `:` followed by 1–5 digits. */
function isPortSuffix(host: string, from: number): boolean {
  if (from === host.length) return true;
  if (host.charCodeAt(from) !== 58 /* : */ || host.length - from < 2 || host.length - from > 6) return false;
  for (let i = from + 1; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Index just past the host part of a well-formed Host value (an optional `:port` after it), or -1. */
export function hostHeaderEnd(host: string): number {
  const end = hostPartEnd(host);
  return end > 0 && isPortSuffix(host, end) ? end : -1;
}

/**
 * True when a Host header names a loopback address: `localhost`, `*.localhost`, 127.0.0.0/8 or
 * `[::1]`, with or without a port. A DNS-rebinding page always sends its own (non-loopback) name.
 */
export function isLoopbackHostHeader(host: string): boolean {
  const end = hostHeaderEnd(host);
  if (end <= 0) return false;
  if (host.charCodeAt(0) === 91) return isLoopbackHost(host.slice(1, end - 1));
  const name = host.slice(0, end).toLowerCase();
  // a bare IPv6 address is not a valid Host: only `[...]` gets the IPv6 treatment
  if (name.indexOf(':') !== -1) return false;
  return isLoopbackHost(name) || (name.endsWith('.localhost') && LOCALHOST_SUFFIX.test(name));
}
