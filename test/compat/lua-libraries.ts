import type { Group } from './table';

/** An EVAL step of a script with no keys, quoted for the table's splitter. */
const evalStep = (body: string, ...keys: string[]) => `EVAL "${body.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}" ${keys.length}${keys.map((k) => ` ${k}`).join('')}`;
/** hex(s): a packed string's bytes as hex, so that a difference reads as msgpack. */
const HEX = "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', string.byte(c)) end)) end ";
/** tostring of every value a call returns (how Lua 5.1 prints what was unpacked). */
const TEXTS = 'local function texts(...) local t = {...} for i = 1, select(\'#\', ...) do t[i] = tostring(t[i]) end return t end ';
const bytes = (...codes: number[]) => `string.char(${codes.join(',')})`;

/** Values whose packed bytes are compared: every integer width both signs, floats, strings, tables. */
const PACKED = [
  '0, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296',
  '-1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649',
  '2^53 + 1, 2^63, -2^63, 2^64, 9007199254740993',
  '1.5, 0.1, 3.0, 1/0, -1/0, math.huge, 1e300, 2^-149',
  // Alone: Lua 5.1 keeps -0.0 and 0 as one constant of a script (1/0 would read it).
  '-0.0',
  'true, false, nil',
  "'', '\\0\\255', string.rep('a', 31), string.rep('x', 32), string.rep('x', 255), string.rep('y', 256), string.rep('z', 65536)",
  '{}, {1, 2, nil, 4}, {[2] = 1}, {[1.5] = 1}, {[2^31] = 1}, {[2^31 - 1] = 1}, {[0] = 1}, {[-1] = 1}',
  '{a = {b = {c = {}}}}, {true, {false, {nil}}}, {1, 2, 3, x = 1}, {[1] = 1, [3] = 3}',
  'function() end, coroutine.create(function() end), cjson.null',
];

/**
 * Groups of the differential table for Redis's cmsgpack in scripts (lua-cmsgpack 0.4.0 on Redis
 * 7.0's Lua 5.1): the bytes packed for each number, string and table form, tables nested past 16
 * levels and cycles, several values at once, unpack's forms and errors, the stack bounds of many
 * values and deep nesting, and round trips. Maps of one key only: with several, the order is the
 * Lua version's table order (see libs/lua/src/cmsgpack.ts).
 */
