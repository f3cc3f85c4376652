import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { exportShard } from '../src/commands/handover';
import { commandNamed } from '../src/commands/table';
import { ReplyTo } from '../src/reply';
import { ShardSet } from '../src/shards';

const t = suite('node:shard hand-over');
const SHARDIMPORT = commandNamed('SHARDIMPORT');

function keysOf(shard: number, n: number, prefix = 'k'): string[] {
  const keys: string[] = [];
  for (let i = 0; keys.length < n; i++) if (shardOfString(`${prefix}${i}`) === shard) keys.push(`${prefix}${i}`);
  return keys;
}

/** Runs every SHARDIMPORT chunk on `to`, returning the replies. */
function importAll(from: ShardSet, to: ShardSet, shard: number): string[] {
  const replies: string[] = [];
  for (const args of exportShard(from.store(shard)!, shard)) {
    to.runWorkerCommand(SHARDIMPORT, args, new ReplyTo((kind, payload) => replies.push(`${kind}:${payload}`)));
  }
  return replies;
}

t('entries, expiries and recency order arrive whole, in chunks for a big shard', () => {
  const from = new ShardSet([3], 64 * 1024 * 1024);
  const to = new ShardSet([], 64 * 1024 * 1024);
  const store = from.store(3)!;
  const keys = keysOf(3, 8000);
  const later = Date.now() + 60_000;
  keys.forEach((key, i) => store.set(key, `value-${i}-${'x'.repeat(i % 400)}`, i % 7 === 0 ? later + i : 0));
  // Read the first hundred again: they become the most recent.
  for (const key of keys.slice(0, 100)) store.get(key);
  const chunks = exportShard(store, 3);
  assert.ok(chunks.length > 1, `one chunk for ${keys.length} entries`);

  const replies = importAll(from, to, 3);
  // ReplyKind.OK (1), no payload, for every chunk.
  assert.equal(replies, chunks.map(() => '1:'));
  const copy = to.store(3)!;
  assert.equal(to.owned, [3]);
  assert.is(copy.size, store.size);
  assert.is(copy.bytes, store.bytes);
  const order = (lru: typeof store) => {
    const seen: string[] = [];
    lru.forEachOldestFirst((key, value, expireAt) => {
      seen.push(`${key}=${value}@${expireAt}`);
    });
    return seen;
  };
  assert.equal(order(copy), order(store));
  assert.is(order(copy).at(-1)!.split('=')[0], keys[99]);
});

t('expired entries are not sent, an empty shard still arrives, `first` starts afresh', () => {
  const from = new ShardSet([5], 1024 * 1024);
  const to = new ShardSet([], 1024 * 1024);
  const [live, gone] = keysOf(5, 2);
  from.store(5)!.set(live, 'a');
  from.store(5)!.set(gone, 'b', Date.now() - 1);
  const chunks = exportShard(from.store(5)!, 5);
  assert.is(chunks.length, 1);
  assert.is(chunks[0].count, 6);
  importAll(from, to, 5);
  assert.is(to.store(5)!.get(live), 'a');
  assert.is(to.store(5)!.size, 1);
  // A second hand-over of the (now empty) shard replaces what the first one left.
  from.store(5)!.clear();
  importAll(from, to, 5);
  assert.is(to.store(5)!.size, 0);
});

t('a chunk for a shard not being taken on is refused', () => {
  const to = new ShardSet([], 64 * 1024 * 1024);
  const from = new ShardSet([7], 64 * 1024 * 1024);
  const many = keysOf(7, 6000);
  for (const key of many) from.store(7)!.set(key, 'y'.repeat(200));
  const chunks = exportShard(from.store(7)!, 7);
  const replies: string[] = [];
  // The second chunk alone, without the first that adopts the shard.
  to.runWorkerCommand(SHARDIMPORT, chunks[1], new ReplyTo((_kind, payload) => replies.push(payload)));
  assert.match(replies[0], 'not being handed over');
  assert.is(to.store(7), undefined);
});

t('drop and restore give a shard up and take it back', () => {
  const set = new ShardSet([1, 4, 9], 1024 * 1024);
  const store = set.store(4)!;
  set.drop(4);
  assert.equal(set.owned, [1, 9]);
  assert.is(set.store(4), undefined);
  set.restore(4, store);
  assert.equal(set.owned, [1, 4, 9]);
  assert.is(set.store(4), store);
});

t.run();
