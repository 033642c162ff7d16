import fengari from 'fengari';
import { formatLuaNumber, fromLua, getString, lname, pushString, raise } from './lua-string.js';

const { lua, lauxlib } = fengari;

/** The lightuserdata behind `cjson.null` (a NULL pointer in lua-cjson). */
export const JSON_NULL = { json: null };

const MAX_DEPTH = 1000;

function escapeString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | null = null;
    if (c < 32 || c === 127) {
      if (c === 8) esc = '\\b';
      else if (c === 9) esc = '\\t';
      else if (c === 10) esc = '\\n';
      else if (c === 12) esc = '\\f';
      else if (c === 13) esc = '\\r';
      else esc = '\\u' + c.toString(16).padStart(4, '0');
    } else if (c === 34) esc = '\\"';
    else if (c === 92) esc = '\\\\';
    else if (c === 47) esc = '\\/';
    if (esc !== null) {
      out += s.slice(start, i) + esc;
      start = i + 1;
    }
  }
  return out + s.slice(start) + '"';
}

/** Array length when the table has only positive integer keys, -1 otherwise (lua-cjson rules). */
function arrayLength(L: unknown, idx: number): number {
  let max = 0;
  let count = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, idx) !== 0) {
    if (lua.lua_type(L, -2) === lua.LUA_TNUMBER) {
      const k = lua.lua_tonumber(L, -2) as number;
      if (Number.isInteger(k) && k >= 1) {
        if (k > max) max = k;
        count++;
        lua.lua_pop(L, 1);
        continue;
      }
    }
    lua.lua_pop(L, 2);
    return -1;
  }
  if (max > count * 2 && max > 10) raise(L, 'Cannot serialise table: excessively sparse array');
  return max;
}

function encodeNumber(L: unknown, idx: number): string {
  if (lua.lua_isinteger(L, idx)) return String(lua.lua_tointeger(L, idx));
  const n = lua.lua_tonumber(L, idx) as number;
  if (!Number.isFinite(n)) raise(L, 'Cannot serialise number: must not be NaN or Inf');
  return formatLuaNumber(n);
}

function encodeAt(L: unknown, idx: number, depth: number, out: string[]): void {
  switch (lua.lua_type(L, idx)) {
    case lua.LUA_TSTRING:
      out.push(escapeString(getString(L, idx)!));
      return;
    case lua.LUA_TNUMBER:
      out.push(encodeNumber(L, idx));
      return;
    case lua.LUA_TBOOLEAN:
      out.push(lua.lua_toboolean(L, idx) ? 'true' : 'false');
      return;
    case lua.LUA_TNIL:
      out.push('null');
      return;
    case lua.LUA_TLIGHTUSERDATA:
      if (lua.lua_touserdata(L, idx) === JSON_NULL) {
        out.push('null');
        return;
      }
      break;
    case lua.LUA_TTABLE: {
      if (depth >= MAX_DEPTH) raise(L, `Cannot serialise, excessive nesting (${depth + 1})`);
      lauxlib.luaL_checkstack(L, 6, null);
      const abs = lua.lua_absindex(L, idx);
      const len = arrayLength(L, abs);
      if (len > 0) {
        out.push('[');
        for (let i = 1; i <= len; i++) {
          if (i > 1) out.push(',');
          lua.lua_rawgeti(L, abs, i);
          encodeAt(L, -1, depth + 1, out);
          lua.lua_pop(L, 1);
        }
        out.push(']');
        return;
      }
      out.push('{');
      let first = true;
      lua.lua_pushnil(L);
      while (lua.lua_next(L, abs) !== 0) {
        if (!first) out.push(',');
        first = false;
        const kt = lua.lua_type(L, -2);
        if (kt === lua.LUA_TSTRING) out.push(escapeString(getString(L, -2)!));
        else if (kt === lua.LUA_TNUMBER) out.push('"' + encodeNumber(L, -2) + '"');
        else raise(L, 'Cannot serialise table: table key must be a number or string');
        out.push(':');
        encodeAt(L, -1, depth + 1, out);
        lua.lua_pop(L, 1);
      }
      out.push('}');
      return;
    }
  }
  raise(L, `Cannot serialise ${fromLua(lauxlib.luaL_typename(L, idx))}: type not supported`);
}

class JsonParser {
  i = 0;
  constructor(
    readonly L: unknown,
    readonly s: string,
  ) {}

