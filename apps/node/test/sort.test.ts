import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { argsOf, shardOfString } from '@kv/wire';
import { gatheredKeys, movesAcross, sortStoreAt } from '../src/commands/key-positions';
import { commandNamed } from '../src/commands/table';
import { memStore } from './store';
import { run } from './run-command';

/**
 * SORT's keys as Redis's sortGetKeys finds them (tests/unit/sort.tcl's COMMAND GETKEYS cases, which
 * this server cannot answer), its patterns kept to the key's shard, and its handler's edges.
 */
const t = suite('node:sort');

const SORT = commandNamed('SORT');
const SORT_RO = commandNamed('SORT_RO');
const BY_ACROSS = { error: 'ERR BY option of SORT denied in Cluster mode when keys formed by the pattern may be in different slots.' };
const GET_ACROSS = { error: 'ERR GET option of SORT denied in Cluster mode when keys formed by the pattern may be in different slots.' };

t('the STORE destination is the last STORE\'s argument, past LIMIT\'s two and BY\'s and GET\'s one (sortGetKeys)', () => {
  const at = (...argv: string[]) => sortStoreAt(argsOf(['SORT', ...argv]));
  assert.is(at('abc', 'store', 'def'), 3);
  assert.is(at('abc', 'store', 'invalid', 'store', 'stillbad', 'store', 'def'), 7);
  assert.is(at('abc', 'STORE'), 0, 'no key after it');
  assert.is(at('abc', 'GET', 'store', 'LIMIT', 'store', 'x'), 0, 'option arguments are skipped');
  assert.is(at('abc', 'BY', 'w_*', 'LIMIT', '0', '1', 'STORE', 'd', 'DESC'), 8);
  assert.is(at('abc'), 0);
});

t('the destination is a key to gather (of another shard: gathered), for SORT only', () => {
  const args = argsOf(['SORT', '{a}k', 'DESC', 'STORE', '{b}d']);
  assert.equal(gatheredKeys(SORT, args), [1, 4]);
  assert.is(movesAcross(SORT, args), shardOfString('{a}') !== shardOfString('{b}'));
  assert.not.ok(movesAcross(SORT, argsOf(['SORT', '{a}k', 'STORE', '{a}d'])));
  assert.equal(gatheredKeys(SORT_RO, argsOf(['SORT_RO', '{a}k', 'STORE', '{b}d'])), [1]);
});

t('patterns: under the key\'s own hash tag, `#`, or without `*`; others refused as Redis Cluster, before the key is looked at', () => {
  const lru = memStore(1 << 20);
  run(lru, 'RPUSH', '{u}l', 'b', 'a');
  run(lru, 'SET', '{u}w_a', '2');
  run(lru, 'SET', '{u}w_b', '1');
  run(lru, 'HSET', '{u}h_a', 'f', 'x');
  assert.equal(run(lru, 'SORT', '{u}l', 'BY', '{u}w_*'), ['b', 'a']);
  assert.equal(run(lru, 'SORT', '{u}l', 'BY', 'nosort', 'GET', '#', 'GET', '{u}h_*->f', 'GET', 'const'), ['b', null, null, 'a', 'x', null]);
  for (const pattern of ['w_*', '*{u}', '{}*', '{*}u', '{u\\}*', '?{u}*', '[{u}*']) {
    assert.equal(run(lru, 'SORT', '{u}l', 'BY', pattern), BY_ACROSS, pattern);
    assert.equal(run(lru, 'SORT_RO', '{u}l', 'GET', pattern), GET_ACROSS, pattern);
  }
  run(lru, 'SET', '{u}s', 'v');
  assert.equal(run(lru, 'SORT', '{u}s', 'GET', 'x_*'), GET_ACROSS);
  assert.equal(run(lru, 'SORT', '{u}s'), { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' });
});

t('weights as strtod reads them; LIMIT at its edges; STORE of nothing deletes the destination', () => {
  const lru = memStore(1 << 20);
  run(lru, 'RPUSH', '{u}n', '0x10', ' 7', '', '-inf', '1e2', '3');
  assert.equal(run(lru, 'SORT', '{u}n'), ['-inf', '', '3', ' 7', '0x10', '1e2']);
  assert.equal(run(lru, 'SORT', '{u}n', 'LIMIT', '1', '2', 'DESC'), ['0x10', ' 7']);
  assert.equal(run(lru, 'SORT', '{u}n', 'LIMIT', '-5', '-1'), ['-inf', '', '3', ' 7', '0x10', '1e2']);
  assert.equal(run(lru, 'SORT', '{u}n', 'LIMIT', '6', '1'), []);
  assert.equal(run(lru, 'SORT', '{u}n', 'LIMIT', '0', '0'), []);
  assert.equal(run(lru, 'SORT', '{u}n', 'LIMIT', '0', 'x'), { error: 'ERR value is not an integer or out of range' });
  run(lru, 'RPUSH', '{u}n', '7 ');
  assert.equal(run(lru, 'SORT', '{u}n'), { error: "ERR One or more scores can't be converted into double" });
  assert.equal(run(lru, 'SORT', '{u}n', 'BY', 'nosort', 'LIMIT', '0', '2', 'DESC'), ['7 ', '3']);
  run(lru, 'SET', '{u}d', 'v');
  assert.is(run(lru, 'SORT', '{u}none', 'STORE', '{u}d'), 0);
  assert.is(run(lru, 'EXISTS', '{u}d'), 0);
  assert.equal(run(lru, 'SORT_RO', '{u}n', 'STORE', '{u}d'), { error: 'ERR syntax error' });
});

t.run();
