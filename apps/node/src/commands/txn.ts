import { shardOfString, type Args } from '@kv/wire';
import { Kind, type Lru } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import type { WorkerShards } from '../types';

/**
 * The participant's side of a transaction over several workers (apps/router/src/coord/txn.ts is the
 * coordinator). Internal commands, never accepted from clients:
 *   TXPREPARE txid coordinator read|write|write-new key [value] ...  hold these shards; answer what the mode
 *                                                         needs (the table's `atomic`: MGET, MSET, MSETNX)
 *   TXCOMMIT txid                                         apply the held writes, release (no reply)
 *   TXABORT txid                                          release without writing (no reply)
 *   TXHOLD txid coordinator [key version] ...             hold these shards for a MULTI/EXEC or a
 *                                                         script (its commands come as TXRUN);
 *                                                         answer how many WATCHed keys changed
 */

/** TXPREPARE: runs in its turn (the caller passes it through ShardSet.run), then holds the shards. */
export function txprepare(shards: WorkerShards, args: Args, reply: ReplySink, from: number): void {
  const txid = args.latin1(1);
  // `from` is the link it came on, not the coordinator's index: a restarted coordinator's new
  // link must not release what its predecessor's transaction held, nor the other way round.
  // Its coordinator's link closed while this prepare waited its turn: no one will ever commit it.
  if (from >= 0 && shards.isGone(from)) return reply.error(ERR.coordinatorGone);
  const mode = args.latin1(3);
  if (mode === 'read') {
    const values: (string | undefined)[] = [];
    for (let i = 4; i < args.count; i++) {
      const key = args.latin1(i);
      const store = shards.store(shardOfString(key));
      // Routed by a map this worker no longer matches: an error, as GET would answer, not a nil.
      if (store === undefined) return reply.error(ERR.notOwned);
      // As Redis's MGET: nil for a key holding another type (a hash).
      const slot = store.readKey(key);
      // Client-side caching: a tracking client's read (MGET over several workers) is remembered here.
      if (shards.client > 0) store.trackKey(shardOfString(key), key, shards.client);
      values.push(slot >= 0 && store.kindAt(slot) === Kind.STRING ? store.valueString(slot) : undefined);
    }
    shards.holdFor(txid, from, []);
    reply.array(values);
    return;
  }
  // The last value of a key wins, as in Redis; room is counted once per key.
  const latest = new Map<string, string>();
  for (let i = 4; i + 1 < args.count; i += 2) latest.set(args.latin1(i), args.latin1(i + 1));
  const writes: [string, string][] = [];
  let existing = 0;
  for (const [key, value] of latest) {
    const store = shards.store(shardOfString(key));
    if (store === undefined) return reply.error(ERR.notOwned);
    if (store.costOf(key.length, value.length) > shards.memory.budget) return reply.error(ERR.oom);
    if (mode === 'write-new' && store.peekKey(key) >= 0) existing++;
    writes.push([key, value]);
  }
  // All or nothing: every write must fit, in the order commit applies them, given the ones before.
  if (!writesFit(shards, writes)) return reply.error(ERR.oom);
  shards.holdFor(txid, from, existing > 0 ? [] : writes);
  reply.integer(existing);
}

/**
 * True when every write fits the worker's budget, applied in this order (what ShardSet.commit
 * does), so a commit never drops one. It follows the bytes the policy cannot free:
 *  - allkeys-lru frees anything, so only an entry larger than the whole budget fails (checked above);
 *  - noeviction frees nothing: the bytes charged after each write must stay within the budget;
 *  - volatile-lru frees only entries with a TTL (an MSET'd key loses its TTL): the bytes of entries
 *    without one must stay within the budget after each write.
 * Each write is charged what Lru.setString would charge it (costOfSet: in place, or a new block).
 * `writes` name each key once (txprepare keeps the last value of a key).
 */
export function writesFit(shards: WorkerShards, writes: readonly [string, string][]): boolean {
  const memory = shards.memory;
  if (memory.policy === 'allkeys-lru') return true;
  let volatileBytes = 0;
  for (const s of shards.owned) volatileBytes += shards.store(s)!.volatileBytes;
  let bytes = memory.policy === 'noeviction' ? memory.used : memory.used - volatileBytes;
  for (const [key, value] of writes) {
    const store = shards.store(shardOfString(key));
    if (store === undefined) return false;
    const slot = store.peekKey(key);
    const before = slot < 0 ? 0 : store.chargeAt(slot);
    const freedByOverwrite = memory.policy === 'noeviction' || (slot >= 0 && store.expireAt(slot) === 0) ? before : 0;
    bytes += store.costOfSet(slot, key.length, value.length) - freedByOverwrite;
    if (bytes > memory.budget) return false;
  }
  return true;
}

export function txcommit(shards: WorkerShards, args: Args): void {
  shards.commit(args.latin1(1));
}

export function txabort(shards: WorkerShards, args: Args): void {
  shards.abort(args.latin1(1));
}

/**
 * TXHOLD: runs in its turn like TXPREPARE, then holds the shards for a MULTI/EXEC or a script,
 * whose commands then come as TXRUN (ShardNode.serveBatch) until TXABORT releases them.
 */
export function txhold(shards: WorkerShards, args: Args, reply: ReplySink, from: number): void {
  if (from >= 0 && shards.isGone(from)) return reply.error(ERR.coordinatorGone);
  // TXHOLD txid coordinator [key version] ...: the MULTI's WATCHed keys here, and their versions then.
  let changed = 0;
  for (let i = 3; i + 1 < args.count; i += 2) {
    const key = args.latin1(i);
    const store = shards.store(shardOfString(key));
    if (store === undefined) return reply.error(ERR.notOwned);
    if (store.versionOfKey(key) !== Number(args.latin1(i + 1))) changed++;
  }
  shards.holdFor(args.latin1(1), from, []);
  reply.integer(changed);
}
