import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { argsOf, shardOfString, type Args } from '@kv/wire';
import { Kind, listItems, type Lru, type LruHash, type LruSet, type LruStream, type LruZset } from '@kv/lru';
import { put, valueOf } from './store';
import { ShardExport } from '../src/commands/handover';
import { CHUNK_BYTES } from '../src/commands/handover-parts';
import { commandNamed } from '../src/commands/table';
import { ReplyTo } from '../src/reply';
import { ShardSet } from '../src/shards/shards';

/**
 * A big value in a shard's hand-over goes in parts over several chunks (handover-parts.ts): no
 * chunk grows with the value, the receiver stores it whole with its last part (never half of it),
 * and every kind arrives as it was, its scan numbers and recency kept.
 */
const t = suite('node:a big value in parts in a hand-over');
const SHARDIMPORT = commandNamed('SHARDIMPORT');
const sink = () => new ReplyTo(() => {});

function keysOf(shard: number, n: number, prefix = 'k'): string[] {
  const keys: string[] = [];
  for (let i = 0; keys.length < n; i++) if (shardOfString(`${prefix}${i}`) === shard) keys.push(`${prefix}${i}`);
  return keys;
}

function bytesOf(chunk: Args): number {
  let bytes = 0;
  for (let i = 0; i < chunk.count; i++) bytes += chunk.length(i);
  return bytes;
}

function run(set: ShardSet, name: string, ...args: string[]): void {
  set.executeOn(9, commandNamed(name), argsOf([name, ...args]), sink());
}

/** Every big kind, with small entries between them, in shard 9 of `from`. */
function fill(from: ShardSet): { keys: string[]; smalls: string[] } {
  const keys = keysOf(9, 6, 'big');
  const smalls = keysOf(9, 40, 'small');
  const [str, list, hash, set, zset, stream] = keys;
  const piece = (i: number) => `${i}:`.padEnd(2000, String.fromCharCode(97 + (i % 26)));
  put(from.store(9)!, smalls[0], 'first');
  put(from.store(9)!, str, Array.from({ length: 2600 }, (_, i) => piece(i)).join(''));
  put(from.store(9)!, smalls[1], 'between');
  for (let i = 0; i < 3000; i += 100) run(from, 'RPUSH', list, ...Array.from({ length: 100 }, (_, j) => piece(i + j)));
  for (let i = 0; i < 2000; i++) run(from, 'HSET', hash, `f${i}`, piece(i));
  // Holes in the numbering: an HSCAN/SSCAN/ZSCAN cursor must stay valid across the move.
  for (let i = 0; i < 2000; i += 7) run(from, 'HDEL', hash, `f${i}`);
  for (let i = 0; i < 2000; i++) run(from, 'SADD', set, piece(i));
  for (let i = 0; i < 2000; i += 5) run(from, 'SREM', set, piece(i));
  for (let i = 0; i < 2000; i++) run(from, 'ZADD', zset, String(i % 13 === 0 ? -i : i / 3), piece(i));
  for (let i = 0; i < 1500; i++) run(from, 'XADD', stream, `${i + 1}-1`, 'f', piece(i));
  run(from, 'XDEL', stream, '5-1', '700-1');
  for (let i = 2; i < 40; i++) put(from.store(9)!, smalls[i], `small-${i}`);
  return { keys, smalls };
}

/** Every key, least recently used first, with its expiry and slot. */
function orderOf(lru: Lru): string[] {
  const out: string[] = [];
  for (let slot = lru.oldest; slot !== -1; slot = lru.newerThan(slot)) out.push(`${lru.keyString(slot)}@${lru.expireAt(slot)}#${slot}`);
  return out;
}

/** What a value holds, as text, with scan numbers where the kind keeps them. */
function contentOf(set: ShardSet, key: string): string {
  const store = set.store(9)!;
  const slot = store.peekKey(key);
  if (slot < 0) return 'missing';
  const value = valueOf(store, key);
  if (typeof value === 'string') return value;
  const kind = store.kindAt(slot);
  const out: string[] = [String(kind)];
  if (kind === Kind.LIST) out.push(...listItems(store, slot));
  else if (kind === Kind.HASH) store.objectAt<LruHash>(slot).forEachNumbered((f, v, seq) => void out.push(f, v, String(seq)));
  else if (kind === Kind.SET || kind === Kind.ZSET) store.objectAt<LruSet | LruZset>(slot).members.forEachNumbered((m, score, seq) => void out.push(m, String(score), String(seq)));
  else {
    const { meta, blocks } = store.objectAt<LruStream>(slot).serialize();
    out.push(...meta, ...blocks.map((b) => b.toString('latin1')));
  }
  return out.join('\n');
}

