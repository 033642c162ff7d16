import lobjectModule from 'fengari/src/lobject.js';
import lstringModule from 'fengari/src/lstring.js';
import { formatLuaNumber } from './lua-string.js';


/**
 * Redis runs Lua 5.1, where every number is a double printed with "%.14g". fengari is Lua 5.3
 * with 32-bit integers that wrap (2147483647 + 1 < 0) and floats printed as "5.0": timestamps,
 * priorities and hex literals in real scripts (BullMQ's `priority * 0x100000000`) would break.
 * Numerals and string→number conversions are therefore made to produce floats, and floats are
 * printed the 5.1 way. fengari's modules call these through their export objects, so replacing
 * the exports changes the behaviour everywhere; hero_db is fengari's only user in the process
 * and the change is idempotent.
 */
export function useLua51Numbers(): void {
  // static imports (default = the CommonJS exports object) so bundlers inline them too
  const lobject = lobjectModule;
  const lstring = lstringModule;
  if (lobject.__heroLua51) return;
  lobject.__heroLua51 = true;
  const str2num = lobject.luaO_str2num;
  lobject.luaO_str2num = (s: Uint8Array, o: { ttisinteger(): boolean; value: number; setfltvalue(n: number): void }) => {
    const r = str2num(s, o);
    if (r !== 0 && o.ttisinteger()) {
      const text = Buffer.from(s.buffer, s.byteOffset, s.length).latin1Slice().replace(/\0.*$/s, '');
      const hex = /^\s*(-)?0[xX]([0-9a-fA-F]+)\s*$/.exec(text);
      if (hex !== null) o.setfltvalue((hex[1] ? -1 : 1) * parseInt(hex[2]!, 16));
      else o.setfltvalue(o.value);
    }
    return r;
  };
  const tostring = lobject.luaO_tostring;
  lobject.luaO_tostring = (L: unknown, obj: { ttisfloat(): boolean; value: number; setsvalue(v: unknown): void }) => {
    if (!obj.ttisfloat()) return tostring(L, obj);
    obj.setsvalue(lstring.luaS_bless(L, Buffer.from(formatLuaNumber(obj.value), 'latin1')));
  };
}
