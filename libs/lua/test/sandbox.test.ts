import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LuaScripts, sha1hex, type Reply } from '../src';
import { evalOn, mapHost } from './run';

/**
 * Redis 7's sandbox, case by case from Redis's tests/unit/scripting.tcl, each with the exact
 * reply redis-server 7.0 gives (checked against it; the differential table test/compat/table.ts
 * compares the same cases over the wire): what a script can reach is read-only, what Redis leaves
 * out is absent, and nothing one script does is seen by another.
 */
const t = suite('lua: sandbox');
let scripts: LuaScripts;
const store = new Map<string, string>();
const host = mapHost(store);
const run = (body: string, keys: string[] = []): Reply => evalOn(scripts, host, body, keys);
/** Redis's text for an error raised on line 1 of `body`. */
const raised = (body: string, message: string, line = 1): Reply => ({ err: `${message} script: ${sha1hex(body)}, on @user_script:${line}.` });
const same = (body: string, message: string, line = 1) => assert.equal(run(body), raised(body, message, line), body);

t.before(async () => {
  scripts = new LuaScripts();
  await scripts.ready;
});

t('returning _G, or a table whose metatable raises or calls Redis: converted raw, an empty array', () => {
  assert.equal(run('return _G'), []);
  assert.equal(run('local a = {}; setmetatable(a,{__index=function() foo() end}) return a'), []);
  assert.equal(run("local a = {}; setmetatable(a,{__index=function() redis.call('set', 'x', '1') end}) return a", ['x']), []);
  assert.is(store.has('x'), false, 'the metamethod never ran');
});

t('globals: reading an undeclared one, or setting any, is an error', () => {
  same('return a', "ERR user_script:1: Script attempted to access nonexistent global variable 'a'");
  same('a=10', 'ERR user_script:1: Attempt to modify a readonly table');
});

t("the global-protection tricks of Redis's tests are refused with Redis's texts", () => {
  same('setmetatable(_G, {})', 'ERR Attempt to modify a readonly table');
  same('local g = getmetatable(_G)\ng.__index = {}', 'ERR user_script:2: Attempt to modify a readonly table', 2);
  same('redis = function() return 1 end', 'ERR user_script:1: Attempt to modify a readonly table');
  same('_G = {}', 'ERR user_script:1: Attempt to modify a readonly table');
  same('redis.call = function() return 1 end', 'ERR user_script:1: Attempt to modify a readonly table');
  same('cjson.encode = function() return 1 end', 'ERR user_script:1: Attempt to modify a readonly table');
  same('bit.lshift = function() return 1 end', 'ERR user_script:1: Attempt to modify a readonly table');
  same("rawset(redis, 'call', 1)", 'ERR Attempt to modify a readonly table');
  same("getmetatable('').__index = {}", 'ERR user_script:1: Attempt to modify a readonly table');
  same("getmetatable('').__index.rep = nil", 'ERR user_script:1: Attempt to modify a readonly table');
  same("string.rep = nil", 'ERR user_script:1: Attempt to modify a readonly table');
  same('table.insert(math, 1)', 'ERR Attempt to modify a readonly table');
  assert.equal(run("return {rawget(_G, 'redis') == redis and 1 or 0, _G == _G._G and 1 or 0, tostring(getmetatable(redis))}"), [1n, 1n, 'nil']);
});

t('loadfile, dofile and print are absent; loadstring takes text only; load wants a function', () => {
  same("loadfile('some file')", "ERR user_script:1: Script attempted to access nonexistent global variable 'loadfile'");
  same("dofile('some file')", "ERR user_script:1: Script attempted to access nonexistent global variable 'dofile'");
  same("print('some data')", "ERR user_script:1: Script attempted to access nonexistent global variable 'print'");
  same('return loadstring(string.dump(function() return 1 end))()', 'ERR user_script:1: attempt to call a nil value');
  assert.equal(run("return loadstring('return 1 + 1')()"), 2n);
  same("return load('return 1')", "ERR user_script:1: bad argument #1 to 'load' (function expected, got string)");
  assert.match((run("return loadstring('x = 1')()") as { err: string }).err, /^ERR \[string "x = 1"\]:1: Attempt to modify a readonly table/);
});