t('every kind of big value is sent in parts: no chunk much past CHUNK_BYTES, each value arrives whole and equal', () => {
  const from = new ShardSet([9], 1024 * 1024 * 1024);
  const to = new ShardSet([], 1024 * 1024 * 1024);
  const { keys, smalls } = fill(from);
  const store = from.store(9)!;
  const exporter = new ShardExport(store, 9, to.mapVersion);
  const replies: string[] = [];
  let chunks = 0;
  for (let chunk = exporter.next(); chunk !== null; chunk = exporter.next(), chunks++) {
    assert.ok(bytesOf(chunk) < CHUNK_BYTES + 8 * 1024, `chunk ${chunks}: ${bytesOf(chunk)} bytes`);
    to.runWorkerCommand(SHARDIMPORT, chunk, new ReplyTo((kind, payload) => replies.push(`${kind}:${payload}`)));
  }
  assert.ok(chunks >= 20, `${chunks} chunks for about 26 MB`);
  assert.ok(replies.every((r) => r === '1:'), replies.join());
  assert.is(exporter.entries, keys.length + smalls.length);
  const copy = to.store(9)!;
  for (const key of [...keys, ...smalls]) assert.ok(contentOf(to, key) === contentOf(from, key), key);
  assert.equal(orderOf(copy), orderOf(store));
  assert.is(copy.size, store.size);
  assert.is(copy.check(), null);
  // The string was given all its room at once: charged as the sender's, within its growth room.
  assert.ok(Math.abs(copy.bytes - store.bytes) < 2 * CHUNK_BYTES, `${copy.bytes} against ${store.bytes}`);
});

t('a value in parts is not in the store until its last part came', () => {
  const from = new ShardSet([9], 1024 * 1024 * 1024);
  const to = new ShardSet([], 1024 * 1024 * 1024);
  const [list] = keysOf(9, 1, 'big');
  for (let i = 0; i < 3000; i += 100) run(from, 'RPUSH', list, ...Array.from({ length: 100 }, () => 'z'.repeat(2000)));
  const exporter = new ShardExport(from.store(9)!, 9, to.mapVersion);
  const chunks: Args[] = [];
  for (let chunk = exporter.next(); chunk !== null; chunk = exporter.next()) chunks.push(argsOf(Array.from({ length: chunk.count }, (_, i) => chunk.latin1(i))));
  assert.ok(chunks.length >= 5, `${chunks.length} chunks`);
  for (const [n, chunk] of chunks.entries()) {
    to.runWorkerCommand(SHARDIMPORT, chunk, sink());
    assert.is(to.store(9)!.peekKey(list) >= 0, n === chunks.length - 1, `after chunk ${n}`);
  }
  assert.is(contentOf(to, list), contentOf(from, list));
});

t('a string evicted between two of its parts is dropped and reported as not fitting, nothing else lost', () => {
  const from = new ShardSet([9], 1024 * 1024 * 1024);
  const to = new ShardSet([], 1024 * 1024 * 1024);
  const [big, small] = keysOf(9, 2, 'big');
  put(from.store(9)!, big, 'q'.repeat(3 * CHUNK_BYTES));
  put(from.store(9)!, small, 'after');
  const exporter = new ShardExport(from.store(9)!, 9, to.mapVersion);
  const answers: string[] = [];
  for (let chunk = exporter.next(), n = 0; chunk !== null; chunk = exporter.next(), n++) {
    to.runWorkerCommand(SHARDIMPORT, chunk, new ReplyTo((kind, payload) => answers.push(`${kind}:${payload}`)));
    // As the worker's eviction would, after the first part.
    if (n === 0) to.store(9)!.remove(to.store(9)!.peekKey(big));
  }
  // The chunk with its last part says so; every other chunk is taken.
  assert.is(answers.filter((a) => a !== '1:').join(), '4:ERR 1 entries did not fit', answers.join());
  assert.is(to.store(9)!.peekKey(big), -1);
  assert.is(valueOf(to.store(9)!, small), 'after');
  assert.is(to.store(9)!.check(), null);
});

t('a part out of place is refused: a continuation with no value begun, a last chunk with one unfinished, a packed value marked big', () => {
  const to = new ShardSet([], 64 * 1024 * 1024);
  const answer = (flags: number, ...entry: string[]) => {
    let text = '';
    to.runWorkerCommand(SHARDIMPORT, argsOf(['SHARDIMPORT', '9', String(to.mapVersion), String(flags), ...entry]), new ReplyTo((kind, payload) => (text = `${kind}:${payload}`)));
    return text;
  };
  assert.match(answer(1, 'C', '1', 'x'), /ERR/);
  assert.match(answer(1, 'E', '0'), /ERR/);
  assert.match(answer(1 | 2, '+', '10', 'L', 'k', '0', '0', '0', '1', 'a'), /ERR/, 'the last chunk ends inside a value');
  assert.match(answer(1, '+', '10', 'P', 'k', '0', '0', '0', '1', 'f', 'v'), /ERR/, 'a packed hash is never sent in parts');
  // Begun, then finished by the next chunk: stored whole.
  assert.is(answer(1, '+', '10', 'L', 'k', '0', '0', '0', '1', 'a'), '1:');
  assert.is(answer(2, 'E', '2', 'b', 'c'), '1:');
  assert.equal(listItems(to.store(9)!, to.store(9)!.peekKey('k')), ['a', 'b', 'c']);
});

t.run();
