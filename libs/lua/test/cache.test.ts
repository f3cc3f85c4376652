import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EVAL_SCRIPTS_LIMIT, ScriptCache, sha1hex } from '../src';

/**
 * The script cache's bound, as Redis 7.4's tests/unit/scripting.tcl checks it ("Lua scripts
 * eviction ..."): EVAL scripts past 500 are evicted least recently used first, SCRIPT LOAD ones
 * never; the counts INFO reports (number_of_cached_scripts, evicted_scripts) follow. Checked
 * after every step: the LRU list and the counts agree.
 */
const t = suite('lua: script cache');

/** What the router does for an EVAL: keep it, then evict what is past the bound. */
function evalBody(cache: ScriptCache, body: string): string[] {
  const sha = sha1hex(body);
  cache.add(sha, body, 'eval');
  const victims = cache.victims(sha);
  for (const v of victims) cache.evict(v);
  check(cache);
  return victims;
}

function check(cache: ScriptCache): void {
  let evalCount = 0;
  let bytes = 0;
  for (const s of cache.list()) {
    if (s.kind === 'eval') evalCount++;
    bytes += s.body.length;
  }
  assert.is(cache.evalCount, evalCount);
  assert.ok(cache.evalCount <= EVAL_SCRIPTS_LIMIT);
  assert.ok(cache.bytes >= bytes && cache.bytes <= bytes + cache.size * 200);
}

t('eviction does not generate many scripts: 1,000 EVALs leave 500, evicted 500', () => {
  const cache = new ScriptCache();
  for (let j = 1; j <= 500; j++) evalBody(cache, `return ${j}`);
  assert.is(cache.size, 500);
  assert.is(cache.evicted, 0);
  for (let j = 501; j <= 1000; j++) evalBody(cache, `return ${j}`);
  assert.is(cache.has(sha1hex('return 1')), false);
  assert.is(cache.has(sha1hex('return 500')), false);
  assert.is(cache.has(sha1hex('return 501')), true);
  assert.is(cache.evicted, 500);
  assert.is(cache.size, 500);
});

t('eviction is plain LRU: a script used again is kept', () => {
  const cache = new ScriptCache();
  for (let j = 1; j <= 500; j++) evalBody(cache, `return ${j}`);
  evalBody(cache, 'return 1');
  cache.touch(sha1hex('return 2'));
  assert.equal(evalBody(cache, 'return 1000'), [sha1hex('return 3')]);
  assert.is(cache.has(sha1hex('return 1')), true);
  assert.is(cache.has(sha1hex('return 2')), true);
  assert.is(cache.has(sha1hex('return 500')), true);
  assert.is(cache.evicted, 1);
  assert.is(cache.size, 500);
});

t('eviction does not affect SCRIPT LOAD: n loaded + n EVAL leave n + 500', () => {
  const cache = new ScriptCache();
  const n = 700;
  for (let j = 1; j <= n; j++) {
    cache.add(sha1hex(`return ${j}`), `return ${j}`, 'load');
    evalBody(cache, `return 'str_${j}'`);
  }
  assert.is(cache.evicted, n - 500);
  assert.is(cache.size, n + 500);
  // A SCRIPT LOAD of one EVAL brought in keeps it for good.
  const kept = sha1hex("return 'str_700'");
  cache.add(kept, "return 'str_700'", 'load');
  for (let j = 1; j <= 600; j++) evalBody(cache, `return 'more_${j}'`);
  assert.is(cache.has(kept), true);
  assert.is(cache.kindOf(kept), 'load');
  check(cache);
});

t('flush forgets everything; list gives loaded ones first, then EVAL ones oldest first', () => {
  const cache = new ScriptCache();
  evalBody(cache, 'return 1');
  cache.add(sha1hex('return 2'), 'return 2', 'load');
  evalBody(cache, 'return 3');
  assert.equal([...cache.list()].map((s) => s.body), ['return 2', 'return 1', 'return 3']);
  cache.clear();
  assert.is(cache.size, 0);
  assert.is(cache.bytes, 0);
  check(cache);
});

t.run();