export const LUA_CMSGPACK: Group[] = [
  {
    name: 'lua cmsgpack: pack',
    steps: [
      ...PACKED.map((values) => evalStep(`${HEX}return hex(cmsgpack.pack(${values}))`)),
      ...PACKED.map((values) => evalStep(`return cmsgpack.pack(${values})`)),
      evalStep(`${HEX}local t = {} local c = t for i = 1, 20 do c[1] = {} c = c[1] end return hex(cmsgpack.pack(t))`),
      evalStep(`${HEX}local t = {} t[1] = t return hex(cmsgpack.pack(t))`),
      evalStep(`${HEX}local t = {} t.x = t return hex(cmsgpack.pack(t))`),
      evalStep(`${HEX}local t = {} for i = 1, 16 do t[i] = i end return hex(cmsgpack.pack(t, {x = t}))`),
      evalStep("local t = {} for i = 1, 70000 do t[i] = i end local s = cmsgpack.pack(t) return {#s, string.byte(s, 1, 8)}"),
      evalStep("local t = {} for i = 1, 20 do t['k' .. i] = i end local s = cmsgpack.pack(t) return {#s, string.byte(s, 1, 3)}"),
      evalStep('return cmsgpack.pack()'),
      evalStep('local p = cmsgpack.pack return p()'),
      evalStep('local ok, e = pcall(cmsgpack.pack) return e'),
      evalStep('cmsgpack.pack = nil'),
      evalStep("rawset(cmsgpack, 'x', 1)"),
      evalStep('return {cmsgpack._NAME, cmsgpack._VERSION, cmsgpack._COPYRIGHT, cmsgpack._DESCRIPTION}'),
    ],
  },
  {
    name: 'lua cmsgpack: unpack',
    steps: [
      evalStep("return {cmsgpack.unpack(cmsgpack.pack(1, 'a', {1, {2, 'x'}}, true, 1.5, -7))}"),
      evalStep('local t = cmsgpack.unpack(cmsgpack.pack({a = 1, b = {c = 2}})) return {t.a, t.b.c}'),
      evalStep(`${TEXTS}return texts(cmsgpack.unpack(${bytes(0xcf, 255, 255, 255, 255, 255, 255, 255, 255, 0xd3, 128, 0, 0, 0, 0, 0, 0, 0, 0xcf, 0, 0, 0, 0, 0, 0, 0, 5, 0xce, 255, 255, 255, 255, 0xd2, 128, 0, 0, 0, 0xd0, 0x80, 0xd1, 0x80, 0, 0xe0, 0xcc, 200, 0xcd, 1, 0)}))`),
      evalStep(`${TEXTS}return texts(cmsgpack.unpack(${bytes(0xca, 0x3f, 0xc0, 0, 0, 0xcb, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a, 0xca, 0x40, 0x40, 0, 0, 0xcb, 0x42, 0xd6, 0xbc, 0xc4, 0x1e, 0x90, 0, 0, 0xca, 0x7f, 0x80, 0, 0)}))`),
      evalStep(`${TEXTS}return texts(cmsgpack.unpack(${bytes(0xc0, 0xc2, 0xc3)}))`),
      evalStep(`local a, m = cmsgpack.unpack(${bytes(0x90, 0x80)}) return {type(a), type(m), #a, next(m) == nil and 1 or 0}`),
      evalStep(`return {cmsgpack.unpack(${bytes(0xd9, 3, 97, 98, 99, 0xda, 0, 1, 100, 0xdb, 0, 0, 0, 1, 101, 0xa0)})}`),
      evalStep(`local t = cmsgpack.unpack(${bytes(0x93, 0xc0, 2, 0xc0)}) return {#t, t[2]}`),
      evalStep(`local t = cmsgpack.unpack(${bytes(0x82, 1, 0xc0, 2, 3)}) return {t[1] == nil and 1 or 0, t[2]}`),
      evalStep(`return {cmsgpack.unpack(${bytes(0x92, 1)})}`),
      evalStep(`return {cmsgpack.unpack(${bytes(0xd9, 3, 97, 98)})}`),
      evalStep(`return {cmsgpack.unpack(${bytes(0xcd, 1)})}`),
      evalStep(`return cmsgpack.unpack(${bytes(0xdd, 255, 255, 255, 255, 1)})`),
      evalStep(`return cmsgpack.unpack(${bytes(0xdf, 255, 255, 255, 255, 1)})`),
      evalStep(`return {cmsgpack.unpack(${bytes(0xc4, 1, 1)})}`),
      evalStep(`return {cmsgpack.unpack(${bytes(0xc1)})}`),
      evalStep(`return {cmsgpack.unpack(${bytes(0xd4, 1, 1)})}`),
      evalStep(`return cmsgpack.unpack(${bytes(0x81, 0xc0, 1)})`),
      evalStep(`return cmsgpack.unpack(${bytes(0x81, 0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0, 1)})`),
      evalStep('return cmsgpack.unpack()'),
      evalStep('return cmsgpack.unpack({})'),
      evalStep('return cmsgpack.unpack(5)'),
      evalStep("return {cmsgpack.unpack('')}"),
      evalStep(`return {cmsgpack.unpack_one(${bytes(1, 2, 3)})}`),
      evalStep(`return {cmsgpack.unpack_one(${bytes(1, 2, 3)}, 2)}`),
      evalStep(`return {cmsgpack.unpack_one(${bytes(1, 2, 3)}, 3)}`),
      evalStep("return cmsgpack.unpack_one('abc', -1)"),
      evalStep("return cmsgpack.unpack_one('abc', 5)"),
      evalStep('return cmsgpack.unpack_one()'),
      evalStep('return cmsgpack:unpack_one()'),
      evalStep("return {cmsgpack.unpack_limit('abc', 0)}"),
      evalStep(`return {cmsgpack.unpack_limit(${bytes(1, 2, 3)}, 2, 1)}`),
      evalStep(`return {cmsgpack.unpack_limit(${bytes(1, 2, 3)}, 2.7, '1')}`),
      evalStep(`return {cmsgpack.unpack_limit(${bytes(1, 2, 3)}, 9)}`),
      evalStep("return cmsgpack.unpack_limit('abc')"),
      evalStep("return cmsgpack.unpack_limit('abc', 'x')"),
      evalStep('return cmsgpack.unpack_limit(nil, 1)'),
      evalStep("return cmsgpack.unpack_limit('abc', -1)"),
    ],
  },
  {
    name: 'lua cmsgpack: stack bounds and round trips',
    steps: [
      evalStep("return select('#', cmsgpack.unpack(string.rep(string.char(1), 7999)))"),
      evalStep("return select('#', cmsgpack.unpack(string.rep(string.char(1), 8000)))"),
      evalStep("return select('#', cmsgpack.unpack(string.rep(string.char(1), 7998), 'x', 'y'))"),
      evalStep("return select('#', cmsgpack.unpack_limit(string.rep(string.char(1), 9000), 7998))"),
      evalStep("return select('#', cmsgpack.unpack_limit(string.rep(string.char(1), 9000), 7999))"),
      evalStep('local t = cmsgpack.unpack(string.rep(string.char(0x91), 3999) .. string.char(1)) return 1'),
      evalStep('local t = cmsgpack.unpack(string.rep(string.char(0x91), 4000) .. string.char(1)) return 1'),
      evalStep('local t = cmsgpack.unpack(string.rep(string.char(0x81, 1), 3999) .. string.char(1)) return 1'),
      evalStep('local t = cmsgpack.unpack(string.rep(string.char(0x81, 1), 4000) .. string.char(1)) return 1'),
      evalStep("local t = {} for i = 1, 70000 do t[i] = {i, 'v' .. i} end local u = cmsgpack.unpack(cmsgpack.pack(t)) return {#u, u[70000][1], u[70000][2]}"),
      evalStep(`${HEX}local s = cmsgpack.pack({1, {2, {x = 'y'}}, -3.25, 'z', false}) return {hex(s), hex(cmsgpack.pack(cmsgpack.unpack(s)))}`),
      'SET mp:k v',
      evalStep("redis.call('SET', KEYS[1], cmsgpack.pack({'job', {attempts = 3}})) local t = cmsgpack.unpack(redis.call('GET', KEYS[1])) return {t[1], t[2].attempts}", 'mp:packed'),
      'GET mp:packed',
      evalStep("return cmsgpack.unpack(cmsgpack.pack(redis.call('GET', KEYS[1])))", 'mp:k'),
    ],
  },
];

