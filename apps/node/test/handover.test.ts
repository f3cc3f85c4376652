import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { argsOf, shardOfString } from '@kv/wire';
import { listLength, setEncoding, setMembers, zsetEncoding, zsetRead, type HashReader, type LruHash } from '@kv/lru';
import { del, expiryOf, oldestFirst, put, read, setExpiry, typeOf, valueOf } from './store';
import { exportShard, ShardExport } from '../src/commands/handover';
import { commandNamed } from '../src/commands/table';
import { ReplyTo } from '../src/reply';
import { ShardSet } from '../src/shards/shards';

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
  for (const args of exportShard(from.store(shard)!, shard, to.mapVersion)) {
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
  keys.forEach((key, i) => put(store, key, `value-${i}-${'x'.repeat(i % 400)}`, i % 7 === 0 ? later + i : 0));
  // Read the first hundred again: they become the most recent.
  for (const key of keys.slice(0, 100)) read(store, key);
  // Some slots left empty, as a shard that has evicted or deleted has them.
  for (const key of keys.slice(200, 300)) del(store, key);
  const chunks = exportShard(store, 3, 0);
  assert.ok(chunks.length > 1, `one chunk for ${keys.length} entries`);

  const replies = importAll(from, to, 3);
  // ReplyKind.OK (1), no payload, for every chunk.
  assert.equal(replies, chunks.map(() => '1:'));
  const copy = to.store(3)!;
  assert.equal(to.owned, [3]);
  assert.is(copy.size, store.size);
  assert.is(copy.bytes, store.bytes);
  const order = oldestFirst;
  // Same recency, expiries and slots: a SCAN cursor taken before the move walks the same order.
  assert.equal(order(copy), order(store));
  assert.is(order(copy).at(-1)!.split('=')[0], keys[99]);
  const walk = (lru: typeof store) => {
    const out: string[] = [];
    for (let at = 0; at >= 0; ) at = lru.scanSlots(at, 100, out);
    return out;
  };
  assert.equal(walk(copy), walk(store));
  // The slots left empty are reused by the next writes, not lost.
  const before = walk(copy).length;
  for (const key of keysOf(3, 100, 'new-')) put(copy, key, 'n');
  assert.is(walk(copy).length, before + 100);
  assert.ok(copy.scanSlots(0, 100_000, []) === -1);
});

t('the export is streamed: each chunk is made when asked for, about 1 MB, and the store is read in place', () => {
  const from = new ShardSet([3], 256 * 1024 * 1024);
  const store = from.store(3)!;
  // About 6 MB of entries: six or so chunks.
  for (const key of keysOf(3, 20_000)) put(store, key, 'z'.repeat(300));
  const exporter = new ShardExport(store, 3, 0);
  const first = exporter.next()!;
  let bytes = 0;
  for (let i = 0; i < first.count; i++) bytes += first.length(i);
  assert.ok(bytes > 900_000 && bytes < 1_200_000, `the first chunk holds ${bytes} bytes, not the shard`);
  assert.ok(exporter.entries < 20_000 / 4, `${exporter.entries} entries read for it, not all`);
  assert.not.ok(exporter.done);
  let chunks = 1;
  while (exporter.next() !== null) chunks++;
  assert.ok(chunks >= 5, `${chunks} chunks`);
  assert.is(exporter.entries, 20_000);
  assert.ok(exporter.done);
});

