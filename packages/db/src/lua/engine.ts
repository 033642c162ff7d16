import { createHash } from 'node:crypto';
import fengari from 'fengari';
import type { Reply } from '../reply.js';
import { openCjson } from './cjson.js';
import { openCmsgpack } from './cmsgpack.js';
import { formatLuaNumber, fromLua, getString, lname, pushString, raise, toLua } from './lua-string.js';
import { useLua51Numbers } from './lua51-numbers.js';
import { fixPcallHooks } from './pcall-hook-fix.js';
import { NIL, ValueCollector, type Value } from './value.js';

const { lua, lauxlib, lualib } = fengari;

/** What the engine needs to know about a command a script calls. */
export interface ScriptCommand {
  /** Redis arity: exact when positive, a minimum when negative (the name counts). */
  arity: number;
  /** Modifies data (refused in EVAL_RO, makes the script unkillable). */
  write: boolean;
  /** Not allowed from scripts (MULTI, SUBSCRIBE, EVAL…). */
  noScript: boolean;
}

/** The database side of a script call: command lookup and execution for the calling client. */
export interface ScriptHost {
  command(name: string): ScriptCommand | undefined;
  exec(argv: string[], reply: Reply): void;
}

export interface EvalRequest {
  keys: string[];
  args: string[];
  readOnly: boolean;
  /**
   * False when the caller cannot wait (a script inside MULTI/EXEC): such a script cannot give the
   * event loop back, so past the time limit it is stopped if it has not written yet.
   */
  canYield?: boolean;
  host: ScriptHost;
}

export interface ScriptEngineOptions {
  /** Milliseconds after which a script is reported busy and becomes killable (busy-reply-threshold). */
  timeLimitMs?: number;
}

/** SHA1 hex of a string's bytes, as SCRIPT LOAD and redis.sha1hex compute it. */
export function sha1hex(s: string): string {
  return createHash('sha1').update(Buffer.from(s, 'latin1')).digest('hex');
}

const INT64_MIN = -9223372036854775808n;
const HOOK_COUNT = 1000;
/** Once busy, the script runs in slices this long between visits to the event loop. */
const SLICE_MS = 20;
const KILLED = 'ERR Script killed by user with SCRIPT KILL...';
const SHEBANG_FLAGS = new Set(['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys']);
const STOPPED = 'ERR Script exceeded busy-reply-threshold inside MULTI/EXEC and was stopped';
export const BUSY_ERROR = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';

