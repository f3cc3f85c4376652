import { LUA_ERR } from './errors';

/**
 * The Lua side of the sandbox, run once when an engine starts. It builds Redis 7's script API
 * over the engine's host functions (host.ts), then seals it:
 * - every library a script can reach (`redis`, `cjson`, `bit`, `string`, `table`, `math`, `os`,
 *   `coroutine`, the globals themselves, the string metatable) is a read-only proxy: assigning to
 *   it, `rawset`, `setmetatable` on it, or a `__gc` that would run inside another script's run
 *   are refused or ignored, with Redis 7's texts;
 * - a script's globals (`_ENV`) are a local of each run (engine.ts passes the proxy in), so even
 *   `_ENV = {}` changes that run only;
 * - what Redis 7 leaves out is absent (`print`, `dofile`, `loadfile`, `io`, `debug`, `require`),
 *   `load`/`loadstring` take text only, and `pcall` returns a raised reply's text, as Redis's.
 * Host functions: __kv_call, __kv_pcall, __kv_sha1, __kv_log, __kv_null, __kv_cwrap, __kv_json_encode,
 * __kv_json_decode, __kv_json_<setting> (cjson.ts), __kv_msgpack_* (cmsgpack.ts), __kv_struct_* (struct.ts), and __kv_fault only in an engine made with test faults.
 * Returns the globals proxy and the string metatable's proxy (engine.ts keeps both).
 */
