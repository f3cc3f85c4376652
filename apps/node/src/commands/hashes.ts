import type { Args } from '@kv/wire';
import { Kind, LruHash, packedHashDelete, packedHashSet, packHash, type HashReader, type Lru } from '@kv/lru';
import { ENCODINGS, hashFitsPacked } from './encodings';
import { ERR, type ReplySink } from '../reply';
import { peekArg, readArg } from './keyarg';
import { addLongDouble, formatLongDouble, isFiniteLongDouble, parseLongDouble, ZERO } from './long-double';
import { INT64_MAX, INT64_MIN, int64 } from './numbers';

/**
 * Hash commands, as Redis's t_hash.c: a hash is one entry of the shard's Lru, of kind HASH: packed
 * in its block while it is small (hash-max-listpack-entries / -value, as Redis's listpack:
 * libs/lru/src/hash-packed.ts; a write packs it again), else an LruHash, charged for its fields
 * and charged again on each change (libs/lru/src/hash.ts), for good. A key holding a string
 * answers WRONGTYPE; a hash whose last field is deleted is deleted. A write that makes a hash
 * grow first makes room for the growth (Lru.reserve, evicting other keys as the policy says) and
 * answers OOM when there is none, changing nothing. HRANDFIELD and HSCAN are in hash-scan.ts.
 *
 * Reads go through Lru.read (recency and hit/miss counters, as Redis's lookupKeyRead), writes
 * through Lru.peek (Redis's lookupKeyWrite counts nothing) and then hashChanged (recency).
 */

/** writeSlot()'s answer once it has answered WRONGTYPE. */
const WRONG = -2;

/** The hash at argument 1 for a reader: undefined when there is none, null once WRONGTYPE was answered. */
export function readHash(store: Lru, args: Args, reply: ReplySink): HashReader | undefined | null {
  const slot = readArg(store, args, 1);
  if (slot < 0) return undefined;
  switch (store.kindAt(slot)) {
    case Kind.HASH:
      return store.hashReaderAt(slot);
    default:
      reply.error(ERR.wrongType);
      return null;
  }
}

/** The slot of the hash at argument 1 for a writer (no counters): -1 when there is none, WRONG once WRONGTYPE was answered. */
function writeSlot(store: Lru, args: Args, reply: ReplySink): number {
  const slot = peekArg(store, args, 1);
  if (slot < 0) return -1;
  switch (store.kindAt(slot)) {
    case Kind.HASH:
      return slot;
    default:
      reply.error(ERR.wrongType);
      return WRONG;
  }
}

/**
 * Sets fields on the hash at argument 1 (made when missing): the last value of a field given
 * twice wins, a new field goes last, as Redis applies them in turn. The fields that were new, or
 * -1 after answering an error (WRONGTYPE, OOM).
 */
function setFields(store: Lru, args: Args, pairs: Map<string, string> | [string, string], reply: ReplySink): number {
  const slot = writeSlot(store, args, reply);
  if (slot === WRONG) return -1;
  const entries: Iterable<[string, string]> = pairs instanceof Map ? pairs : [pairs];
  if (slot >= 0 && store.isInline(slot) && !(pairs instanceof Map)) {
    // One field of a packed hash that stays packed: set in place (no decoding of the others).
    const [field, value] = pairs;
    const most = ENCODINGS.hashMaxListpackValue;
    if (field.length <= most && value.length <= most && store.hashReaderAt(slot).size < ENCODINGS.hashMaxListpackEntries) {
      const added = packedHashSet(store, slot, field, value);
      if (added === null) reply.error(ERR.oom);
      return added ?? -1;
    }
  }
  if (slot < 0 || store.isInline(slot)) return setPacked(store, args, slot, entries, reply);
  return setBig(store, slot, store.hashAt(slot), entries, reply);
}

/**
 * setFields on a packed hash, or a new one: its pairs with these set, packed again while they fit
 * the packed form, else made an LruHash (for good). The fields that were new, or -1 after OOM.
 */