const PRELUDE = `
local G = _G
unpack = table.unpack
table.getn = function(t) return #t end
math.pow = function(a, b) return a ^ b end
math.mod = math.fmod
loadstring = nil
dofile = nil
loadfile = nil
require = nil
print = nil
-- LuaBitOp (Redis's 'bit' library) on 32-bit values, computed with float arithmetic.
do
  local floor, fmod = math.floor, math.fmod
  local function u32(x)
    x = fmod(floor(x), 4294967296)
    if x < 0 then x = x + 4294967296 end
    return x
  end
  local function tobit(x)
    x = u32(x)
    if x >= 2147483648 then x = x - 4294967296 end
    return x
  end
  local function fold(op, ...)
    local args = {...}
    local r = u32(args[1])
    for i = 2, #args do
      local a, b, v, p = r, u32(args[i]), 0, 1
      for _ = 1, 32 do
        local x, y = a % 2, b % 2
        if op(x, y) then v = v + p end
        a, b, p = (a - x) / 2, (b - y) / 2, p * 2
      end
      r = v
    end
    return tobit(r)
  end
  local function lshift(x, n) return tobit(u32(x) * 2 ^ (n % 32)) end
  local function rshift(x, n) return tobit(floor(u32(x) / 2 ^ (n % 32))) end
  bit = {
    tobit = tobit,
    band = function(...) return fold(function(x, y) return x == 1 and y == 1 end, ...) end,
    bor = function(...) return fold(function(x, y) return x == 1 or y == 1 end, ...) end,
    bxor = function(...) return fold(function(x, y) return x ~= y end, ...) end,
    bnot = function(x) return tobit(4294967295 - u32(x)) end,
    lshift = lshift,
    rshift = rshift,
    arshift = function(x, n) return tobit(floor(tobit(x) / 2 ^ (n % 32))) end,
    rol = function(x, n) n = n % 32 return tobit(u32(lshift(x, n)) + u32(rshift(x, 32 - n))) end,
    ror = function(x, n) n = n % 32 return tobit(u32(rshift(x, n)) + u32(lshift(x, 32 - n))) end,
    bswap = function(x)
      x = u32(x)
      local b0, b1, b2, b3 = x % 256, floor(x / 256) % 256, floor(x / 65536) % 256, floor(x / 16777216)
      return tobit(((b0 * 256 + b1) * 256 + b2) * 256 + b3)
    end,
    tohex = function(x, n)
      n = n or 8
      local digits = n < 0 and '0123456789ABCDEF' or '0123456789abcdef'
      n = math.abs(n)
      x = u32(x)
      local out = ''
      for _ = 1, n do
        local d = x % 16
        out = digits:sub(d + 1, d + 1) .. out
        x = (x - d) / 16
      end
      return out
    end,
  }
end
local rawtostring = tostring
tostring = function(v)
  if type(v) == 'number' then return v .. '' end
  return rawtostring(v)
end
-- Redis 7's pcall hands back the message of a {err=...} error (what redis.call raises) as a string.
local rawpcall = pcall
local function pcallResult(ok, ...)
  if not ok then
    local e = ...
    if type(e) == 'table' and type(e.err) == 'string' then return false, e.err end
  end
  return ok, ...
end
pcall = function(...) return pcallResult(rawpcall(...)) end
-- Redis 7 makes the globals and every library read-only, so that no script can change what the
-- next one sees (redis = nil, string.rep = nil, rawset(_G, ...)). Scripts get read-only views.
local rawset_, setmetatable_, next_ = rawset, setmetatable, next
local readonly = setmetatable_({}, { __mode = 'k' })
local READONLY = 'Attempt to modify a readonly table'
local function view(t)
  local v = setmetatable_({}, {
    __index = t,
    __newindex = function() error(READONLY, 2) end,
    -- iterate without handing out the table behind the view (pairs' state would expose it)
    __pairs = function()
      local k
      return function()
        local v
        k, v = next_(t, k)
        return k, v
      end
    end,
    __len = function() return #t end,
    __metatable = false,
  })
  readonly[v] = true
  return v
end
local rawload = load
local globals = {}
for k, v in pairs(G) do globals[k] = v end
-- the debug library would reach the registry, other functions' upvalues and the kill hook
G.debug = nil
globals.debug = nil
for _, name in ipairs({ 'string', 'table', 'math', 'coroutine', 'redis', 'cjson', 'cmsgpack', 'bit' }) do
  if globals[name] ~= nil then globals[name] = view(globals[name]) end
end
local stringMeta = getmetatable('')
stringMeta.__index = globals.string
stringMeta.__metatable = view(stringMeta)
globals.rawset = function(t, k, v)
  if readonly[t] then error(READONLY, 0) end
  return rawset_(t, k, v)
end
globals.setmetatable = function(t, m)
  if readonly[t] then error(READONLY, 0) end
  return setmetatable_(t, m)
end
setmetatable_(globals, {
  __index = function(_, k)
    error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
  end,
})
-- KEYS and ARGV are set raw in env before each run; everything else is read through it.
local env = {}
env._G = env
readonly[env] = true
setmetatable_(env, {
  __index = globals,
  __newindex = function() error(READONLY, 2) end,
  __metatable = false,
})
-- load compiles text only, and what it compiles runs in the scripts' read-only env (never in the
-- real globals, which would undo all of the above)
globals.load = function(chunk, name, _, e)
  return rawload(chunk, name, 't', e or env)
end
return env
`;

/**
 * xpcall's message handler, in JS so that no Lua instruction (and no kill hook) runs while an
 * error is being handled: turns the error into Redis's `{err=...}` table and records the script
 * line it came from.
 */