export const PRELUDE = String.raw`
local G = _G
local call_host, pcall_host, sha1_host, log_host, null_host, fault_host = __kv_call, __kv_pcall, __kv_sha1, __kv_log, __kv_null, __kv_fault
-- cwrap(f): f behind a C function, so that an error f raises names the line of a script that
-- tail-called it (Lua 5.4 reuses the caller's frame for a tail call to a Lua function, not a C one).
local cwrap = __kv_cwrap
local json_encode, json_decode = __kv_json_encode, __kv_json_decode
local type, error, select, tostring, next, pcall = type, error, select, tostring, next, pcall
local rawget, rawset, rawequal, setmeta, getmeta, load, gc = rawget, rawset, rawequal, setmetatable, getmetatable, load, collectgarbage
local concat, floor, exp, log = table.concat, math.floor, math.exp, math.log
local READONLY = 'Attempt to modify a readonly table'

-- Read-only proxies: an empty table whose reads go to the real one. proxied[proxy] = real;
-- shown[proxy] = what getmetatable answers for it (nil for a library, as Redis's).
local proxied, shown = setmeta({}, { __mode = 'k' }), setmeta({}, { __mode = 'k' })
local function deny() error(READONLY, 2) end
-- pairs() of a proxy walks the real table without handing it out.
local function proxy_next(proxy, k) return next(proxied[proxy], k) end
local function readonly(real, meta)
  local proxy = setmeta({}, {
    __index = real,
    __newindex = deny,
    __len = function() return #real end,
    __pairs = function(p) return proxy_next, p, nil end,
    __metatable = false,
  })
  proxied[proxy], shown[proxy] = real, meta
  return proxy
end

-- Redis 7's error replies (luaPushErrorBuff): {err = 'CODE message'}, code ERR when the text has none.
local function error_table(text)
  if text:sub(1, 1) ~= '-' then text = '-' .. text end
  local space = text:find(' ', 1, true)
  local code, message = 'ERR', text:sub(2)
  if space then code, message = text:sub(2, space - 1), text:sub(space + 1) end
  return { err = code .. ' ' .. message:gsub('^[\r\n]+', ''):gsub('[\r\n]+$', '') }
end
local BAD_ARGS = '${LUA_ERR.badArgs}'

local redis = {
  -- Host functions (C functions to Lua): an error names the script's line, as Redis's do.
  call = call_host,
  pcall = pcall_host,
  error_reply = function(...) if select('#', ...) ~= 1 or type((...)) ~= 'string' then return { err = BAD_ARGS } end return error_table((...)) end,
  status_reply = function(...) if select('#', ...) ~= 1 or type((...)) ~= 'string' then return { err = BAD_ARGS } end return { ok = (...) } end,
  sha1hex = cwrap(function(...)
    if select('#', ...) ~= 1 then error({ err = '${LUA_ERR.wrongArgCount}' }, 0) end
    local s = ...
    return sha1_host((type(s) == 'string' or type(s) == 'number') and tostring(s) or '')
  end),
  log = function(level, ...) log_host(level, concat({...}, ' ')) end,
  setresp = cwrap(function(v) if v ~= 2 and v ~= 3 then error({ err = '${LUA_ERR.respVersion}' }, 0) end end),
  set_repl = function() end,
  replicate_commands = function() return true end,
  breakpoint = function() return false end,
  debug = function() end,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REPL_NONE = 0, REPL_AOF = 1, REPL_SLAVE = 2, REPL_REPLICA = 2, REPL_ALL = 3,
  REDIS_VERSION = '7.0.0', REDIS_VERSION_NUM = 0x00070000,
}
if fault_host then redis.__kv_fault = fault_host end

-- Redis's cjson (host functions); cjson.null is a NULL light userdata, as lua-cjson's.
local cjson = {
  encode = json_encode, decode = json_decode, null = null_host(),
  encode_max_depth = __kv_json_encode_max_depth, decode_max_depth = __kv_json_decode_max_depth,
  encode_invalid_numbers = __kv_json_encode_invalid_numbers, encode_keep_buffer = __kv_json_encode_keep_buffer,
  _NAME = 'cjson', _VERSION = '2.1.0',
}
-- Redis's cmsgpack (host functions, cmsgpack.ts), with lua-cmsgpack's own fields.
local cmsgpack = {
  pack = __kv_msgpack_pack, unpack = __kv_msgpack_unpack, unpack_one = __kv_msgpack_unpack_one, unpack_limit = __kv_msgpack_unpack_limit,
  _NAME = 'cmsgpack', _VERSION = 'lua-cmsgpack 0.4.0', _COPYRIGHT = 'Copyright (C) 2012, Salvatore Sanfilippo', _DESCRIPTION = 'MessagePack C implementation for Lua',
}
-- Redis's struct (host functions, struct.ts).
local struct = { pack = __kv_struct_pack, unpack = __kv_struct_unpack, size = __kv_struct_size }

-- Lua 5.1 names scripts written for Redis use.
local string, table, math = string, table, math
string.gfind = string.gmatch
table.getn = function(t) return #t end
table.maxn = function(t) local n = 0 for k in next, t do if type(k) == 'number' and k > n then n = k end end return n end
table.foreach = function(t, f) for k, v in next, t do local r = f(k, v) if r ~= nil then return r end end end
table.foreachi = function(t, f) for i = 1, #t do local r = f(i, t[i]) if r ~= nil then return r end end end
math.pow = function(a, b) return a ^ b end
math.mod = math.fmod
math.atan2 = function(y, x) return math.atan(y, x) end
math.log10 = function(x) return log(x, 10) end
math.ldexp = function(m, e) return m * 2.0 ^ e end
math.frexp = function(x)
  if x == 0 or x ~= x or x == math.huge or x == -math.huge then return x, 0 end
  local e = floor(log(math.abs(x), 2)) + 1
  local m = x / 2.0 ^ e
  if math.abs(m) >= 1 then m, e = m / 2, e + 1 elseif math.abs(m) < 0.5 then m, e = m * 2, e - 1 end
  return m, e
end
math.cosh = function(x) return (exp(x) + exp(-x)) / 2 end
math.sinh = function(x) return (exp(x) - exp(-x)) / 2 end
math.tanh = function(x) local a, b = exp(x), exp(-x) return (a - b) / (a + b) end

-- LuaBitOp: 32-bit results, signed, as Redis's bit library.
local function tobit(x)
  x = math.tointeger(x) or floor(x)
  x = x & 0xffffffff
  if x >= 0x80000000 then x = x - 0x100000000 end
  return x
end
local function fold(op, first, ...)
  local r = tobit(first)
  for i = 1, select('#', ...) do r = tobit(op(r, tobit((select(i, ...))))) end
  return r
end
local bit = {
  tobit = tobit,
  bnot = function(x) return tobit(~tobit(x)) end,
  band = function(...) return fold(function(a, b) return a & b end, ...) end,
  bor = function(...) return fold(function(a, b) return a | b end, ...) end,
  bxor = function(...) return fold(function(a, b) return a ~ b end, ...) end,
  lshift = function(x, n) return tobit((tobit(x) & 0xffffffff) << (tobit(n) & 31)) end,
  rshift = function(x, n) return tobit((tobit(x) & 0xffffffff) >> (tobit(n) & 31)) end,
  arshift = function(x, n) return tobit(tobit(x) // (1 << (tobit(n) & 31))) end,
  rol = function(x, n) x = tobit(x) & 0xffffffff n = tobit(n) & 31 return tobit((x << n) | (x >> (32 - n))) end,
  ror = function(x, n) x = tobit(x) & 0xffffffff n = tobit(n) & 31 return tobit((x >> n) | (x << (32 - n))) end,
  bswap = function(x) x = tobit(x) & 0xffffffff return tobit(((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >> 8) & 0xff00) | (x >> 24)) end,
  tohex = function(x, n)
    n = n or 8
    local upper = n < 0
    if upper then n = -n end
    local s = string.format(upper and '%08X' or '%08x', tobit(x) & 0xffffffff)
    return s:sub(-n)
  end,
}

-- The globals a script sees (Redis 7.0's; os.clock as Redis 7.4).
local globals = {}
local env = readonly(globals, nil)
local function env_load(chunk, name) return load(chunk, name, 't', env) end

-- Redis's pcall: an error raised as a reply ({err = ...}) comes back as its text.
local function pcall_result(ok, ...)
  if ok then return ok, ... end
  local e = ...
  if type(e) == 'table' then
    local text = e.err
    if type(text) == 'string' or type(text) == 'number' then return false, text end
  end
  return false, e
end

local allowed_gc = { collect = true, count = true, step = true, isrunning = true }
for name, value in next, {
  assert = assert, error = error, ipairs = ipairs, pairs = pairs, select = select, tonumber = tonumber,
  tostring = tostring, type = type, unpack = table.unpack, xpcall = xpcall, _VERSION = _VERSION, rawequal = rawequal,
  next = function(t, k) return next(proxied[t] or t, k) end,
  rawget = function(t, k) return rawget(proxied[t] or t, k) end,
  rawset = cwrap(function(t, k, v) if proxied[t] then error(READONLY, 0) end return rawset(t, k, v) end),
  setmetatable = cwrap(function(t, mt)
    if proxied[t] then error(READONLY, 0) end
    -- A finalizer would run inside whatever script is running when it is collected (Lua 5.1 ignores __gc on tables).
    if type(mt) == 'table' and rawget(mt, '__gc') ~= nil then
      local f = rawget(mt, '__gc')
      rawset(mt, '__gc', nil)
      setmeta(t, mt)
      rawset(mt, '__gc', f)
      return t
    end
    return setmeta(t, mt)
  end),
  getmetatable = function(v)
    if proxied[v] then return shown[v] end
    if type(v) == 'string' then return STRING_META end
    return getmeta(v)
  end,
  pcall = function(...) return pcall_result(pcall(...)) end,
  load = cwrap(function(chunk, name)
    if type(chunk) ~= 'function' then error("bad argument #1 to 'load' (function expected, got " .. type(chunk) .. ')', 3) end
    return env_load(chunk, name)
  end),
  loadstring = function(text, name) return env_load(text, name) end,
  collectgarbage = cwrap(function(opt, ...)
    opt = opt or 'collect'
    if not allowed_gc[opt] then error("bad argument #1 to 'collectgarbage' (option '" .. tostring(opt) .. "' is not allowed in a script)", 3) end
    return gc(opt, ...)
  end),
  gcinfo = function() return floor(gc('count')) end,
  redis = readonly(redis), cjson = readonly(cjson), cmsgpack = readonly(cmsgpack), struct = readonly(struct), bit = readonly(bit),
  string = readonly(string), table = readonly(table), math = readonly(math),
  coroutine = readonly(coroutine), os = readonly({ clock = os.clock }),
} do rawset(globals, name, value) end
rawset(globals, '_G', env)

-- Reading an undefined global is an error, as in Redis 7; getmetatable(_G) shows it (read-only).
local globals_meta = { __index = function(_, name) error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2) end }
setmeta(globals, globals_meta)
shown[env] = readonly(globals_meta)
`;

/**
 * Run after PRELUDE in the same chunk: the string metatable's proxy (getmetatable('') above reads
 * STRING_META, a local declared before PRELUDE), then what engine.ts keeps.
 */
export const PRELUDE_HEAD = 'local STRING_META\n';
export const PRELUDE_TAIL = String.raw`
-- A view of the string metatable whose __index is the string library's proxy, not the library.
STRING_META = readonly({ __index = rawget(globals, 'string') }, nil)
-- Nothing the host registered stays reachable by name.
for _, name in next, { '__kv_call', '__kv_pcall', '__kv_sha1', '__kv_log', '__kv_null', '__kv_cwrap', '__kv_fault', '__kv_json_encode', '__kv_json_decode',
  '__kv_json_encode_max_depth', '__kv_json_decode_max_depth', '__kv_json_encode_invalid_numbers', '__kv_json_encode_keep_buffer',
  '__kv_msgpack_pack', '__kv_msgpack_unpack', '__kv_msgpack_unpack_one', '__kv_msgpack_unpack_limit',
  '__kv_struct_pack', '__kv_struct_unpack', '__kv_struct_size' } do rawset(G, name, nil) end
return env
`;
