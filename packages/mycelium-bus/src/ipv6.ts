/** IPv6 parsing, canonical formatting (RFC 5952) and subnet membership. No I/O. */
import net from 'node:net';

/** Parses an IPv6 address (embedded IPv4 and zone-less forms) into 16 bytes; undefined if invalid. */
export function parseIpv6(text: string): Uint8Array | undefined {
  if (typeof text !== 'string' || !net.isIPv6(text) || text.includes('%')) return undefined;
  let s = text.toLowerCase();
  if (s.includes('.')) {
    // a trailing dotted quad becomes two hex words
    const colon = s.lastIndexOf(':');
    const q = s.slice(colon + 1).split('.').map(Number);
    s = `${s.slice(0, colon + 1)}${((q[0]! << 8) | q[1]!).toString(16)}:${((q[2]! << 8) | q[3]!).toString(16)}`;
  }
  const words = (part: string) => (part === '' ? [] : part.split(':').map((h) => parseInt(h, 16)));
  let all: number[];
  const gap = s.indexOf('::');
  if (gap === -1) {
    all = words(s);
  } else {
    const head = words(s.slice(0, gap));
    const tail = words(s.slice(gap + 2));
    all = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  if (all.length !== 8 || all.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffff)) return undefined;
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[i * 2] = w >> 8;
    out[i * 2 + 1] = w & 0xff;
  });
  return out;
}

/** Formats 16 bytes as a canonical IPv6 string: lowercase, longest zero run (≥ 2 words) as `::`. */
export function formatIpv6(b: Uint8Array): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b[i * 2]! << 8) | b[i * 2 + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((x) => x.toString(16)).join(':');
  if (bestLen < 2) return hex(w);
  return `${hex(w.slice(0, bestStart))}::${hex(w.slice(bestStart + bestLen))}`;
}

/** Canonical form of an IPv6 string, or undefined when it is not one. */
export function canonicalIpv6(text: string): string | undefined {
  const b = parseIpv6(text);
  return b && formatIpv6(b);
}

/** An IPv6 subnet: network bytes (host bits cleared) and prefix length. */
export interface Subnet {
  bytes: Uint8Array;
  prefix: number;
}

/** Clears the bits of `b` past `prefix`. */
function mask(b: Uint8Array, prefix: number): Uint8Array {
  const out = new Uint8Array(b);
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    out[i] = out[i]! & (keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff);
  }
  return out;
}

/** Parses `addr/len` (or a bare address, /128); undefined when invalid. */
export function parseSubnet(text: string): Subnet | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  const addr = slash === -1 ? text : text.slice(0, slash);
  const lenText = slash === -1 ? '128' : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) return undefined;
  const prefix = Number(lenText);
  const bytes = parseIpv6(addr);
  if (!bytes || prefix > 128) return undefined;
  return { bytes: mask(bytes, prefix), prefix };
}

/** `addr/len` with the canonical network address. */
export function formatSubnet(s: Subnet): string {
  return `${formatIpv6(s.bytes)}/${s.prefix}`;
}

/** True when `ip` lies inside `subnet`. */
export function subnetContains(subnet: Subnet, ip: Uint8Array): boolean {
  const m = mask(ip, subnet.prefix);
  for (let i = 0; i < 16; i++) if (m[i] !== subnet.bytes[i]) return false;
  return true;
}

/** True for addresses in Mycelium's overlay range 400::/7. */
export function isOverlayAddress(ip: Uint8Array): boolean {
  return (ip[0]! & 0xfe) === 0x04;
}