function errorHandler(L: unknown): number {
  lua.lua_checkstack(L, 4);
  if (lua.lua_type(L, 1) !== lua.LUA_TTABLE) {
    const t = lua.lua_type(L, 1);
    const text =
      t === lua.LUA_TNUMBER ? formatLuaNumber(lua.lua_tonumber(L, 1) as number) : t === lua.LUA_TSTRING ? getString(L, 1)! : fromLua(lauxlib.luaL_typename(L, 1));
    lua.lua_settop(L, 0);
    lua.lua_createtable(L, 0, 2);
    pushString(L, 'ERR ' + text);
    lua.lua_setfield(L, -2, lname('err'));
  }
  const ar = new lua.lua_Debug();
  for (let level = 1; level < 200 && lua.lua_getstack(L, level, ar); level++) {
    lua.lua_getinfo(L, lname('Sl'), ar);
    if (ar.source !== null && fromLua(ar.source) === '@user_script') {
      lua.lua_pushnumber(L, ar.currentline);
      lua.lua_setfield(L, 1, lname('line'));
      break;
    }
  }
  lua.lua_settop(L, 1);
  return 1;
}

interface Running {
  sha: string;
  co: unknown;
  coRef: number;
  req: EvalRequest;
  start: number;
  sliceStart: number;
  busy: boolean;
  wrote: boolean;
  killed: boolean;
  killMsg: string;
  resp: 2 | 3;
  done: (v: Value) => void;
}

/**
 * One Lua VM per database server: a script cache by SHA1, EVAL execution with Redis's type
 * conversions, and the time limit. A script runs synchronously until the limit; past it, the
 * count hook yields the script's coroutine between slices so the server can answer other clients
 * with BUSY and accept SCRIPT KILL.
 */
export class ScriptEngine {
  private readonly L: unknown;
  private readonly scripts = new Map<string, string>();
  private readonly fnRefs = new Map<string, number>();
  /** Scripts whose shebang says `flags=no-writes`: run as EVAL_RO. */
  private readonly noWrites = new Set<string>();
  private runnerRef = 0;
  private handlerRef = 0;
  private envRef = 0;
  private running: Running | null = null;
  timeLimitMs: number;

  constructor(opts: ScriptEngineOptions = {}) {
    useLua51Numbers();
    fixPcallHooks();
    this.timeLimitMs = opts.timeLimitMs ?? 5000;
    const L = lauxlib.luaL_newstate();
    this.L = L;
    for (const [name, open] of [
      ['_G', lualib.luaopen_base],
      ['table', lualib.luaopen_table],
      ['string', lualib.luaopen_string],
      ['math', lualib.luaopen_math],
      ['coroutine', lualib.luaopen_coroutine],
      ['debug', lualib.luaopen_debug],
    ] as const) {
      lauxlib.luaL_requiref(L, lname(name), open, 1);
      lua.lua_pop(L, 1);
    }
    openCjson(L);
    openCmsgpack(L);
    this.openRedis();
    if (lauxlib.luaL_loadstring(L, toLua(PRELUDE)) !== lua.LUA_OK || lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) {
      throw new Error('lua prelude failed: ' + getString(L, -1));
    }
    this.envRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    lua.lua_getglobal(L, lname('xpcall'));
    this.runnerRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    lua.lua_pushcfunction(L, errorHandler);
    this.handlerRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
  }

  /** True while a script has run past the time limit (other clients get BUSY). */
  get busy(): boolean {
    return this.running?.busy === true;
  }

  /** True while any script is executing (including within the limit). */
  get active(): boolean {
    return this.running !== null;
  }

  has(sha: string): boolean {
    return this.scripts.has(sha.toLowerCase());
  }

