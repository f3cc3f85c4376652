import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LuaEngineFailed, LuaScripts, REPLY_DEPTH_LIMIT, sha1hex, type Reply } from '../src';
import { evalOn, mapHost } from './run';

/**
 * What no script can do to the engine, and what happens if the engine fails anyway: deep and
 * recursive values are bounded as Redis bounds them (no JS or Lua stack overflow, no memory
 * corruption); a test-only fault (an unprotected Lua error, a wasm trap) makes the engine fail,
 * the run that hit it gets an error, runs in flight in it get an error, and a new engine with
 * every cached script compiled into it serves the next script.
 */
const t = suite('lua: faults and bounds');
const host = mapHost();
let scripts: LuaScripts;
const failures: string[] = [];
const replaced: number[] = [];

t.before(async () => {
  scripts = new LuaScripts({ testFaults: true }, { failed: (f) => failures.push(f.message), replaced: (n) => replaced.push(n) });
  await scripts.ready;
});

/** The depth of nested one-element arrays and what is at the bottom. */
function bottom(reply: Reply): { depth: number; value: Reply } {
  let depth = 0;
  while (Array.isArray(reply) && reply.length === 1) {
    reply = reply[0];
    depth++;
  }
  return { depth, value: reply };
}

t("a recursive table: Redis's nesting, then its stack-limit error, and the engine goes on", () => {
  const result = evalOn(scripts, host, 'local a = {}; local b = {a}; a[1] = b; return a');
  assert.equal(bottom(result), { depth: REPLY_DEPTH_LIMIT, value: { err: 'ERR reached lua stack limit' } });
  assert.is(REPLY_DEPTH_LIMIT, 7995, "redis-server 7.0's: 7,995 levels of *1, then -ERR reached lua stack limit");
  const justFits = evalOn(scripts, host, `local t = 'x' for i = 1, ${REPLY_DEPTH_LIMIT - 1} do t = {t} end return t`);
  assert.equal(bottom(justFits), { depth: REPLY_DEPTH_LIMIT - 1, value: 'x' });
  assert.equal(evalOn(scripts, host, 'return 42'), 42n);
});

t("cjson: recursive and deep values stop at lua-cjson's 1000 levels", () => {
  const cases: [string, RegExp][] = [
    ['local t = {} t[1] = t return cjson.encode(t)', /^ERR user_script:1: Cannot serialise, excessive nesting \(1001\) script: /],
    ["return cjson.decode(string.rep('[', 100000) .. string.rep(']', 100000))", /^ERR user_script:1: Found too many nested data structures \(1001\) at character 1001 script: /],
    ["return cjson.decode(string.rep('{\"a\":', 5000) .. '1' .. string.rep('}', 5000))", /^ERR user_script:1: Found too many nested data structures \(1001\) at character 5001 script: /],
  ];
  for (const [body, error] of cases) assert.match((evalOn(scripts, host, body) as { err: string }).err, error, body);
  assert.is(evalOn(scripts, host, 'local t = {} for i = 1, 999 do t = {t} end return #cjson.encode(t)'), 2000n);
});

t('a script that asks for more than the engine can hold gets an error; the engine goes on', () => {
  const reply = evalOn(scripts, host, "local s = string.rep('x', 2^31 + 10) return #s") as { err: string };
  assert.match(reply.err, /^ERR user_script:1: resulting string too large script: /);
  assert.equal(evalOn(scripts, host, "return redis.call('PING')"), { ok: 'PONG' });
});

for (const kind of ['panic', 'trap']) {
  t(`a ${kind} in the engine: that run fails, runs in flight fail, and a new engine with every script serves the next`, async () => {
    const before = failures.length;
    const loaded = scripts.add("return 'kept ' .. ARGV[1]", 'load') as { sha: string };
    const waiting = scripts.add("local r = redis.call('LATER') return r", 'eval') as { sha: string };
    const inFlight = scripts.start(waiting.sha, [], [], host, 5000);
    assert.equal(inFlight.resume(), { done: false });
    const faulty = `redis.__kv_fault('${kind}')`;
    assert.throws(() => evalOn(scripts, host, faulty), (err: Error) => err instanceof LuaEngineFailed);
    assert.is(failures.length, before + 1, 'told once');
    assert.is(scripts.engine, null, 'no engine runs anything until the new one is ready');
    assert.throws(() => inFlight.resume('late'), (err: Error) => err instanceof LuaEngineFailed);
    const engine = await scripts.ready;
    assert.is(scripts.engine, engine);
    assert.ok(engine.has(loaded.sha) && engine.has(waiting.sha) && engine.has(sha1hex(faulty)), 'every cached script compiled into the new engine');
    const run = scripts.start(loaded.sha, [], ['still'], host, 1000);
    assert.equal(run.resume(), { done: true, result: 'kept still' });
    assert.is(replaced.at(-1), scripts.cache.size);
  });
}

t('an engine that cannot start: ready rejects (its owner decides what that means)', async () => {
  const broken = new LuaScripts({ failStart: true });
  await broken.ready.then(
    () => assert.unreachable('started'),
    (err: Error) => assert.match(err.message, /failed to start/),
  );
  assert.is(broken.engine, null);
});

t.run();