/** struct.pack arguments whose bytes are compared: every option, both orders, alignment, edges. */
const STRUCT_PACKED = [
  "'>l', 0/0", "'>l', 1/0", "'>l', -1/0", "'>l', 2^64", "'>l', 2^63", "'>l', -2^63", "'>l', -2^64", "'>L', 2^64 + 2^12",
  "'>l', 1.9", "'>l', -1.9", "'<i16', -2", "'>i16', -2", "'>i9', 300", "'<i3', -1", "'>b', 300", "'>B', -1", "'<i', 7", "'i0', 5",
  "'>h<h', 258, 258", "'>H', 65535", "'<T', 2^40", "'>I5', 2^33 + 1",
  "'>f', 0.1", "'<d', 0.1", "'>f', 1e300", "'<f', -2.5", "'>d', -1/0",
  "'!4 b i', 1, 2", "'!b h', 1, 2", "'!8 b d', 1, 2", "'! b l', 1, 2", "'!2 b i3', 1, 2", "'! b i3', 1, 2", "'!1 b d', 1, 2", "'!16 b d', 1, 2",
  "'s', 'ab'", "'c0', 'abc'", "'c2', 'abc'", "'c', 'xyz'", "'x b x', 1", "'b', '0x10'", "'b', ' 12 '", "'b', '1e1'", "'c', 5", "'s', 12.5",
  "'>i4 c0 s', 3, 'abc', 'z'", "'   <I2', 1",
];
const STRUCT_UNPACKED = [
  "'>i9', string.rep('\\255', 9)", "'>i9', '\\0\\0\\0\\0\\0\\0\\0\\0\\255'", "'>i9', '\\0\\0\\0\\0\\0\\0\\0\\0\\127'", "'>i16', string.rep('\\255', 16)",
  "'<i16', string.rep('\\255', 16)", "'>i12', string.rep('\\0', 11) .. '\\128'", "'>i8', string.rep('\\255', 8)", "'>I8', string.rep('\\255', 8)",
  "'>i3', '\\255\\255\\254'", "'<I3', '\\1\\2\\3'", "'>b', '\\200'", "'>B', '\\200'", "'bc0', '\\3abc'", "'c1c0', '2abc'", "'s', 'ab\\0cd'",
  "'!4 b i', '\\1\\0\\0\\0\\2\\0\\0\\0'", "'x', 'a'", "'>f', '\\61\\204\\204\\205'", "'<d', '\\154\\153\\153\\153\\153\\153\\185\\63'", "'b', 5", "'i0', 'abc'",
  "'i', 'abcd', 1.7", "'bb', 'abc', 2", "'', 'a', -5", "'', 'abc', 3", "'<h >h b', '\\1\\2\\1\\2\\255'", "'c2 c0', '\\0\\0'", "'>I2 c0', '\\0\\2hi'",
];