  /** Compiles and caches a script; returns its SHA1 or an error reply text. */
  load(body: string): { sha: string } | { error: string } {
    const sha = sha1hex(body);
    if (this.fnRefs.has(sha)) return { sha };
    const L = this.L;
    let code = body;
    let noWrites = false;
    if (body.startsWith('#!')) {
      const nl = body.indexOf('\n');
      const line = nl === -1 ? body : body.slice(0, nl);
      const words = line.split(' ').filter((w) => w !== '');
      if (words[0] !== '#!lua') return { error: `ERR Unexpected engine in script shebang: ${words[0]}` };
      for (const w of words.slice(1)) {
        if (!w.startsWith('flags=')) return { error: `ERR Unknown lua shebang option: ${w}` };
        for (const f of w.slice(6).split(',')) {
          if (f === 'no-writes') noWrites = true;
          else if (f !== '' && !SHEBANG_FLAGS.has(f)) return { error: `ERR Unexpected flag in script shebang: ${f}` };
        }
      }
      // Keep the newline so line numbers in errors still match the script.
      code = nl === -1 ? '' : body.slice(nl);
    }
    const bytes = toLua(code);
    if (lauxlib.luaL_loadbuffer(L, bytes, bytes.length, lname('@user_script')) !== lua.LUA_OK) {
      const msg = getString(L, -1) ?? 'unknown error';
      lua.lua_pop(L, 1);
      // Lua 5.1 quotes the end-of-input token; 5.3 does not.
      return { error: `ERR Error compiling script (new function): ${msg.replace(/ near <eof>$/, " near '<eof>'")}` };
    }
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.envRef);
    lua.lua_setupvalue(L, -2, 1);
    this.fnRefs.set(sha, lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX));
    this.scripts.set(sha, body);
    if (noWrites) this.noWrites.add(sha);
    return { sha };
  }

  /** SCRIPT FLUSH: forgets every cached script. */
  flush(): void {
    for (const ref of this.fnRefs.values()) lauxlib.luaL_unref(this.L, lua.LUA_REGISTRYINDEX, ref);
    this.fnRefs.clear();
    this.scripts.clear();
    this.noWrites.clear();
  }

  /** SCRIPT KILL's reply. */
  kill(): Value {
    const r = this.running;
    if (r === null || !r.busy) return { t: 'error', v: 'NOTBUSY No scripts in execution right now.' };
    if (r.wrote) {
      return {
        t: 'error',
        v: 'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.',
      };
    }
    r.killed = true;
    return { t: 'simple', v: 'OK' };
  }

  /**
   * Runs a cached script. `done` receives the reply, synchronously when the script finishes
   * within the time limit, later otherwise. Returns false when the SHA is unknown.
   */
  run(sha: string, req: EvalRequest, done: (v: Value) => void): boolean {
    const ref = this.fnRefs.get(sha.toLowerCase());
    if (ref === undefined) return false;
    if (this.running !== null) {
      done({ t: 'error', v: BUSY_ERROR });
      return true;
    }
    const L = this.L;
    // The script environment is read-only for scripts; KEYS and ARGV are set underneath that.
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.envRef);
    lua.lua_pushstring(L, lname('KEYS'));
    this.setArray(req.keys);
    lua.lua_rawset(L, -3);
    lua.lua_pushstring(L, lname('ARGV'));
    this.setArray(req.args);
    lua.lua_rawset(L, -3);
    lua.lua_pop(L, 1);
    const co = lua.lua_newthread(L);
    const coRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    lua.lua_rawgeti(co, lua.LUA_REGISTRYINDEX, this.runnerRef);
    lua.lua_rawgeti(co, lua.LUA_REGISTRYINDEX, ref);
    lua.lua_rawgeti(co, lua.LUA_REGISTRYINDEX, this.handlerRef);
    const now = performance.now();
    const key = sha.toLowerCase();
    const r: Running = {
      sha: key,
      co,
      coRef,
      req: this.noWrites.has(key) ? { ...req, readOnly: true } : req,
      start: now,
      sliceStart: now,
      busy: false,
      wrote: false,
      killed: false,
      killMsg: KILLED,
      resp: 2,
      done,
    };
    this.running = r;
    lua.lua_sethook(co, (H: unknown) => this.hook(H, r), lua.LUA_MASKCOUNT, HOOK_COUNT);
    this.step(r, 2);
    return true;
  }

  private setArray(items: string[]): void {
    const L = this.L;
    lua.lua_createtable(L, items.length, 0);
    for (let i = 0; i < items.length; i++) {
      pushString(L, items[i]!);
      lua.lua_rawseti(L, -2, i + 1);
    }
  }

  private hook(H: unknown, r: Running): void {
    if (r.killed) {
      lua.lua_sethook(H, (H2: unknown) => this.hook(H2, r), lua.LUA_MASKCOUNT, 1);
      this.pushValue(H, { t: 'error', v: r.killMsg }, 2);
      lua.lua_error(H);
    }
    const now = performance.now();
    if (now - r.start < this.timeLimitMs) return;
    if (r.req.canYield === false) {
      if (!r.wrote) {
        r.killed = true;
        r.killMsg = STOPPED;
      }
      return;
    }
    if (!r.busy) {
      r.busy = true;
      r.sliceStart = now;
    }
    if (H === r.co && now - r.sliceStart >= SLICE_MS && lua.lua_isyieldable(H)) lua.lua_yield(H, 0);
  }

  private step(r: Running, nargs: number): void {
    const co = r.co;
    let status: number;
    try {
      status = lua.lua_resume(co, this.L, nargs);
    } catch (err) {
      this.finish(r, { t: 'error', v: `ERR ${(err as Error).message}` });
      return;
    }
    if (status === lua.LUA_YIELD) {
      setImmediate(() => {
        r.sliceStart = performance.now();
        this.step(r, 0);
      });
      return;
    }
    if (status !== lua.LUA_OK) {
      lua.lua_checkstack(co, 4);
      this.finish(r, { t: 'error', v: this.errorText(co, -1, r.sha, undefined) });
      return;
    }
    if (lua.lua_toboolean(co, 1)) {
      this.finish(r, lua.lua_gettop(co) >= 2 ? this.toValue(co, 2, 0, r.resp) : NIL);
      return;
    }
    let line: number | undefined;
    if (lua.lua_type(co, 2) === lua.LUA_TTABLE) {
      lua.lua_getfield(co, 2, lname('line'));
      if (lua.lua_type(co, -1) === lua.LUA_TNUMBER) line = lua.lua_tonumber(co, -1);
      lua.lua_pop(co, 1);
    }
    this.finish(r, { t: 'error', v: this.errorText(co, 2, r.sha, line) });
  }

  private errorText(L: unknown, idx: number, sha: string, line: number | undefined): string {
    let msg: string;
    if (lua.lua_type(L, idx) === lua.LUA_TTABLE) {
      lua.lua_getfield(L, idx, lname('err'));
      msg = getString(L, -1) ?? 'ERR unknown error';
      lua.lua_pop(L, 1);
    } else {
      msg = 'ERR ' + (getString(L, idx) ?? 'unknown error');
    }
    // Lua 5.3 words runtime errors differently from Redis's Lua 5.1.
    msg = msg.replace(/attempt to (\w+) a (\w+) value \((\w+) '([^']*)'\)/, "attempt to $1 $3 '$4' (a $2 value)");
    const where = line === undefined ? '' : `, on @user_script:${line}`;
    return `${msg} script: ${sha}${where}.`;
  }

  private finish(r: Running, v: Value): void {
    lauxlib.luaL_unref(this.L, lua.LUA_REGISTRYINDEX, r.coRef);
    this.running = null;
    r.done(v);
  }

  /** Converts the Lua value at `idx` to a reply, with Redis's Lua → RESP rules. */
  private toValue(L: unknown, idx: number, depth: number, resp: 2 | 3 = 2): Value {
    switch (lua.lua_type(L, idx)) {
      case lua.LUA_TSTRING:
        return { t: 'bulk', v: getString(L, idx)! };
      case lua.LUA_TNUMBER: {
        const n = Math.trunc(lua.lua_tonumber(L, idx) as number);
        if (Number.isSafeInteger(n)) return { t: 'int', v: n };
        if (Math.abs(n) < 2 ** 63) return { t: 'int', v: BigInt(n) };
        return { t: 'int', v: INT64_MIN };
      }
      case lua.LUA_TBOOLEAN:
        // After redis.setresp(3) booleans are RESP3 booleans; otherwise true is 1 and false nil.
        if (resp === 3) return { t: 'bool', v: lua.lua_toboolean(L, idx) };
        return lua.lua_toboolean(L, idx) ? { t: 'int', v: 1 } : NIL;
      case lua.LUA_TTABLE: {
        if (depth > 1000) return { t: 'error', v: 'ERR reached lua stack limit' };
        lauxlib.luaL_checkstack(L, 4, null);
        const abs = lua.lua_absindex(L, idx);
        lua.lua_getfield(L, abs, lname('err'));
        if (lua.lua_type(L, -1) === lua.LUA_TSTRING) {
          const e = getString(L, -1)!;
          lua.lua_pop(L, 1);
          return { t: 'error', v: e };
        }
        lua.lua_pop(L, 1);
        lua.lua_getfield(L, abs, lname('ok'));
        if (lua.lua_type(L, -1) === lua.LUA_TSTRING) {
          const s = getString(L, -1)!;
          lua.lua_pop(L, 1);
          return { t: 'simple', v: s };
        }
        lua.lua_pop(L, 1);
        for (const kind of ['map', 'set'] as const) {
          lua.lua_getfield(L, abs, lname(kind));
          if (lua.lua_type(L, -1) === lua.LUA_TTABLE) {
            const t = lua.lua_absindex(L, -1);
            const items: Value[] = [];
            lua.lua_pushnil(L);
            while (lua.lua_next(L, t) !== 0) {
              items.push(this.toValue(L, -2, depth + 1, resp));
              if (kind === 'map') items.push(this.toValue(L, -1, depth + 1, resp));
              lua.lua_pop(L, 1);
            }
            lua.lua_pop(L, 1);
            return { t: kind, v: items };
          }
          lua.lua_pop(L, 1);
        }
        lua.lua_getfield(L, abs, lname('big_number'));
        if (lua.lua_type(L, -1) === lua.LUA_TSTRING) {
          const b = getString(L, -1)!;
          lua.lua_pop(L, 1);
          return { t: 'bulk', v: b };
        }
        lua.lua_pop(L, 1);
        lua.lua_getfield(L, abs, lname('double'));
        if (lua.lua_type(L, -1) === lua.LUA_TNUMBER) {
          const d = lua.lua_tonumber(L, -1) as number;
          lua.lua_pop(L, 1);
          return { t: 'double', v: d };
        }
        lua.lua_pop(L, 1);
        const items: Value[] = [];
        for (let i = 1; ; i++) {
          if (lua.lua_rawgeti(L, abs, i) === lua.LUA_TNIL) {
            lua.lua_pop(L, 1);
            break;
          }
          items.push(this.toValue(L, -1, depth + 1, resp));
          lua.lua_pop(L, 1);
        }
        return { t: 'array', v: items };
      }
      default:
        return NIL;
    }
  }

  /** Pushes a command reply as Lua sees it (RESP → Lua rules). */
  private pushValue(L: unknown, v: Value, resp: 2 | 3): void {
    lauxlib.luaL_checkstack(L, 4, null);
    switch (v.t) {
      case 'simple':
        lua.lua_createtable(L, 0, 1);
        pushString(L, v.v);
        lua.lua_setfield(L, -2, lname('ok'));
        return;
      case 'error':
        lua.lua_createtable(L, 0, 1);
        pushString(L, v.v);
        lua.lua_setfield(L, -2, lname('err'));
        return;
      case 'int':
        lua.lua_pushnumber(L, Number(v.v));
        return;
      case 'bulk':
        pushString(L, v.v);
        return;
      case 'nil':
        if (resp === 3) lua.lua_pushnil(L);
        else lua.lua_pushboolean(L, false);
        return;
      case 'array':
        lua.lua_createtable(L, v.v.length, 0);
        for (let i = 0; i < v.v.length; i++) {
          this.pushValue(L, v.v[i]!, resp);
          lua.lua_rawseti(L, -2, i + 1);
        }
        return;
      case 'map':
        lua.lua_createtable(L, 0, 1);
        lua.lua_createtable(L, 0, v.v.length / 2);
        for (let i = 0; i + 1 < v.v.length; i += 2) {
          this.pushValue(L, v.v[i]!, resp);
          this.pushValue(L, v.v[i + 1]!, resp);
          lua.lua_settable(L, -3);
        }
        lua.lua_setfield(L, -2, lname('map'));
        return;
      case 'set':
        lua.lua_createtable(L, 0, 1);
        lua.lua_createtable(L, 0, v.v.length);
        for (const x of v.v) {
          this.pushValue(L, x, resp);
          lua.lua_pushboolean(L, true);
          lua.lua_settable(L, -3);
        }
        lua.lua_setfield(L, -2, lname('set'));
        return;
      case 'double':
        lua.lua_createtable(L, 0, 1);
        lua.lua_pushnumber(L, v.v);
        lua.lua_setfield(L, -2, lname('double'));
        return;
      case 'bool':
        lua.lua_pushboolean(L, v.v);
        return;
    }
  }

  /** The running script's call into the database; `raiseErrors` distinguishes call from pcall. */
  private call(L: unknown, raiseErrors: boolean): number {
    const r = this.running;
    const fail = (msg: string): number => {
      lua.lua_settop(L, 0);
      this.pushValue(L, { t: 'error', v: msg }, 2);
      if (raiseErrors) lua.lua_error(L);
      return 1;
    };
    if (r === null) return fail('ERR redis.call is only available inside a script');
    const n = lua.lua_gettop(L);
    if (n === 0) return fail('ERR Please specify at least one argument for this redis lib call');
    const argv: string[] = new Array(n);
    for (let i = 1; i <= n; i++) {
      const t = lua.lua_type(L, i);
      if (t === lua.LUA_TSTRING) argv[i - 1] = getString(L, i)!;
      else if (t === lua.LUA_TNUMBER) argv[i - 1] = formatLuaNumber(lua.lua_tonumber(L, i) as number);
      else return fail('ERR Lua redis lib command arguments must be strings or integers');
    }
    const cmd = r.req.host.command(argv[0]!.toLowerCase());
    if (cmd === undefined) return fail('ERR Unknown Redis command called from script');
    if ((cmd.arity > 0 && n !== cmd.arity) || n < -cmd.arity) {
      return fail('ERR Wrong number of args calling Redis command from script');
    }
    if (cmd.noScript) return fail('ERR This Redis command is not allowed from script');
    if (cmd.write && r.req.readOnly) return fail('ERR Write commands are not allowed from read-only scripts.');
    const out = new ValueCollector(r.resp);
    r.req.host.exec(argv, out);
    const v = out.result();
    if (cmd.write) r.wrote = true;
    if (v.t === 'error') return fail(v.v);
    lua.lua_settop(L, 0);
    this.pushValue(L, v, r.resp);
    return 1;
  }

  /** Errors of the redis library itself: Redis raises them as `{err=...}` without a position. */
  private libError(L: unknown, msg: string): never {
    this.pushValue(L, { t: 'error', v: 'ERR ' + msg }, 2);
    lua.lua_error(L);
    throw new Error('unreachable');
  }

  private openRedis(): void {
    const L = this.L;
    const fns: Array<[string, (L: unknown) => number]> = [
      ['call', (L) => this.call(L, true)],
      ['pcall', (L) => this.call(L, false)],
      [
        'error_reply',
        (L) => {
          let s = getString(L, 1);
          if (s === null || lua.lua_type(L, 1) !== lua.LUA_TSTRING) this.libError(L, 'wrong number or type of arguments');
          if (s.startsWith('-')) s = s.slice(1);
          if (!s.includes(' ')) s = 'ERR ' + s;
          this.pushValue(L, { t: 'error', v: s }, 2);
          return 1;
        },
      ],
      [
        'status_reply',
        (L) => {
          const s = getString(L, 1);
          if (s === null || lua.lua_type(L, 1) !== lua.LUA_TSTRING) this.libError(L, 'wrong number or type of arguments');
          this.pushValue(L, { t: 'simple', v: s }, 2);
          return 1;
        },
      ],
      [
        'sha1hex',
        (L) => {
          if (lua.lua_gettop(L) !== 1) this.libError(L, 'wrong number of arguments');
          pushString(L, sha1hex(getString(L, 1) ?? ''));
          return 1;
        },
      ],
      [
        'setresp',
        (L) => {
          const n = lua.lua_tonumber(L, 1);
          if (lua.lua_gettop(L) !== 1 || (n !== 2 && n !== 3)) this.libError(L, 'RESP version must be 2 or 3.');
          if (this.running !== null) this.running.resp = n as 2 | 3;
          return 0;
        },
      ],
      ['log', () => 0],
      ['set_repl', () => 0],
      [
        'replicate_commands',
        (L) => {
          lua.lua_pushboolean(L, true);
          return 1;
        },
      ],
      ['breakpoint', (L) => (lua.lua_pushboolean(L, false), 1)],
      ['debug', () => 0],
    ];
    lua.lua_createtable(L, 0, fns.length + 8);
    for (const [name, fn] of fns) {
      lua.lua_pushcfunction(L, fn);
      lua.lua_setfield(L, -2, lname(name));
    }
    for (const [name, n] of [
      ['LOG_DEBUG', 0],
      ['LOG_VERBOSE', 1],
      ['LOG_NOTICE', 2],
      ['LOG_WARNING', 3],
      ['REPL_NONE', 0],
      ['REPL_AOF', 1],
      ['REPL_SLAVE', 2],
      ['REPL_REPLICA', 2],
      ['REPL_ALL', 3],
    ] as const) {
      lua.lua_pushnumber(L, n);
      lua.lua_setfield(L, -2, lname(name));
    }
    lua.lua_setglobal(L, lname('redis'));
  }
}
