/**
 * The Lua side of the sandbox, run once when the engine starts: Redis's `redis` table over the
 * engine's two host functions, Lua 5.1 names scripts written for Redis still use (unpack,
 * math.pow, table.getn, loadstring is not given, as in Redis 7), the `bit` library (LuaBitOp's
 * 32-bit semantics, on Lua 5.4's integer operators), and the global table locked as Redis 7
 * locks it; `cjson` (cjson.ts). Host functions (engine.ts): __kv_call and __kv_pcall run a
 * command (a reply that comes later makes the script yield until it does), __kv_sha1, __kv_log,
 * __kv_json_encode, __kv_json_decode.
 */
export const PRELUDE = String.raw`
local call_host, pcall_host, sha1_host, log_host = __kv_call, __kv_pcall, __kv_sha1, __kv_log
local json_encode, json_decode = __kv_json_encode, __kv_json_decode
__kv_call, __kv_pcall, __kv_sha1, __kv_log, __kv_json_encode, __kv_json_decode = nil, nil, nil, nil, nil, nil
local type, error, select, getinfo, rawget = type, error, select, debug.getinfo, rawget

-- error({ err = ... }) raised by a script carries its line, as Redis reports it.
local raw_error = error
_G.error = function(e, level)
  if type(e) == 'table' and rawget(e, 'err') ~= nil and rawget(e, 'line') == nil then
    local at = getinfo(2, 'l')
    if at and at.currentline > 0 then e.line = at.currentline end
  end
  return raw_error(e, level == nil and 2 or (level > 0 and level + 1 or level))
end

redis = {
  -- Host functions (C functions to Lua): a tail call to one keeps the script's frame, so an
  -- error names the script's line, as Redis's do.
  call = call_host,
  pcall = pcall_host,
  error_reply = function(s) if type(s) ~= 'string' then error('wrong number or type of arguments', 2) end return { err = s } end,
  status_reply = function(s) if type(s) ~= 'string' then error('wrong number or type of arguments', 2) end return { ok = s } end,
  sha1hex = function(s) if select('#', s) == 0 then error('wrong number of arguments', 2) end return sha1_host(tostring(s)) end,
  log = function(level, ...) log_host(level, table.concat({...}, ' ')) end,
  setresp = function(v) if v ~= 2 and v ~= 3 then error('RESP version must be 2 or 3', 2) end end,
  set_repl = function() end,
  replicate_commands = function() return true end,
  breakpoint = function() return false end,
  debug = function() end,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REPL_NONE = 0, REPL_AOF = 1, REPL_SLAVE = 2, REPL_REPLICA = 2, REPL_ALL = 3,
  REDIS_VERSION = '7.0.0', REDIS_VERSION_NUM = 0x00070000,
}

-- Redis's cjson (host functions; cjson.null stands for JSON null).
cjson = { encode = json_encode, decode = json_decode, null = setmetatable({}, { __tostring = function() return 'null' end }) }

-- Lua 5.1 names (Redis runs Lua 5.1).
unpack = table.unpack
table.getn = function(t) return #t end
math.pow = function(a, b) return a ^ b end
math.mod = math.fmod
string.gfind = string.gmatch

-- LuaBitOp: 32-bit results, signed, as Redis's bit library.
local function tobit(x)
  x = math.tointeger(x) or math.floor(x)
  x = x & 0xffffffff
  if x >= 0x80000000 then x = x - 0x100000000 end
  return x
end
local function fold(op, first, ...)
  local r = tobit(first)
  for i = 1, select('#', ...) do r = tobit(op(r, tobit((select(i, ...))))) end
  return r
end
bit = {
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

-- What a script may not reach, as in Redis 7.
io, os, package, require, dofile, loadfile, load, loadstring, debug, collectgarbage = nil, { clock = os.clock }, nil, nil, nil, nil, nil, nil, nil, nil
print = function(...) end

-- Scripts may neither create nor read undefined globals (Redis 7's errors).
setmetatable(_G, {
  __newindex = function() error('Attempt to modify a readonly table', 2) end,
  __index = function(_, name) error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2) end,
})
`;
