import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { argsOf, ReplyKind, shardOfString, type Items } from '@kv/wire';
import { commandNamed } from '../src/commands/table';
import { ReplyTo } from '../src/reply';
import { ShardSet } from '../src/shards/shards';
import { put, typeOf, valueOf } from './store';

/**
 * A transaction's participant (txn.ts) on keys holding hashes: MGET reads them as nil, MSET
 * overwrites them (its room counted from the hash's charge), MSETNX counts them as existing.
 */
const t = suite('node:transactions over hashes');
const ALL = Array.from({ length: 16 }, (_, i) => i);
const TXPREPARE = commandNamed('TXPREPARE');
const HSET = commandNamed('HSET');

function prepare(shards: ShardSet, txid: string, mode: string, ...rest: string[]): [ReplyKind, string, Items | undefined] {
  let got: [ReplyKind, string, Items | undefined] | undefined;
  shards.runWorkerCommand(TXPREPARE, argsOf(['TXPREPARE', txid, '0', mode, ...rest]), new ReplyTo((kind, payload, items) => (got = [kind, payload, items])));
  return got!;
}

function hset(shards: ShardSet, key: string, ...pairs: string[]): void {
  shards.execute(HSET, argsOf(['HSET', key, ...pairs]), new ReplyTo(() => {}));
}

t('MGET answers nil for a hash, MSETNX counts it as there, MSET overwrites it with a string', () => {
  const shards = new ShardSet(ALL, 16 << 20);
  hset(shards, 'h', 'f', 'v');
  put(shards.store(shardOfString('s'))!, 's', 'str');
  assert.equal(prepare(shards, 't1', 'read', 'h', 's', 'none'), [ReplyKind.ARRAY, '', [undefined, 'str', undefined]]);
  assert.ok(shards.abort('t1'));
  assert.equal(prepare(shards, 't2', 'write-new', 'h', '1', 'fresh', '2').slice(0, 2), [ReplyKind.INTEGER, '1']);
  assert.ok(shards.commit('t2'));
  assert.is(typeOf(shards.store(shardOfString('fresh'))!, 'fresh'), 'none', 'MSETNX wrote nothing');
  assert.equal(prepare(shards, 't3', 'write', 'h', 'now a string').slice(0, 2), [ReplyKind.INTEGER, '0']);
  assert.ok(shards.commit('t3'));
  const store = shards.store(shardOfString('h'))!;
  assert.is(typeOf(store, 'h'), 'string');
  assert.is(valueOf(store, 'h'), 'now a string');
});

t('noeviction: an MSET over a big hash fits in the room the hash frees; one that does not fit is OOM, all or nothing', () => {
  const perShard = 64 * 1024;
  // One shard owned: the worker's budget is that shard's 16th of maxmemory.
  const shards = new ShardSet([shardOfString('big')], perShard * 16, 'noeviction');
  const store = shards.store(shardOfString('big'))!;
  for (let i = 0; i < 100; i++) hset(shards, 'big', `field${i}`, 'x'.repeat(300));
  assert.ok(store.bytes > perShard / 2, `the hash takes ${store.bytes} of ${perShard}`);
  const large = 'y'.repeat(perShard - 1000);
  // {big}other shares the shard of 'big' (its hash tag): the hash leaves no room for it.
  assert.is(shardOfString('{big}other'), shardOfString('big'));
  assert.equal(prepare(shards, 't1', 'write', '{big}other', large).slice(0, 2), [ReplyKind.ERROR, "OOM command not allowed when used memory > 'maxmemory'."]);
  // Overwriting the hash itself frees its bytes first.
  assert.equal(prepare(shards, 't2', 'write', 'big', large).slice(0, 2), [ReplyKind.INTEGER, '0']);
  assert.ok(shards.commit('t2'));
  assert.is(shards.droppedWrites, 0);
  assert.is(valueOf(store, 'big'), large);
});

t.run();