  fail(what: string): never {
    const tok = this.i >= this.s.length ? 'T_END' : 'invalid token';
    return raise(this.L, `Expected ${what} but found ${tok} at character ${this.i + 1}`);
  }

  ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++;
      else break;
    }
  }

  value(depth: number): void {
    const L = this.L;
    this.ws();
    const s = this.s;
    const c = s[this.i];
    if (c === '{' || c === '[') {
      if (depth >= MAX_DEPTH) raise(L, `Found too many nested data structures (${depth + 1}) at character ${this.i + 1}`);
      lauxlib.luaL_checkstack(L, 4, null);
      this.i++;
      lua.lua_newtable(L);
      this.ws();
      const close = c === '{' ? '}' : ']';
      if (s[this.i] === close) {
        this.i++;
        return;
      }
      let n = 1;
      for (;;) {
        if (c === '{') {
          this.ws();
          if (s[this.i] !== '"') this.fail('object key string');
          this.str();
          this.ws();
          if (s[this.i] !== ':') this.fail('colon');
          this.i++;
          this.value(depth + 1);
          lua.lua_rawset(L, -3);
        } else {
          this.value(depth + 1);
          lua.lua_rawseti(L, -2, n++);
        }
        this.ws();
        if (s[this.i] === ',') {
          this.i++;
          continue;
        }
        if (s[this.i] === close) {
          this.i++;
          return;
        }
        this.fail(c === '{' ? 'comma or object end' : 'comma or array end');
      }
    }
    if (c === '"') return this.str();
    if (s.startsWith('true', this.i)) {
      this.i += 4;
      lua.lua_pushboolean(L, true);
      return;
    }
    if (s.startsWith('false', this.i)) {
      this.i += 5;
      lua.lua_pushboolean(L, false);
      return;
    }
    if (s.startsWith('null', this.i)) {
      this.i += 4;
      lua.lua_pushlightuserdata(L, JSON_NULL);
      return;
    }
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(s.slice(this.i, this.i + 400));
    if (m === null) this.fail('value');
    this.i += m[0].length;
    const n = Number(m[0]);
    if (m[1] === undefined && m[2] === undefined && Number.isSafeInteger(n)) lua.lua_pushinteger(L, n);
    else lua.lua_pushnumber(L, n);
  }

  str(): void {
    const s = this.s;
    this.i++;
    let out = '';
    for (;;) {
      const j = this.i;
      if (j >= s.length) this.fail('string end');
      const c = s.charCodeAt(j);
      if (c === 34) {
        this.i++;
        break;
      }
      if (c !== 92) {
        out += s[j];
        this.i++;
        continue;
      }
      const e = s[j + 1];
      this.i += 2;
      if (e === 'u') {
        let cp = parseInt(s.slice(this.i, this.i + 4), 16);
        if (!/^[0-9a-fA-F]{4}$/.test(s.slice(this.i, this.i + 4))) this.fail('valid unicode escape');
        this.i += 4;
        if (cp >= 0xd800 && cp < 0xdc00 && s[this.i] === '\\' && s[this.i + 1] === 'u') {
          const lo = parseInt(s.slice(this.i + 2, this.i + 6), 16);
          if (lo >= 0xdc00 && lo < 0xe000) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            this.i += 6;
          }
        }
        out += Buffer.from(String.fromCodePoint(cp), 'utf8').latin1Slice();
      } else {
        const map: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        const r = e === undefined ? undefined : map[e];
        if (r === undefined) this.fail('valid escape');
        out += r;
      }
    }
    pushString(this.L, out);
  }
}

function encode(L: unknown): number {
  lauxlib.luaL_argcheck(L, lua.lua_gettop(L) === 1, 1, lname('expected 1 argument'));
  const out: string[] = [];
  encodeAt(L, 1, 0, out);
  pushString(L, out.join(''));
  return 1;
}

function decode(L: unknown): number {
  lauxlib.luaL_argcheck(L, lua.lua_gettop(L) === 1, 1, lname('expected 1 argument'));
  const s = getString(L, 1);
  if (s === null) raise(L, 'bad argument #1 to \'decode\' (string expected)');
  const p = new JsonParser(L, s);
  p.value(0);
  p.ws();
  if (p.i < s.length) p.fail('the end');
  return 1;
}

/** Registers the `cjson` table (encode, decode, null) as a global. */
export function openCjson(L: unknown): void {
  lua.lua_createtable(L, 0, 3);
  lua.lua_pushcfunction(L, encode);
  lua.lua_setfield(L, -2, lname('encode'));
  lua.lua_pushcfunction(L, decode);
  lua.lua_setfield(L, -2, lname('decode'));
  lua.lua_pushlightuserdata(L, JSON_NULL);
  lua.lua_setfield(L, -2, lname('null'));
  lua.lua_setglobal(L, lname('cjson'));
}