/**
 * Groups of the differential table for Redis's struct in scripts (lua_struct.c on Redis 7.0's Lua
 * 5.1, x86-64): the bytes of every option in both orders and under alignment, out-of-range
 * numbers as its casts make them, what unpack reads back (sizes past 8 bytes, c0, s, offsets),
 * size, and every error with Redis's argument numbers.
 */
export const LUA_STRUCT: Group[] = [
  {
    name: 'lua struct: pack',
    steps: [
      ...STRUCT_PACKED.map((args) => evalStep(`${HEX}return hex(struct.pack(${args}))`)),
      evalStep("return struct.pack('>I2 s c3 d', 513, 'ab', 'xyzw', 1.5)"),
      evalStep("return struct.pack('z')"),
      evalStep("return struct.pack('c5', 'ab')"),
      evalStep("return struct.pack('b')"),
      evalStep("return struct.pack('bb', 1)"),
      evalStep("return struct.pack('c')"),
      evalStep("return struct.pack('b', {})"),
      evalStep("return struct.pack('b', 'x1')"),
      evalStep("return struct.pack('i33', 1)"),
      evalStep("return struct.pack('i99999999999', 1)"),
      evalStep("return struct.pack('!3 b', 1)"),
      evalStep("return struct.pack('!0 b', 1)"),
      evalStep('return struct.pack()'),
      evalStep('local p = struct.pack return p(\'#\')'),
      evalStep('struct.pack = nil'),
    ],
  },
  {
    name: 'lua struct: unpack and size',
    steps: [
      ...STRUCT_UNPACKED.map((args) => evalStep(`${TEXTS}return texts(struct.unpack(${args}))`)),
      evalStep(`${TEXTS}return texts(struct.unpack('>I2 s c3 d', struct.pack('>I2 s c3 d', 513, 'ab', 'xyzw', 1.5)))`),
      evalStep("return struct.unpack('c0', '\\3abc')"),
      evalStep("return struct.unpack('c1c0', 'xabc')"),
      evalStep("return struct.unpack('s', 'abcd')"),
      evalStep("return struct.unpack('bb', 'a', 2)"),
      evalStep("return struct.unpack('bb', 'ab', 3)"),
      evalStep("return struct.unpack('b', 'a', 0)"),
      evalStep("return struct.unpack('b', 'a', -1)"),
      evalStep("return struct.unpack('c', 'a', '2')"),
      evalStep("return struct.unpack('s x')"),
      evalStep("return struct.unpack('z', 'abc')"),
      evalStep("return struct.unpack('i40', 'abc')"),
      evalStep("return select('#', struct.unpack(string.rep('b', 7996), string.rep('a', 8000)))"),
      evalStep("return select('#', struct.unpack(string.rep('b', 7997), string.rep('a', 8000)))"),
      evalStep("return select('#', struct.unpack(string.rep('b', 7998), string.rep('a', 8000)))"),
      evalStep("return select('#', struct.unpack(string.rep('b', 7997), string.rep('a', 8000), 1))"),
      evalStep("return select('#', struct.unpack(string.rep('x', 9000), string.rep('a', 9000)))"),
      evalStep("return {struct.size('bhlTfdxi3c5'), struct.size('!bhlTfdxi3c5'), struct.size('!4 b d'), struct.size('>< b'), struct.size('bzq9'), struct.size('')}"),
      evalStep("return struct.size('bzs')"),
      evalStep("return struct.size('c0')"),
      evalStep("return struct.size('b#')"),
      evalStep("return struct.size('!3')"),
      evalStep("return struct.size('i33')"),
      evalStep("return struct.size('i99999999999')"),
      evalStep('return struct.size()'),
      evalStep('return struct.size(12)'),
    ],
  },
];
