import fengari from 'fengari';

const { lua, lauxlib, to_luastring } = fengari;

/** Lua strings are byte arrays; hero_db strings are latin1 JS strings (one char per byte). */
export function toLua(s: string): Uint8Array {
  const n = s.length;
  if (n > 64) return Buffer.from(s, 'latin1');
  // Short strings (keys, field names, numbers) are the common case: skip Buffer's overhead.
  const u = new Uint8Array(n);
  for (let i = 0; i < n; i++) u[i] = s.charCodeAt(i);
  return u;
}

export function fromLua(u: Uint8Array): string {
  const n = u.length;
  if (n > 64) return Buffer.from(u.buffer, u.byteOffset, n).latin1Slice(0, n);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(u[i]!);
  return s;
}

const names = new Map<string, Uint8Array>();

/** A cached Lua string for an ASCII name (field names, error texts). */
export function lname(s: string): Uint8Array {
  let u = names.get(s);
  if (u === undefined) {
    u = to_luastring(s) as Uint8Array;
    names.set(s, u);
  }
  return u;
}

export function pushString(L: unknown, s: string): void {
  lua.lua_pushlstring(L, toLua(s), s.length);
}

/** The string at `idx` (numbers converted in place, as lua_tolstring does), or null. */
export function getString(L: unknown, idx: number): string | null {
  const u = lua.lua_tolstring(L, idx) as Uint8Array | null;
  return u === null || u === undefined ? null : fromLua(u);
}

/** Raises a Lua error prefixed with the calling script position, as luaL_error does. */
export function raise(L: unknown, msg: string): never {
  lauxlib.luaL_where(L, 1);
  const where = getString(L, -1) ?? '';
  lua.lua_pop(L, 1);
  pushString(L, where + msg);
  lua.lua_error(L);
  throw new Error('unreachable');
}

/** Formats a Lua float the way Lua 5.1 (Redis's Lua) prints numbers: %.14g. */
export function formatLuaNumber(n: number): string {
  if (Number.isNaN(n)) return n > 0 ? 'nan' : '-nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  if (Number.isInteger(n) && n < 1e14 && n > -1e14) return String(n);
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 14) {
    const [m, e] = n.toExponential(13).split('e') as [string, string];
    const mant = m.includes('.') ? m.replace(/\.?0+$/, '') : m;
    const ev = Number(e);
    return mant + 'e' + (ev < 0 ? '-' : '+') + String(Math.abs(ev)).padStart(2, '0');
  }
  return String(Number(n.toPrecision(14)));
}