t('a hash moves whole, with its expiry, slot, field order and insertion numbers: an HSCAN cursor goes on after the move', () => {
  const from = new ShardSet([4], 64 * 1024 * 1024);
  const to = new ShardSet([], 64 * 1024 * 1024);
  const store = from.store(4)!;
  const [small, big, plain, bigHash] = keysOf(4, 4);
  const HSET = commandNamed('HSET');
  const HSCAN = commandNamed('HSCAN');
  const sink = () => new ReplyTo(() => {});
  from.executeOn(4, HSET, argsOf(['HSET', small, 'a', '1', 'b', '2']), sink());
  setExpiry(store, small, Date.now() + 60_000);
  put(store, plain, 'v');
  // A hash past one chunk's size goes in parts (handover-parts.test.ts), and arrives whole.
  for (let i = 0; i < 600; i++) from.executeOn(4, HSET, argsOf(['HSET', bigHash, `f${i}`, 'y'.repeat(2000)]), sink());
  for (let i = 0; i < 300; i++) from.executeOn(4, HSET, argsOf(['HSET', big, `f${i}`, String(i)]), sink());
  const HDEL = commandNamed('HDEL');
  for (let i = 0; i < 300; i += 3) from.executeOn(4, HDEL, argsOf(['HDEL', big, `f${i}`]), sink());
  // Half an HSCAN before the move...
  let cursor = '';
  const firstHalf: string[] = [];
  from.executeOn(4, HSCAN, argsOf(['HSCAN', big, '0', 'COUNT', '100']), new ReplyTo((_k, next, items) => {
    cursor = next;
    for (let i = 0; i < items!.length; i += 2) firstHalf.push(items![i]!);
  }));
  assert.not.equal(cursor, '0');
  const replies = importAll(from, to, 4);
  assert.ok(replies.every((r) => r === '1:'), replies.join());
  const copy = to.store(4)!;
  // A packed value comes without the room its block had to grow: charged at most that much less.
  assert.ok(copy.bytes <= store.bytes && store.bytes - copy.bytes < 64, `${copy.bytes} against ${store.bytes}`);
  assert.is(typeOf(copy, small), 'hash');
  assert.ok(copy.isInline(copy.peekKey(small)), 'a small hash stays packed');
  assert.is(expiryOf(copy, small), expiryOf(store, small));
  assert.is(typeOf(copy, plain), 'string');
  assert.equal((valueOf(copy, small) as HashReader).appendTo([], true, true), ['a', '1', 'b', '2']);
  assert.is((valueOf(copy, bigHash) as LruHash).size, 600);
  // ...and the rest after it, on the new owner: every field once.
  const rest: string[] = [];
  while (cursor !== '0') {
    to.executeOn(4, HSCAN, argsOf(['HSCAN', big, cursor, 'COUNT', '100']), new ReplyTo((_k, next, items) => {
      cursor = next;
      for (let i = 0; i < items!.length; i += 2) rest.push(items![i]!);
    }));
  }
  const all = [...firstHalf, ...rest];
  assert.is(all.length, 200);
  assert.is(new Set(all).size, 200);
});

t('a list moves whole, packed or not, with its expiry and slot; the receiver packs it by its own limit', () => {
  const from = new ShardSet([5], 64 * 1024 * 1024);
  const to = new ShardSet([], 64 * 1024 * 1024);
  from.memory.limits.listMaxListpackSize = 4;
  to.memory.limits.listMaxListpackSize = 4;
  const store = from.store(5)!;
  const [small, big, huge] = keysOf(5, 3);
  const RPUSH = commandNamed('RPUSH');
  const sink = () => new ReplyTo(() => {});
  from.executeOn(5, RPUSH, argsOf(['RPUSH', small, 'a', '', 'c']), sink());
  from.executeOn(5, RPUSH, argsOf(['RPUSH', big, ...Array.from({ length: 50 }, (_, i) => `e${i}`)]), sink());
  // A list past one chunk's size goes in parts (handover-parts.test.ts), and arrives whole.
  for (let i = 0; i < 600; i++) from.executeOn(5, RPUSH, argsOf(['RPUSH', huge, 'y'.repeat(2000)]), sink());
  setExpiry(store, big, Date.now() + 60_000);
  assert.ok(store.isInline(store.peekKey(small)));
  assert.not.ok(store.isInline(store.peekKey(big)));
  const replies = importAll(from, to, 5);
  assert.ok(replies.every((r) => r === '1:'), replies.join());
  const copy = to.store(5)!;
  assert.equal(oldestFirst(copy), oldestFirst(store));
  assert.is(typeOf(copy, small), 'list');
  assert.ok(copy.isInline(copy.peekKey(small)));
  assert.not.ok(copy.isInline(copy.peekKey(big)));
  assert.is(expiryOf(copy, big), expiryOf(store, big));
  assert.is(listLength(copy, copy.peekKey(huge)), 600);
  assert.is(copy.check(), null);
});