function setPacked(store: Lru, args: Args, slot: number, entries: Iterable<[string, string]>, reply: ReplySink): number {
  const flat = slot < 0 ? [] : store.hashReaderAt(slot).appendTo([], true, true);
  let added = 0;
  for (const [field, value] of entries) {
    let at = 0;
    while (at < flat.length && flat[at] !== field) at += 2;
    if (at < flat.length) flat[at + 1] = value;
    else {
      flat.push(field, value);
      added++;
    }
  }
  let stored: boolean;
  if (hashFitsPacked(flat)) {
    const { bytes, length } = packHash(flat);
    stored = slot < 0 ? store.createPacked(args.buf, args.starts[1], args.ends[1], Kind.HASH, bytes, 0, length) >= 0 : store.replacePacked(slot, bytes, 0, length);
  } else {
    const made = new LruHash();
    for (let i = 0; i < flat.length; i += 2) made.set(flat[i], flat[i + 1]);
    stored = slot < 0 ? store.setHash(args.buf, args.starts[1], args.ends[1], made) >= 0 : store.toObject(slot, made);
  }
  if (!stored) {
    reply.error(ERR.oom);
    return -1;
  }
  return added;
}

/** setFields on an LruHash: room for its growth first. */
function setBig(store: Lru, slot: number, hash: LruHash, entries: Iterable<[string, string]>, reply: ReplySink): number {
  let growth = 0;
  for (const [field, value] of entries) growth += hash.growthOf(field, value);
  if (!store.reserve(slot, growth)) {
    reply.error(ERR.oom);
    return -1;
  }
  let added = 0;
  for (const [field, value] of entries) if (hash.set(field, value)) added++;
  store.hashChanged(slot);
  return added;
}

/** The field value pairs from args[2...], one field once (its last value). */
function pairsOf(args: Args): Map<string, string> | [string, string] {
  if (args.count === 4) return [args.latin1(2), args.latin1(3)];
  const pairs = new Map<string, string>();
  for (let i = 2; i + 1 < args.count; i += 2) pairs.set(args.latin1(i), args.latin1(i + 1));
  return pairs;
}

/** HSET key field value [field value ...]: the fields added. */
export function hset(store: Lru, args: Args, reply: ReplySink): void {
  if (args.count % 2 !== 0) return reply.error(ERR.arity('HSET'));
  const added = setFields(store, args, pairsOf(args), reply);
  if (added >= 0) reply.integer(added);
}

/** HMSET key field value [field value ...]: HSET answering OK (deprecated in Redis, still there). */
export function hmset(store: Lru, args: Args, reply: ReplySink): void {
  if (args.count % 2 !== 0) return reply.error(ERR.arity('HMSET'));
  if (setFields(store, args, pairsOf(args), reply) >= 0) reply.ok();
}

/** HSETNX key field value: 1 when the field was set, 0 when it existed. */
export function hsetnx(store: Lru, args: Args, reply: ReplySink): void {
  const slot = writeSlot(store, args, reply);
  if (slot === WRONG) return;
  if (slot >= 0 && store.hashReaderAt(slot).has(args.latin1(2))) return reply.integer(0);
  const added = setFields(store, args, [args.latin1(2), args.latin1(3)], reply);
  if (added >= 0) reply.integer(added);
}

export function hget(store: Lru, args: Args, reply: ReplySink): void {
  const hash = readHash(store, args, reply);
  if (hash === null) return;
  const value = hash?.get(args.latin1(2));
  if (value === undefined) reply.nil();
  else reply.bulk(value);
}

export function hmget(store: Lru, args: Args, reply: ReplySink): void {
  const hash = readHash(store, args, reply);
  if (hash === null) return;
  const values: (string | undefined)[] = [];
  for (let i = 2; i < args.count; i++) values.push(hash?.get(args.latin1(i)));
  reply.array(values);
}

/** HDEL key field [field ...]: the fields removed; the key goes with the last one. */
export function hdel(store: Lru, args: Args, reply: ReplySink): void {
  const slot = writeSlot(store, args, reply);
  if (slot === WRONG) return;
  if (slot < 0) return reply.integer(0);
  if (store.isInline(slot) && args.count === 3) {
    // One field: cut out in place; the key goes with its last field.
    const deleted = packedHashDelete(store, slot, args.latin1(2));
    if (deleted && store.hashReaderAt(slot).size === 0) store.remove(slot);
    return reply.integer(deleted ? 1 : 0);
  }
  if (store.isInline(slot)) return reply.integer(deletePacked(store, slot, args));
  const hash = store.hashAt(slot);
  let deleted = 0;
  for (let i = 2; i < args.count; i++) if (hash.delete(args.latin1(i))) deleted++;
  if (deleted > 0) store.hashChanged(slot);
  reply.integer(deleted);
}

