import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LuaScripts, parseReply, type Reply } from '../src';
import { evalOn, mapHost } from './run';

/**
 * The Lua engine alone, with a host that keeps keys in a Map: Redis's conversions both ways,
 * binary strings, the bit and cjson libraries, waiting for a reply that comes later, concurrent
 * runs, and the time limit. (The sandbox: sandbox.test.ts; failures and bounds: faults.test.ts.)
 */
const t = suite('lua: engine');
let scripts: LuaScripts;
const host = mapHost();

function run(body: string, keys: string[] = [], argv: string[] = [], limitMs = 1000): Reply {
  return evalOn(scripts, host, body, keys, argv, limitMs);
}

t.before(async () => {
  scripts = new LuaScripts();
  await scripts.ready;
});

t('KEYS, ARGV and replies become Lua values, Lua values replies (Redis rules)', () => {
  assert.equal(run("return {KEYS[1], ARGV[1], redis.call('SET', KEYS[1], ARGV[1]), redis.call('GET', KEYS[1]), redis.call('INCR', 'n')}", ['k\xff'], ['v\x00']), ['k\xff', 'v\x00', { ok: 'OK' }, 'v\x00', 1n]);
  assert.equal(run('return {1, 2.9, -2.9, true, false, nil, 7}'), [1n, 2n, -2n, 1n, null]);
  assert.equal(run("return type(redis.call('GET', 'missing'))"), 'boolean');
  assert.equal(run('return redis.status_reply("FINE")'), { ok: 'FINE' });
  assert.equal(run('return redis.error_reply("MY err")'), { err: 'MY err' });
  assert.equal(run('return 1733000000 * 1000'), 1733000000000n, '64-bit integers');
  assert.equal(run('return {unpack({1, 2})}'), [1n, 2n]);
  assert.equal(run('return redis.sha1hex("")'), 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
});

t('redis.call raises an error reply, redis.pcall returns it', () => {
  assert.match((run("return redis.call('NOPE')") as { err: string }).err, /^ERR Unknown Redis command called from script script: [0-9a-f]{40}, on @user_script:1\.$/);
  assert.match((run("local x = 1\nredis.call('NOPE')") as { err: string }).err, /on @user_script:2\.$/);
  assert.equal(run("return redis.pcall('NOPE')"), { err: 'ERR Unknown Redis command called from script' });
  assert.match((run("return redis.call('SET', 'a', {})") as { err: string }).err, /^ERR Lua redis lib command arguments must be strings or integers/);
});

t('bit: LuaBitOp semantics (signed 32-bit results)', () => {
  assert.equal(run('return {bit.band(0xff, 0x0f), bit.bor(1, 2), bit.bxor(3, 1), bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.tohex(255), bit.bnot(0), bit.tobit(0xffffffff)}'), [15n, 3n, 2n, -2147483648n, 15n, -16n, '000000ff', -1n, -1n]);
});

t("cjson: lua-cjson's encoding and decoding", () => {
  assert.equal(run("return cjson.encode({1, 2, 'x'})"), '[1,2,"x"]');
  assert.equal(run('return cjson.encode({a = 1})'), '{"a":1}');
  assert.equal(run('return cjson.encode({})'), '{}');
  assert.equal(run('return cjson.encode({1, nil, 3})'), '[1,null,3]');
  assert.equal(run("return cjson.encode('a/b\"')"), '"a\\/b\\""');
  assert.equal(run(`local t = cjson.decode('{"a":[1,2.5,null,true],"b":"x"}') return {t.a[1], tostring(t.a[2]), t.a[3] == cjson.null and 1 or 0, t.b, cjson.encode(t.a)}`), [1n, '2.5', 1n, 'x', '[1,2.5,null,true]']);
  assert.match((run("return cjson.decode('[1,')") as { err: string }).err, /^ERR user_script:1: Expected value but found T_END at character 4 script:/);
  assert.match((run('return cjson.encode(function() end)') as { err: string }).err, /^ERR user_script:1: Cannot serialise function: type not supported/);
});

t("cjson's settings (lua-cjson's): depths, invalid numbers, keep_buffer; each answers the setting, bad ones are refused, and they last", () => {
  assert.equal(run('return {cjson.encode_max_depth(), cjson.decode_max_depth(), tostring(cjson.encode_invalid_numbers()), tostring(cjson.encode_keep_buffer(false)), cjson._VERSION}'), [1000n, 1000n, 'false', 'false', '2.1.0']);
  assert.match((run('return cjson.encode({0/0})') as { err: string }).err, /Cannot serialise number: must not be NaN or Inf/);
  assert.equal(run("cjson.encode_invalid_numbers(true) local on = cjson.encode({1/0, -1/0, 0/0}) cjson.encode_invalid_numbers('null') return {on, cjson.encode({1/0}), cjson.encode_invalid_numbers()}"), ['[inf,-inf,nan]', '[null]', 'null']);
  // The setting lasts into the next script, as in Redis's one Lua state, until changed back.
  assert.equal(run('return cjson.encode({0/0})'), '[null]');
  run('cjson.encode_invalid_numbers(false)');
  assert.equal(run('cjson.encode_max_depth(2) return {pcall(cjson.encode, {{1}})}'), [1n, '[[1]]']);
  assert.match((run('return cjson.encode({{{1}}})') as { err: string }).err, /Cannot serialise, excessive nesting \(3\)/);
  assert.match((run("cjson.decode_max_depth(1) return cjson.decode('[[1]]')") as { err: string }).err, /Found too many nested data structures \(2\) at character 2/);
  run('cjson.encode_max_depth(1000) cjson.decode_max_depth(1000)');
  assert.equal(run("return cjson.decode('[[[1]]]')[1][1][1]"), 1n);
  assert.match((run('cjson.encode_max_depth(0)') as { err: string }).err, /bad argument #1 to 'encode_max_depth' \(expected integer between 1 and 2147483647\)/);
  assert.match((run("cjson.encode_invalid_numbers('x')") as { err: string }).err, /\(invalid option 'x'\)/);
  assert.match((run('cjson.encode_keep_buffer(true, 1)') as { err: string }).err, /found too many arguments/);
});

t('a call answered later: the run waits, another runs meanwhile, then it goes on', () => {
  const sha = (body: string) => (scripts.add(body, 'eval') as { sha: string }).sha;
  const a = scripts.start(sha("local r = redis.call('LATER') return {r, KEYS[1]}"), ['first'], [], host, 1000);
  const b = scripts.start(sha('return KEYS[1]'), ['second'], [], host, 1000);
  assert.equal(a.resume(), { done: false });
  assert.equal(b.resume(), { done: true, result: 'second' });
  assert.equal(a.resume('came'), { done: true, result: ['came', 'first'] });
});

t('a run past its limit is stopped, pcall or not; the engine goes on', () => {
  const started = Date.now();
  assert.match((run('while true do end', [], [], 100) as { err: string }).err, /^ERR Script killed/);
  assert.match((run('pcall(function() while true do end end) return 1', [], [], 100) as { err: string }).err, /^ERR Script killed/);
  assert.ok(Date.now() - started < 2000);
  assert.equal(run('return 42'), 42n);
});

t('parseReply reads RESP2 replies into values, and refuses broken ones', () => {
  const bytes = Buffer.from('*4\r\n+OK\r\n:12\r\n$3\r\na\x00b\r\n*2\r\n$-1\r\n-ERR x\r\n', 'latin1');
  assert.equal(parseReply(bytes, 0, bytes.length), [{ ok: 'OK' }, 12n, 'a\x00b', [null, { err: 'ERR x' }]]);
  assert.throws(() => parseReply(Buffer.from('*2\r\n:1\r\n'), 0, 8));
  assert.throws(() => parseReply(Buffer.from('?x\r\n'), 0, 4));
});

t.run();