t('a set moves whole in each form; a big one keeps its SSCAN numbers, so a cursor goes on after the move', () => {
  const from = new ShardSet([6], 64 * 1024 * 1024);
  const to = new ShardSet([], 64 * 1024 * 1024);
  const store = from.store(6)!;
  const [ints, strings, big] = keysOf(6, 3);
  const SADD = commandNamed('SADD');
  const SSCAN = commandNamed('SSCAN');
  const sink = () => new ReplyTo(() => {});
  from.executeOn(6, SADD, argsOf(['SADD', ints, '3', '-7', '100000']), sink());
  from.executeOn(6, SADD, argsOf(['SADD', strings, 'a', '1', '']), sink());
  from.executeOn(6, SADD, argsOf(['SADD', big, ...Array.from({ length: 300 }, (_, i) => `m${i}`)]), sink());
  const SREM = commandNamed('SREM');
  for (let i = 0; i < 300; i += 3) from.executeOn(6, SREM, argsOf(['SREM', big, `m${i}`]), sink());
  let cursor = '';
  const firstHalf: string[] = [];
  from.executeOn(6, SSCAN, argsOf(['SSCAN', big, '0', 'COUNT', '100']), new ReplyTo((_k, next, items) => {
    cursor = next;
    firstHalf.push(...(items as string[]));
  }));
  assert.not.equal(cursor, '0');
  const replies = importAll(from, to, 6);
  assert.ok(replies.every((r) => r === '1:'), replies.join());
  const copy = to.store(6)!;
  for (const key of [ints, strings, big]) {
    assert.is(typeOf(copy, key), 'set');
    assert.equal(setMembers(copy, copy.peekKey(key)).sort(), setMembers(store, store.peekKey(key)).sort());
    assert.is(setEncoding(copy, copy.peekKey(key)), setEncoding(store, store.peekKey(key)), key);
  }
  const rest: string[] = [];
  while (cursor !== '0') {
    to.executeOn(6, SSCAN, argsOf(['SSCAN', big, cursor, 'COUNT', '100']), new ReplyTo((_k, next, items) => {
      cursor = next;
      rest.push(...(items as string[]));
    }));
  }
  assert.is(firstHalf.length + rest.length, 200);
  assert.is(new Set([...firstHalf, ...rest]).size, 200);
  assert.is(copy.check(), null);
});

t('a sorted set moves whole in each form, scores exact (inf, -0, 0.1); a big one keeps its ZSCAN numbers; a malformed one is refused', () => {
  const from = new ShardSet([6], 64 * 1024 * 1024);
  const to = new ShardSet([], 64 * 1024 * 1024);
  const store = from.store(6)!;
  const [small, big] = keysOf(6, 2);
  const ZADD = commandNamed('ZADD');
  const ZSCAN = commandNamed('ZSCAN');
  const sink = () => new ReplyTo(() => {});
  from.executeOn(6, ZADD, argsOf(['ZADD', small, 'inf', 'a', '0.1', 'b', '-inf', '']), sink());
  from.executeOn(6, ZADD, argsOf(['ZADD', big, ...Array.from({ length: 300 }, (_, i) => [i % 3 === 0 ? '-0' : String(i / 7), `m${i}`]).flat()]), sink());
  const ZREM = commandNamed('ZREM');
  for (let i = 0; i < 300; i += 3) from.executeOn(6, ZREM, argsOf(['ZREM', big, `m${i + 1}`]), sink());
  let cursor = '';
  const firstHalf: string[] = [];
  from.executeOn(6, ZSCAN, argsOf(['ZSCAN', big, '0', 'COUNT', '100']), new ReplyTo((_k, next, items) => {
    cursor = next;
    firstHalf.push(...(items as string[]));
  }));
  assert.not.equal(cursor, '0');
  const replies = importAll(from, to, 6);
  assert.ok(replies.every((r) => r === '1:'), replies.join());
  const copy = to.store(6)!;
  const pairs = (lru: typeof store, key: string): string[] => {
    const out: string[] = [];
    const z = zsetRead(lru, lru.peekKey(key));
    z.visit(0, z.size, false, (member, score) => out.push(`${member}=${Object.is(score, -0) ? '-0' : score}`));
    return out;
  };
  for (const key of [small, big]) {
    assert.is(typeOf(copy, key), 'zset');
    assert.equal(pairs(copy, key), pairs(store, key), key);
    assert.is(zsetEncoding(copy, copy.peekKey(key)), zsetEncoding(store, store.peekKey(key)), key);
  }
  const rest: string[] = [];
  while (cursor !== '0') {
    to.executeOn(6, ZSCAN, argsOf(['ZSCAN', big, cursor, 'COUNT', '100']), new ReplyTo((_k, next, items) => {
      cursor = next;
      rest.push(...(items as string[]));
    }));
  }
  assert.is((firstHalf.length + rest.length) / 2, 200);
  assert.is(copy.check(), null);
  // Pairs out of order, or a score that is no number: refused.
  for (const entry of [['Z', 'k', '0', '0', '0', '2', 'b', '2', 'a', '1'], ['Z', 'k', '0', '0', '0', '1', 'a', 'nan'], ['Y', 'k', '0', '0', '0', '1', 'a', '1', 'x']]) {
    let answer = '';
    to.runWorkerCommand(SHARDIMPORT, argsOf(['SHARDIMPORT', '6', String(to.mapVersion), '0', ...entry]), new ReplyTo((kind, payload) => (answer = `${kind}:${payload}`)));
    assert.match(answer, /ERR/, entry.join(' '));
  }
});