/** HDEL on a packed hash: the fields removed; packed again (smaller: it always fits), or the key deleted with its last field. */
function deletePacked(store: Lru, slot: number, args: Args): number {
  const flat = store.hashReaderAt(slot).appendTo([], true, true);
  const gone = new Set<string>();
  for (let i = 2; i < args.count; i++) gone.add(args.latin1(i));
  const kept: string[] = [];
  for (let i = 0; i < flat.length; i += 2) if (!gone.has(flat[i])) kept.push(flat[i], flat[i + 1]);
  const deleted = (flat.length - kept.length) / 2;
  if (deleted === 0) return 0;
  if (kept.length === 0) store.remove(slot);
  else {
    const { bytes, length } = packHash(kept);
    if (!store.replacePacked(slot, bytes, 0, length)) throw new Error('a packed hash that shrank did not fit its entry');
  }
  return deleted;
}

export function hexists(store: Lru, args: Args, reply: ReplySink): void {
  const hash = readHash(store, args, reply);
  if (hash !== null) reply.integer(hash?.has(args.latin1(2)) ? 1 : 0);
}

export function hlen(store: Lru, args: Args, reply: ReplySink): void {
  const hash = readHash(store, args, reply);
  if (hash !== null) reply.integer(hash?.size ?? 0);
}

export function hstrlen(store: Lru, args: Args, reply: ReplySink): void {
  const hash = readHash(store, args, reply);
  if (hash !== null) reply.integer(hash?.get(args.latin1(2))?.length ?? 0);
}

export function hkeys(store: Lru, args: Args, reply: ReplySink): void {
  listing(store, args, reply, true, false);
}

export function hvals(store: Lru, args: Args, reply: ReplySink): void {
  listing(store, args, reply, false, true);
}

/**
 * HGETALL key: field, value, field, value ... in insertion order: a map in RESP3, a flat array
 * in RESP2 (an empty one for a missing key, as Redis).
 */
export function hgetall(store: Lru, args: Args, reply: ReplySink): void {
  listing(store, args, reply, true, true);
}

function listing(store: Lru, args: Args, reply: ReplySink, fields: boolean, values: boolean): void {
  const hash = readHash(store, args, reply);
  if (hash === null) return;
  const items = hash === undefined ? [] : hash.appendTo([], fields, values);
  if (fields && values) reply.map(items);
  else reply.array(items);
}

/** HINCRBY key field increment: the increment first, then the key's type, then the field's value. */
export function hincrby(store: Lru, args: Args, reply: ReplySink): void {
  const by = int64(args.latin1(3));
  if (by === undefined) return reply.error(ERR.notInteger);
  const field = args.latin1(2);
  const slot = writeSlot(store, args, reply);
  if (slot === WRONG) return;
  const old = slot >= 0 ? store.hashReaderAt(slot).get(field) : undefined;
  const current = old === undefined ? 0n : int64(old);
  if (current === undefined) return reply.error(ERR.hashNotInteger);
  const next = current + by;
  if (next > INT64_MAX || next < INT64_MIN) return reply.error(ERR.overflow);
  if (setFields(store, args, [field, next.toString()], reply) >= 0) reply.integer(next);
}

/** HINCRBYFLOAT key field increment: as HINCRBY, with Redis's float errors and long double arithmetic. */
export function hincrbyfloat(store: Lru, args: Args, reply: ReplySink): void {
  const by = parseLongDouble(args.latin1(3));
  if (by === undefined) return reply.error(ERR.notFloat);
  if (!isFiniteLongDouble(by)) return reply.error(ERR.valueNanOrInfinity);
  const field = args.latin1(2);
  const slot = writeSlot(store, args, reply);
  if (slot === WRONG) return;
  const old = slot >= 0 ? store.hashReaderAt(slot).get(field) : undefined;
  const current = old === undefined ? ZERO : parseLongDouble(old);
  if (current === undefined) return reply.error(ERR.hashNotFloat);
  const next = addLongDouble(current, by);
  if (!isFiniteLongDouble(next)) return reply.error(ERR.nanOrInfinity);
  const text = formatLongDouble(next);
  if (setFields(store, args, [field, text], reply) >= 0) reply.bulk(text);
}
