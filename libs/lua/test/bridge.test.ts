import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Args } from '@kv/wire';
import { EncodedReply, LuaScripts, type Reply, type ScriptHost } from '../src';
import { evalOn } from './run';

/**
 * The call bridge's fast paths: a call's arguments read off the Lua stack into Args, and a reply
 * handed over as RESP2 bytes (EncodedReply, read straight into Lua) giving the script exactly
 * the values the same reply as a Reply gives it, for every kind, nesting and bound.
 */
const t = suite('lua: call bridge');
let scripts: LuaScripts;

t.before(async () => {
  scripts = new LuaScripts();
  await scripts.ready;
});

/** A reply as the server encodes it for a script (RESP2). */
function resp2(reply: Reply): string {
  if (reply === null) return '$-1\r\n';
  if (typeof reply === 'string') return `$${reply.length}\r\n${reply}\r\n`;
  if (typeof reply === 'bigint') return `:${reply}\r\n`;
  if (Array.isArray(reply)) return `*${reply.length}\r\n${reply.map(resp2).join('')}`;
  return 'err' in reply ? `-${reply.err}\r\n` : `+${reply.ok}\r\n`;
}

/** Answers every call with `reply`, as a value or as its bytes (at an offset, past other bytes, as a shared scratch may hold). */
function hostOf(reply: Reply, encoded: boolean, raw?: string): ScriptHost {
  const bytes = new EncodedReply();
  return {
    call: () => {
      if (!encoded) return reply;
      const text = raw ?? resp2(reply);
      return bytes.set(Buffer.from(`junk${text}junk`, 'latin1'), 4, 4 + text.length);
    },
  };
}

/** What the script sees of a value: types (integer or float), fields and elements. */
const DESCRIBE = `
local function d(v)
  local t = type(v)
  if t == 'table' then
    local parts = {}
    if rawget(v, 'ok') then parts[#parts + 1] = 'ok=' .. v.ok end
    if rawget(v, 'err') then parts[#parts + 1] = 'err=' .. v.err end
    for i = 1, #v do parts[#parts + 1] = d(v[i]) end
    return '{' .. table.concat(parts, ',') .. '}'
  elseif t == 'number' then return math.type(v) .. ':' .. tostring(v)
  else return t .. ':' .. tostring(v) end
end
`;

const nested = (levels: number): Reply => {
  let value: Reply = ['bottom', 7n];
  for (let i = 0; i < levels; i++) value = [value, String(i)];
  return value;
};

const CASES: [string, Reply][] = [
  ['bulk', 'plain'],
  ['empty bulk', ''],
  ['binary bulk', '\x00\xff\r\n$3\r\n'],
  ['integers', [0n, -1n, 1024n, 1025n, -1025n, 999999999999999n, 123456789012345678n, -9223372036854775808n, 9223372036854775807n]],
  ['nil', null],
  ['empty array', []],
  ['mixed array', [null, 'a', [1n, [{ ok: 'QUEUED' }, { err: 'ERR inner' }]], '']],
  ['status', { ok: 'OK' }],
  ['error', { err: 'WRONGTYPE Operation against a key holding the wrong kind of value' }],
  ['past the push depth limit', nested(70)],
  ['a long array (indexes past the small ones)', Array.from({ length: 3000 }, (_, i) => String(i))],
];

for (const [name, reply] of CASES) {
  t(`${name}: the same Lua value from bytes as from a value`, () => {
    for (const body of [`${DESCRIBE} return d(redis.pcall('X'))`, `${DESCRIBE} local ok, e = pcall(function() return d(redis.call('X')) end) return {tostring(ok), type(e) == 'table' and d(e) or e}`]) {
      const plain = evalOn(scripts, hostOf(reply, false), body);
      const bytes = evalOn(scripts, hostOf(reply, true), body);
      assert.equal(bytes, plain, body);
    }
  });
}

t('a nil array (*-1) is false, as a nil bulk', () => {
  const body = `${DESCRIBE} return d(redis.call('X'))`;
  assert.equal(evalOn(scripts, hostOf(null, true, '*-1\r\n'), body), 'boolean:false');
});

t('bytes that are not one whole reply raise in the script', () => {
  for (const raw of ['$5\r\nab\r\n', '*2\r\n:1\r\n', ':1\r\n:2\r\n', '?x\r\n']) {
    const result = evalOn(scripts, hostOf(null, true, raw), "return redis.pcall('X')") as { err: string };
    assert.match(result.err, /internal error: (truncated|trailing|not a RESP2|unterminated)/, raw);
  }
});

t("a call's arguments: strings byte for byte, integers in full, floats %.17g", () => {
  let seen: string[] = [];
  const host: ScriptHost = {
    call: (args: Args) => {
      seen = Array.from({ length: args.count }, (_, i) => args.latin1(i));
      return { ok: 'OK' };
    },
  };
  evalOn(scripts, host, "redis.call('CMD', 'a', '', '\\0\\255', 1, -2, 0, 3.5, -0.0, 0.1, 2^53, 2^63, math.maxinteger, math.mininteger, 1e300, KEYS[1])", ['k\xff']);
  assert.equal(seen, ['CMD', 'a', '', '\x00\xff', '1', '-2', '0', '3.5', '-0', '0.10000000000000001', '9007199254740992', '9.2233720368547758e+18', '9223372036854775807', '-9223372036854775808', '1.0000000000000001e+300', 'k\xff']);
  const long = 'x'.repeat(5000);
  evalOn(scripts, host, `redis.call('CMD', ARGV[1], ARGV[1], 7)`, [], [long]);
  assert.equal(seen, ['CMD', long, long, '7'], 'arguments past the reused buffer');
  assert.match((evalOn(scripts, host, "return redis.pcall('CMD', {})") as { err: string }).err, /must be strings or integers/);
});

t('a call made while another is using the arguments gets its own', () => {
  const seen: string[][] = [];
  const inner: ScriptHost = {
    call: (args: Args) => {
      seen.push(Array.from({ length: args.count }, (_, i) => args.latin1(i)));
      return 'inner';
    },
  };
  const outer: ScriptHost = {
    call: (args: Args) => {
      const before = Array.from({ length: args.count }, (_, i) => args.latin1(i));
      // Another run inside this call (as a host might resume one): its call must not overwrite ours.
      assert.equal(evalOn(scripts, inner, "return redis.call('INNER', 'zzzzzzzzzzzz', 'y')"), 'inner');
      seen.push(Array.from({ length: args.count }, (_, i) => args.latin1(i)));
      assert.equal(seen.at(-1), before);
      return 'outer';
    },
  };
  assert.equal(evalOn(scripts, outer, "return redis.call('OUTER', 'a', 'b')"), 'outer');
  assert.equal(seen, [['INNER', 'zzzzzzzzzzzz', 'y'], ['OUTER', 'a', 'b']]);
});

t.run();
