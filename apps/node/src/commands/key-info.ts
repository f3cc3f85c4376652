import type { Args } from '@kv/wire';
import { integerOf, Kind, setEncoding, zsetEncoding, type Lru } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import type { WorkerShards } from '../types';
import { peekArg } from './keyarg';

/**
 * What a key is, as Redis 7.0's RANDOMKEY, EXPIRETIME, PEXPIRETIME and OBJECT tell: read without
 * touching the key's recency (Redis's LOOKUP_NOTOUCH).
 */

/** RANDOMKEY's step on a worker: a key of its shards at random (a shard chosen by its size), nil when it has none. */
export function randomkey(shards: WorkerShards, _args: Args, reply: ReplySink): void {
  const owned = shards.owned;
  let total = 0;
  for (const shard of owned) total += shards.store(shard)!.size;
  let pick = Math.random() * total;
  let first = 0;
  while (first < owned.length - 1 && pick >= shards.store(owned[first])!.size) pick -= shards.store(owned[first++])!.size;
  // Expired keys not yet reclaimed may leave the chosen shard without a live one: the others are tried in turn.
  for (let i = 0; i < owned.length; i++) {
    const store = shards.store(owned[(first + i) % owned.length])!;
    const slot = store.randomSlot();
    if (slot >= 0) return reply.bulk(store.keyString(slot));
  }
  reply.nil();
}

/** EXPIRETIME key: its expiry as a Unix time in seconds; -1 without one, -2 for no key. */
export function expiretime(store: Lru, args: Args, reply: ReplySink): void {
  const at = expiryOf(store, args);
  reply.integer(at < 0 ? at : Math.floor(at / 1000));
}

/** PEXPIRETIME key: likewise in ms. */
export function pexpiretime(store: Lru, args: Args, reply: ReplySink): void {
  reply.integer(expiryOf(store, args));
}

function expiryOf(store: Lru, args: Args): number {
  const slot = peekArg(store, args, 1);
  if (slot < 0) return -2;
  const at = store.expireAt(slot);
  return at === 0 ? -1 : at;
}

/** Redis's OBJ_SHARED_REFCOUNT: what REFCOUNT says of a shared integer (0-9999) where Redis shares them. */
const SHARED_REFCOUNT = 2147483647;
/** Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT. */
const EMBSTR_MAX = 44;

/**
 * OBJECTSTEP key ENCODING | IDLETIME | REFCOUNT | FREQ (internal: OBJECT's step on the key's owner,
 * apps/router/src/commands/object.ts): nil for no key, as Redis's.
 */
export function objectStep(store: Lru, args: Args, reply: ReplySink): void {
  const slot = peekArg(store, args, 1);
  if (slot < 0) return reply.nil();
  const sub = args.latin1(2);
  if (sub === 'ENCODING') return reply.bulk(encodingOf(store, slot));
  if (sub === 'IDLETIME') return reply.integer(Math.floor(store.idleAt(slot) / 1000));
  // Redis shares the integers 0-9999 unless an LRU or LFU policy needs each value's own clock.
  if (sub === 'REFCOUNT') return reply.integer(store.memory.policy === 'noeviction' && isSmallInteger(store, slot) ? SHARED_REFCOUNT : 1);
  // FREQ: there is no LFU policy here.
  reply.error(ERR.lfuNotSelected);
}

/**
 * The encoding in use, by Redis's names: a string as Redis would encode its value (`int` for an
 * integer, `embstr` up to 44 bytes, else `raw`); a packed list, set or sorted set `listpack` (or
 * `intset`), a bigger list `quicklist`, set `hashtable` and sorted set `skiplist`; a packed hash
 * `listpack`, a bigger one `hashtable`; a stream `stream`.
 */
function encodingOf(store: Lru, slot: number): string {
  const kind = store.kindAt(slot);
  switch (kind) {
    case Kind.STRING: {
      const view = store.valueView(slot);
      if (integerOf(view.buf, view.start, view.end) !== undefined) return 'int';
      return view.end - view.start <= EMBSTR_MAX ? 'embstr' : 'raw';
    }
    case Kind.HASH:
      return store.isInline(slot) ? 'listpack' : 'hashtable';
    case Kind.STREAM:
      return 'stream';
    case Kind.LIST:
      return store.isInline(slot) ? 'listpack' : 'quicklist';
    case Kind.SET:
      return setEncoding(store, slot);
    case Kind.ZSET:
      return zsetEncoding(store, slot);
    default: {
      const unnamed: never = kind;
      throw new Error(`no encoding name for kind ${String(unnamed)}`);
    }
  }
}

function isSmallInteger(store: Lru, slot: number): boolean {
  if (store.kindAt(slot) !== Kind.STRING) return false;
  const view = store.valueView(slot);
  const n = integerOf(view.buf, view.start, view.end);
  return typeof n === 'number' && n >= 0 && n < 10000;
}
