import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LuaScripts, type Reply } from '../src';
import { evalOn, mapHost } from './run';

/**
 * cmsgpack and struct on the engine alone: what they make of each value, their bounds, and that
 * hostile input (claimed sizes, deep nesting, cycles) costs nothing and leaves the engine whole.
 * Byte-for-byte agreement with redis-server is the differential table's (test/compat/lua-libraries.ts).
 */
const t = suite('lua: cmsgpack and struct');
let scripts: LuaScripts;
const host = mapHost();
const HEX = "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', string.byte(c)) end)) end ";

function run(body: string): Reply {
  return evalOn(scripts, host, body);
}
const errorOf = (reply: Reply) => (reply as { err: string }).err;

t.before(async () => {
  scripts = new LuaScripts();
  await scripts.ready;
});

t('cmsgpack.pack: the smallest integer form, float32 when exact, arrays and maps by their keys', () => {
  assert.is(run(`${HEX}return hex(cmsgpack.pack(1, -1, 200, -200, 70000, 2^40, 1.5, 0.1, 3.0))`), '01ffccc8d1ff38ce00011170cf0000010000000000ca3fc00000cb3fb999999999999a03');
  assert.is(run(`${HEX}return hex(cmsgpack.pack({}, {1, 2}, {[2] = 1}, {x = true}, 'ab', nil))`), '909201028102018 1a178c3a26162c0'.replace(/ /g, ''));
  // A cycle packs as nil at the 17th level.
  assert.is(run(`${HEX}local t = {} t[1] = t return hex(cmsgpack.pack(t))`), `${'91'.repeat(16)}c0`);
});

t('cmsgpack.unpack: values back as Redis has them (integers, 5.1 doubles, uint64 wrapped), offsets', () => {
  assert.equal(run("return {cmsgpack.unpack(cmsgpack.pack(1, 'a', {1, {2, 'x'}}, true, -7))}"), [1n, 'a', [1n, [2n, 'x']], 1n, -7n]);
  assert.equal(run('local a, b = cmsgpack.unpack(string.char(0xcf, 255, 255, 255, 255, 255, 255, 255, 255, 0xca, 0x3f, 0xc0, 0, 0)) return {a, tostring(b)}'), [-1n, '1.5']);
  assert.equal(run('return {cmsgpack.unpack_one(string.char(1, 2, 3), 1)}'), [2n, 2n]);
  assert.equal(run('return {cmsgpack.unpack_limit(string.char(1, 2, 3), 5, 1)}'), [-1n, 2n, 3n]);
  assert.match(errorOf(run('return cmsgpack.unpack(string.char(0x92, 1))')), /^ERR user_script:1: Missing bytes in input\. script: /);
  assert.match(errorOf(run('return cmsgpack.unpack(string.char(0xc4, 1, 1))')), /^ERR user_script:1: Bad data format in input\./);
  assert.match(errorOf(run('return cmsgpack.unpack(string.char(0x81, 0xc0, 1))')), /^ERR table index is nil script: /);
});

t('cmsgpack: hostile input is bounded by what it holds, not by what it claims, and the engine stays whole', () => {
  // A claimed 4-billion-item array is one item short: no table that size is ever made.
  assert.match(errorOf(run('return cmsgpack.unpack(string.char(0xdd, 255, 255, 255, 255, 1))')), /Missing bytes in input/);
  assert.match(errorOf(run("return cmsgpack.unpack(string.rep(string.char(0x91), 100000) .. string.char(1))")), /stack overflow \(in function mp_decode_to_lua_array\)/);
  assert.match(errorOf(run("return cmsgpack.unpack(string.rep(string.char(0x81, 1), 100000) .. string.char(1))")), /stack overflow \(too many return values at once/);
  assert.match(errorOf(run("return cmsgpack.unpack(string.rep(string.char(1), 100000))")), /stack overflow/);
  assert.match(errorOf(run("cmsgpack.unpack = nil")), /Attempt to modify a readonly table/);
  assert.equal(run('local s = cmsgpack.pack({1, 2, 3}) return {#s, cmsgpack.unpack(s)[3]}'), [4n, 3n]);
});

t('struct: pack, unpack and size as lua_struct (orders, alignment, c0 and s, offsets)', () => {
  assert.is(run(`${HEX}return hex(struct.pack('>I2 <i4 !4 b d', 513, -2, 1, 1.5))`), '0201feffffff0100000000000000f83f');
  assert.equal(run(`local a, b, c, d, nxt = struct.unpack('>I2 <i4 !4 b d', struct.pack('>I2 <i4 !4 b d', 513, -2, 1, 1.5)) return {a, b, c, tostring(d), nxt}`), [513n, -2n, 1n, '1.5', 17n]);
  assert.equal(run("return {struct.unpack('>I2 c0 s', '\\0\\2hiab\\0')}"), ['hi', 'ab', 8n]);
  assert.equal(run("return {struct.size('>I2 i3 !4 d'), struct.size('')}"), [16n, 0n]);
  assert.match(errorOf(run("return struct.pack('c5', 'ab')")), /^ERR user_script:1: bad argument #3 to 'pack' \(string too short\)/);
  assert.match(errorOf(run("return struct.unpack('i4', 'ab')")), /bad argument #2 to 'unpack' \(data string too short\)/);
  assert.match(errorOf(run("return struct.unpack(string.rep('b', 100000), string.rep('a', 100000))")), /stack overflow \(too many results\)/);
  assert.match(errorOf(run('struct.size = nil')), /Attempt to modify a readonly table/);
});

t.run();