t('expired entries are not sent, an empty shard still arrives, `first` starts afresh', () => {
  const from = new ShardSet([5], 1024 * 1024);
  const to = new ShardSet([], 1024 * 1024);
  const [live, gone] = keysOf(5, 2);
  put(from.store(5)!, live, 'a');
  put(from.store(5)!, gone, 'b', Date.now() - 1);
  const chunks = exportShard(from.store(5)!, 5, 0);
  assert.is(chunks.length, 1);
  // SHARDIMPORT shard version flags, then S key value expireAt slot idle.
  assert.is(chunks[0].count, 10);
  importAll(from, to, 5);
  assert.is(valueOf(to.store(5)!, live), 'a');
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
  for (const key of many) put(from.store(7)!, key, 'y'.repeat(200));
  const chunks = exportShard(from.store(7)!, 7, 0);
  const replies: string[] = [];
  // The second chunk alone, without the first that adopts the shard.
  to.runWorkerCommand(SHARDIMPORT, chunks[1], new ReplyTo((_kind, payload) => replies.push(payload)));
  assert.match(replies[0], 'not being handed over');
  assert.is(to.store(7), undefined);
});

t('chunks of another shard map version are refused: a hand-over that timed out leaves nothing', () => {
  const from = new ShardSet([2], 1024 * 1024);
  // Its router routes by map version 7.
  const to = new ShardSet([], 1024 * 1024, 'allkeys-lru', { mapVersion: () => 7 });
  put(from.store(2)!, keysOf(2, 1)[0], 'v');
  const replies: string[] = [];
  for (const args of exportShard(from.store(2)!, 2, 6)) to.runWorkerCommand(SHARDIMPORT, args, new ReplyTo((_kind, payload) => replies.push(payload)));
  assert.match(replies[0], 'shard map version 6');
  assert.is(to.store(2), undefined);
});

t('reconcile drops shards the map gives to others and takes on, empty, those it names', () => {
  const set = new ShardSet([1, 4], 1024 * 1024);
  put(set.store(4)!, keysOf(4, 1)[0], 'stray');
  assert.equal(set.reconcile([1, 9]), { dropped: [4], adopted: [9] });
  assert.equal(set.owned, [1, 9]);
  assert.is(set.store(4), undefined);
  assert.is(set.store(9)!.size, 0);
  assert.equal(set.reconcile([1, 9]), { dropped: [], adopted: [] });
});

t('detach and restore give a shard up and take it back whole; handedOver frees it', () => {
  const set = new ShardSet([1, 4, 9], 1024 * 1024);
  const store = set.store(4)!;
  put(store, keysOf(4, 1)[0], 'kept');
  const used = set.memory.used;
  assert.is(set.detach(4), store);
  assert.equal(set.owned, [1, 9]);
  assert.is(set.store(4), undefined);
  assert.is(set.memory.used, used, 'still charged while its hand-over runs');
  set.restore(4, store);
  assert.equal(set.owned, [1, 4, 9]);
  assert.is(set.store(4), store);
  assert.is(valueOf(store, keysOf(4, 1)[0]), 'kept');
  set.detach(4);
  set.handedOver(store);
  assert.is(set.memory.used, 0);
  assert.is(set.memory.budget, (1024 * 1024 / 16) * 2, 'the budget follows the shards owned');
});

t.run();
