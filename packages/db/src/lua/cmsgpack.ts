import fengari from 'fengari';
import { getString, lname, pushString, raise } from './lua-string.js';

const { lua, lauxlib } = fengari;

const MAX_NESTING = 16;

class Out {
  parts: Buffer[] = [];
  byte(b: number): void {
    this.parts.push(Buffer.from([b]));
  }
  head(b: number, n: number, bytes: 1 | 2 | 4): void {
    const buf = Buffer.alloc(1 + bytes);
    buf[0] = b;
    buf.writeUIntBE(n, 1, bytes);
    this.parts.push(buf);
  }
}

function packInt(out: Out, n: number): void {
  if (n >= 0) {
    if (n <= 127) out.byte(n);
    else if (n <= 0xff) out.head(0xcc, n, 1);
    else if (n <= 0xffff) out.head(0xcd, n, 2);
    else if (n <= 0xffffffff) out.head(0xce, n, 4);
    else {
      const b = Buffer.alloc(9);
      b[0] = 0xcf;
      b.writeBigUInt64BE(BigInt(n), 1);
      out.parts.push(b);
    }
    return;
  }
  if (n >= -32) out.byte(n & 0xff);
  else if (n >= -128) out.parts.push(Buffer.from([0xd0, n & 0xff]));
  else if (n >= -32768) {
    const b = Buffer.alloc(3);
    b[0] = 0xd1;
    b.writeInt16BE(n, 1);
    out.parts.push(b);
  } else if (n >= -2147483648) {
    const b = Buffer.alloc(5);
    b[0] = 0xd2;
    b.writeInt32BE(n, 1);
    out.parts.push(b);
  } else {
    const b = Buffer.alloc(9);
    b[0] = 0xd3;
    b.writeBigInt64BE(BigInt(n), 1);
    out.parts.push(b);
  }
}

function packNumber(out: Out, L: unknown, idx: number): void {
  const n = lua.lua_tonumber(L, idx) as number;
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) {
    packInt(out, n);
    return;
  }
  if (Math.fround(n) === n || Number.isNaN(n)) {
    const b = Buffer.alloc(5);
    b[0] = 0xca;
    b.writeFloatBE(n, 1);
    out.parts.push(b);
  } else {
    const b = Buffer.alloc(9);
    b[0] = 0xcb;
    b.writeDoubleBE(n, 1);
    out.parts.push(b);
  }
}

/** Number of elements when the table is an array 1..n, or -1 (lua-cmsgpack's rule). */
function arrayCount(L: unknown, idx: number): number {
  let count = 0;
  let max = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, idx) !== 0) {
    lua.lua_pop(L, 1);
    if (lua.lua_type(L, -1) !== lua.LUA_TNUMBER) {
      lua.lua_pop(L, 1);
      return -1;
    }
    const k = lua.lua_tonumber(L, -1) as number;
    if (!Number.isInteger(k) || k <= 0) {
      lua.lua_pop(L, 1);
      return -1;
    }
    count++;
    if (k > max) max = k;
  }
  return max === count ? count : -1;
}

function packAt(out: Out, L: unknown, idx: number, level: number): void {
  switch (lua.lua_type(L, idx)) {
    case lua.LUA_TSTRING: {
      const s = getString(L, idx)!;
      const n = s.length;
      if (n < 32) out.byte(0xa0 | n);
      else if (n <= 0xff) out.head(0xd9, n, 1);
      else if (n <= 0xffff) out.head(0xda, n, 2);
      else out.head(0xdb, n, 4);
      out.parts.push(Buffer.from(s, 'latin1'));
      return;
    }
    case lua.LUA_TNUMBER:
      packNumber(out, L, idx);
      return;
    case lua.LUA_TBOOLEAN:
      out.byte(lua.lua_toboolean(L, idx) ? 0xc3 : 0xc2);
      return;
    case lua.LUA_TTABLE: {
      if (level >= MAX_NESTING) {
        out.byte(0xc0);
        return;
      }
      lauxlib.luaL_checkstack(L, 6, null);
      const abs = lua.lua_absindex(L, idx);
      const n = arrayCount(L, abs);
      if (n >= 0) {
        if (n < 16) out.byte(0x90 | n);
        else if (n <= 0xffff) out.head(0xdc, n, 2);
        else out.head(0xdd, n, 4);
        for (let i = 1; i <= n; i++) {
          lua.lua_rawgeti(L, abs, i);
          packAt(out, L, -1, level + 1);
          lua.lua_pop(L, 1);
        }
        return;
      }
      let pairs = 0;
      lua.lua_pushnil(L);
      while (lua.lua_next(L, abs) !== 0) {
        lua.lua_pop(L, 1);
        pairs++;
      }
      if (pairs < 16) out.byte(0x80 | pairs);
      else if (pairs <= 0xffff) out.head(0xde, pairs, 2);
      else out.head(0xdf, pairs, 4);
      lua.lua_pushnil(L);
      while (lua.lua_next(L, abs) !== 0) {
        packAt(out, L, -2, level + 1);
        packAt(out, L, -1, level + 1);
        lua.lua_pop(L, 1);
      }
      return;
    }
    default:
      out.byte(0xc0);
  }
}

function pack(L: unknown): number {
  const n = lua.lua_gettop(L);
  if (n === 0) raise(L, 'MessagePack pack needs input.');
  const out = new Out();
  for (let i = 1; i <= n; i++) packAt(out, L, i, 0);
  pushString(L, Buffer.concat(out.parts).latin1Slice());
  return 1;
}

