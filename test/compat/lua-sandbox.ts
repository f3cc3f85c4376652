import type { Group } from './table';

/**
 * Groups of the differential table for Redis 7's Lua sandbox, from Redis's
 * tests/unit/scripting.tcl: what a script can reach is read-only (with Redis's error texts and
 * the script's line), what Redis leaves out is absent, conversions read tables raw and stop at
 * Redis's nesting, pcall and redis.* check arguments as Redis's, and nothing one client's script
 * does changes another's (the steps on conn 1 are another client).
 */
export const LUA_SANDBOX: Group[] = [
  {
    name: 'lua sandbox: read-only globals and libraries',
    steps: [
      'EVAL "return _G" 0',
      'EVAL "local a = {}; setmetatable(a,{__index=function() foo() end}) return a" 0',
      "EVAL \"local a = {}; setmetatable(a,{__index=function() redis.call('set', 'x', '1') end}) return a\" 1 x",
      'GET x',
      'EVAL "return a" 0',
      'EVAL "a=10" 0',
      'EVAL "setmetatable(_G, {})" 0',
      'EVAL "local g = getmetatable(_G) g.__index = {}" 0',
      'EVAL "redis = function() return 1 end" 0',
      { cmd: "EVAL \"return redis.call('PING')\" 0", conn: 1 },
      'EVAL "_G = {}" 0',
      'EVAL "redis.call = function() return 1 end" 0',
      'EVAL "cjson.encode = function() return 1 end" 0',
      'EVAL "bit.lshift = function() return 1 end" 0',
      "EVAL \"rawset(redis, 'call', 1)\" 0",
      "EVAL \"getmetatable('').__index = {}\" 0",
      "EVAL \"getmetatable('').__index.rep = nil\" 0",
      'EVAL "string.rep = nil" 0',
      'EVAL "table.insert(math, 1)" 0',
      { cmd: "EVAL \"return {('x'):rep(3), string.rep('y', 2), type(redis.call), type(cjson.encode), bit.lshift(1, 4)}\" 0", conn: 1 },
      "EVAL \"return {rawget(_G, 'redis') == redis and 1 or 0, _G == _G._G and 1 or 0, tostring(getmetatable(redis))}\" 0",
      "EVAL \"local t = {} for k, v in pairs(getmetatable(_G)) do t[#t+1] = k .. '=' .. type(v) end return t\" 0",
    ],
  },
  {
    name: 'lua sandbox: what Redis leaves out, errors and bounds',
    steps: [
      "EVAL \"loadfile('some file')\" 0",
      "EVAL \"dofile('some file')\" 0",
      "EVAL \"print('some data')\" 0",
      'EVAL "return loadstring(string.dump(function() return 1 end))()" 0',
      "EVAL \"return loadstring('return 1 + 1')()\" 0",
      "EVAL \"return loadstring('x = 1')()\" 0",
      "EVAL \"return load('return 1')\" 0",
      'EVAL "redis.sha1hex()" 0',
      'EVAL "return redis.sha1hex()" 0',
      "EVAL \"return {redis.sha1hex('Pizza & Mandolino'), redis.sha1hex(nil), redis.sha1hex(12)}\" 0",
      'EVAL "return redis.error_reply(1)" 0',
      "EVAL \"return redis.error_reply('-X y')\" 0",
      "EVAL \"return redis.error_reply('oops')\" 0",
      'EVAL "return redis.status_reply()" 0',
      "EVAL \"local status, res = pcall(function() return 1 end); return 'status: ' .. tostring(status) .. ' result: ' .. res\" 0",
      "EVAL \"local status, res = pcall(function() return foo end); return 'status: ' .. tostring(status) .. ' result: ' .. res\" 0",
      "EVAL \"local ok, e = pcall(redis.call, 'nosuch') return {tostring(ok), type(e), e}\" 0",
      "EVAL \"local ok, e = pcall(function() redis.call('nosuch') end) return e\" 0",
      "EVAL \"local ok, e = pcall(error, {err='A b'}) return e\" 0",
      "EVAL \"error({err='MY x'})\" 0",
      'EVAL "error(nil)" 0',
      "EVAL \"error('x', 0)\" 0",
      `EVAL "local function f() error({err='X y'}) end
f()" 0`,
      `EVAL "
redis.call('nosuch')" 0`,
      'EVAL "local a = {}; local b = {a}; a[1] = b; return a" 0',
      "EVAL \"local t = 'x' for i = 1, 7994 do t = {t} end return t\" 0",
      'EVAL "local t = {} t[1] = t return cjson.encode(t)" 0',
      'EVAL "local t = {} for i = 1, 999 do t = {t} end return #cjson.encode(t)" 0',
      "EVAL \"return cjson.decode(string.rep('[', 1100) .. string.rep(']', 1100))\" 0",
      'PING',
    ],
  },
];