t("redis.sha1hex, error_reply and status_reply check their arguments as Redis's", () => {
  same('redis.sha1hex()', 'ERR wrong number of arguments');
  same('return redis.sha1hex()', 'ERR wrong number of arguments');
  assert.equal(run("return {redis.sha1hex(''), redis.sha1hex('Pizza & Mandolino'), redis.sha1hex(nil), redis.sha1hex(12)}"), [
    'da39a3ee5e6b4b0d3255bfef95601890afd80709',
    '74822d82031af7493c20eefa13bd07ec4fada82f',
    'da39a3ee5e6b4b0d3255bfef95601890afd80709',
    '7b52009b64fd0a2a49e6d8a939753077792b0554',
  ]);
  assert.equal(run('return redis.error_reply(1)'), { err: 'ERR wrong number or type of arguments' });
  assert.equal(run("return redis.error_reply('-X y')"), { err: 'X y' });
  assert.equal(run("return redis.error_reply('oops')"), { err: 'ERR oops' });
  assert.equal(run('return redis.status_reply()'), { err: 'ERR wrong number or type of arguments' });
});

t("pcall: a Lua error's message, a raised reply's text (Redis 7's pcall)", () => {
  assert.equal(run("local status, res = pcall(function() return 1 end); return 'status: ' .. tostring(status) .. ' result: ' .. res"), 'status: true result: 1');
  assert.equal(
    run("local status, res = pcall(function() return foo end); return 'status: ' .. tostring(status) .. ' result: ' .. res"),
    "status: false result: user_script:1: Script attempted to access nonexistent global variable 'foo'",
  );
  assert.equal(run("local ok, e = pcall(redis.call, 'nosuch') return {tostring(ok), type(e), e}"), ['false', 'string', 'ERR Unknown Redis command called from script']);
  assert.equal(run("local ok, e = pcall(function() redis.call('nosuch') end) return e"), 'ERR Unknown Redis command called from script');
  assert.equal(run("local ok, e = pcall(error, {err='A b'}) return e"), 'A b');
});

t('errors name the line of the script, as Redis does', () => {
  same("error({err='MY x'})", 'MY x');
  same('error(nil)', 'ERR nil');
  same("error('x', 0)", 'ERR x');
  same("local function f() error({err='X y'}) end\nf()", 'X y');
  same("\nredis.call('nosuch')", 'ERR Unknown Redis command called from script', 2);
  same("return redis.call('nosuch')", 'ERR Unknown Redis command called from script');
});

t('nothing one script does is seen by another', () => {
  // Each of these is refused or stays within its own run.
  run('_ENV = {}');
  run('_ENV.redis = nil');
  run("local _, t = pairs(redis) t.call = nil");
  run("local p = getmetatable('') if p then p.__index = nil end");
  run("for k in pairs(string) do string[k] = nil end");
  run("collectgarbage('stop')");
  run("setmetatable({}, {__gc = function() redis.call('SET', 'finalized', '1') end})");
  run('coroutine.wrap(function() end)() redis = nil');
  assert.equal(run("collectgarbage() collectgarbage() return {redis.call('PING'), ('x'):rep(2), string.format('%d', 7), type(cjson.encode), math.pow(2, 3)}"), [{ ok: 'PONG' }, 'xx', '7', 'function', 8n]);
  assert.is(store.has('finalized'), false, "a finalizer set by one script never runs inside another's");
  assert.equal(run("return collectgarbage('isrunning') and 1 or 0"), 1n);
});

t('KEYS and ARGV are each run\'s own', () => {
  assert.equal(evalOn(scripts, host, 'return {KEYS[1], ARGV[1]}', ['k1'], ['a1']), ['k1', 'a1']);
  assert.equal(evalOn(scripts, host, 'return {KEYS[1], ARGV[1]}', ['k2'], ['a2']), ['k2', 'a2']);
  assert.equal(run('return {#KEYS, #ARGV}'), [0n, 0n]);
});

t.run();