class Reader {
  pos = 0;
  constructor(
    readonly L: unknown,
    readonly b: Buffer,
  ) {}

  need(n: number): void {
    if (this.pos + n > this.b.length) raise(this.L, 'Missing bytes in input.');
  }

  uint(bytes: number): number {
    this.need(bytes);
    const v = bytes === 8 ? Number(this.b.readBigUInt64BE(this.pos)) : this.b.readUIntBE(this.pos, bytes);
    this.pos += bytes;
    return v;
  }

  str(n: number): void {
    this.need(n);
    pushString(this.L, this.b.latin1Slice(this.pos, this.pos + n));
    this.pos += n;
  }

  array(n: number): void {
    const L = this.L;
    lauxlib.luaL_checkstack(L, 4, null);
    lua.lua_createtable(L, n, 0);
    for (let i = 1; i <= n; i++) {
      this.one();
      lua.lua_rawseti(L, -2, i);
    }
  }

  map(n: number): void {
    const L = this.L;
    lauxlib.luaL_checkstack(L, 4, null);
    lua.lua_createtable(L, 0, n);
    for (let i = 0; i < n; i++) {
      this.one();
      this.one();
      if (lua.lua_isnil(L, -2)) lua.lua_pop(L, 2);
      else lua.lua_settable(L, -3);
    }
  }

  int(v: number): void {
    lua.lua_pushinteger(this.L, v);
  }

  one(): void {
    const L = this.L;
    const b = this.b;
    this.need(1);
    const c = b[this.pos++]!;
    if (c <= 0x7f) return this.int(c);
    if (c >= 0xe0) return this.int(c - 256);
    if ((c & 0xe0) === 0xa0) return this.str(c & 0x1f);
    if ((c & 0xf0) === 0x90) return this.array(c & 0x0f);
    if ((c & 0xf0) === 0x80) return this.map(c & 0x0f);
    switch (c) {
      case 0xc0:
        lua.lua_pushnil(L);
        return;
      case 0xc2:
        lua.lua_pushboolean(L, false);
        return;
      case 0xc3:
        lua.lua_pushboolean(L, true);
        return;
      case 0xcc:
        return this.int(this.uint(1));
      case 0xcd:
        return this.int(this.uint(2));
      case 0xce:
        return this.int(this.uint(4));
      case 0xcf:
        return this.int(this.uint(8));
      case 0xd0:
        this.need(1);
        return this.int(b.readInt8(this.pos++));
      case 0xd1:
        this.need(2);
        this.pos += 2;
        return this.int(b.readInt16BE(this.pos - 2));
      case 0xd2:
        this.need(4);
        this.pos += 4;
        return this.int(b.readInt32BE(this.pos - 4));
      case 0xd3:
        this.need(8);
        this.pos += 8;
        return this.int(Number(b.readBigInt64BE(this.pos - 8)));
      case 0xca:
        this.need(4);
        this.pos += 4;
        lua.lua_pushnumber(L, b.readFloatBE(this.pos - 4));
        return;
      case 0xcb:
        this.need(8);
        this.pos += 8;
        lua.lua_pushnumber(L, b.readDoubleBE(this.pos - 8));
        return;
      case 0xd9:
      case 0xc4:
        return this.str(this.uint(1));
      case 0xda:
      case 0xc5:
        return this.str(this.uint(2));
      case 0xdb:
      case 0xc6:
        return this.str(this.uint(4));
      case 0xdc:
        return this.array(this.uint(2));
      case 0xdd:
        return this.array(this.uint(4));
      case 0xde:
        return this.map(this.uint(2));
      case 0xdf:
        return this.map(this.uint(4));
      default:
        raise(L, 'Bad data format in input.');
    }
  }
}

function unpackWith(L: unknown, limit: number, offset: number, withOffset: boolean): number {
  const s = getString(L, 1);
  if (s === null) raise(L, "bad argument #1 to 'unpack' (string expected)");
  const r = new Reader(L, Buffer.from(s, 'latin1'));
  r.pos = offset;
  let n = 0;
  while (r.pos < r.b.length && (limit <= 0 || n < limit)) {
    lauxlib.luaL_checkstack(L, 2, lname('too many values to unpack'));
    r.one();
    n++;
  }
  if (!withOffset) return n;
  lua.lua_pushinteger(L, r.pos >= r.b.length ? -1 : r.pos);
  lua.lua_insert(L, -(n + 1));
  return n + 1;
}

function unpack(L: unknown): number {
  return unpackWith(L, 0, 0, false);
}

function unpackOne(L: unknown): number {
  const offset = lua.lua_gettop(L) >= 2 ? Number(lauxlib.luaL_checkinteger(L, 2)) : 0;
  return unpackWith(L, 1, offset, true);
}

function unpackLimit(L: unknown): number {
  const limit = Number(lauxlib.luaL_checkinteger(L, 2));
  const offset = lua.lua_gettop(L) >= 3 ? Number(lauxlib.luaL_checkinteger(L, 3)) : 0;
  return unpackWith(L, limit, offset, true);
}

/** Registers the `cmsgpack` table (pack, unpack, unpack_one, unpack_limit) as a global. */
export function openCmsgpack(L: unknown): void {
  lua.lua_createtable(L, 0, 4);
  for (const [name, fn] of [
    ['pack', pack],
    ['unpack', unpack],
    ['unpack_one', unpackOne],
    ['unpack_limit', unpackLimit],
  ] as const) {
    lua.lua_pushcfunction(L, fn);
    lua.lua_setfield(L, -2, lname(name));
  }
  lua.lua_setglobal(L, lname('cmsgpack'));
}
