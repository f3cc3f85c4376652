import { argsOf, doubleText, SHARD_COUNT, type Args } from '@kv/wire';
import { Kind, listItems, listOf, LruHash, LruList, LruSet, LruStream, LruZset, NONE, setMembers, setOf, zsetPairs, type Lru, type Packed } from '@kv/lru';
import { importHash, importPart, importStream, importZset, storeArrived, type Arriving } from './handover-import';
import { CHUNK_BYTES, ValueParts } from './handover-parts';
import { ERR, type ReplySink } from '../reply';
import type { WorkerShards } from '../types';

/**
 * A shard's hand-over to another worker during a live change of the worker count
 * (apps/router/src/primary/scaling.ts leads it; apps/router/src/links/handover.ts sends). Internal:
 *   SHARDIMPORT shard version flags entry [entry ...]
 * where an entry is a string, a hash or a list, whole:
 *   S key value expireAt slot idle
 *   H key expireAt slot idle n field value seq [field value seq ...]     (n fields)
 *   P key expireAt slot idle n field value [field value ...]              (a packed hash, in order)
 *   L key expireAt slot idle n element [element ...]                    (n elements, head first)
 *   T key expireAt slot idle n member [member ...]                      (a packed set)
 *   U key expireAt slot idle n member seq [member seq ...]              (a big set, SSCAN numbers kept)
 *   Z key expireAt slot idle n member score [member score ...]          (a packed sorted set, in order)
 *   Y key expireAt slot idle n member score seq [...]                   (a big sorted set, ZSCAN numbers kept)
 *   X key expireAt slot idle lastId firstId maxDeletedId entriesAdded n block [block ...]
 *                                                                       (a stream: its blocks' bytes as they are)
 *   + total <entry> then C n item... (more follow) and E n item... (the last), in the next chunks
 *                                                                       (a big value, in parts: handover-parts.ts)
 * `version` is the shard map version the move belongs to: a chunk arriving once the map has moved
 * on (the move timed out) is refused, so no stray copy is left behind. `flags`: FIRST takes the
 * shard on afresh, LAST ends it. Entries come oldest first and each goes back into its slot, so
 * the new owner has the sender's recency and slot order (a SCAN cursor stays valid), keeps its
 * expiry (Unix ms, 0: none), and its idle time (ms since its last use), so it takes its place in
 * the new owner's LRU order among the shards there. A list is packed again or not by the receiver's
own limits. A hash's fields keep their order and insertion
 * numbers (an HSCAN cursor stays valid too). The sender streams: each chunk is made when the one
 * before was taken (ShardExport), so neither a shard nor a big value (sent in parts over several
 * chunks) is ever copied whole into memory.
 */
export const FIRST = 1;
export const LAST = 2;

/** The big value each importing store is receiving in parts, between its chunks. */
const arrivals = new WeakMap<Lru, Arriving>();

export function shardimport(shards: WorkerShards, args: Args, reply: ReplySink): void {
  const shard = Number(args.latin1(1));
  if (!Number.isInteger(shard) || shard < 0 || shard >= SHARD_COUNT) return reply.error(ERR.badShard);
  if (Number(args.latin1(2)) !== shards.mapVersion) return reply.error(ERR.mapVersion(args.latin1(2), shards.mapVersion));
  const flags = Number(args.latin1(3));
  const store = flags & FIRST ? shards.adopt(shard) : shards.store(shard);
  if (store === undefined) return reply.error(ERR.notHandedHere);
  let refused = 0;
  let arriving = flags & FIRST ? undefined : arrivals.get(store);
  for (let i = 4; i < args.count; ) {
    if (args.latin1(i) === 'C' || args.latin1(i) === 'E') {
      const last = args.latin1(i) === 'E';
      i = arriving === undefined ? -1 : importPart(store, arriving, args, i + 1);
      if (i < 0) return reply.error(ERR.badImportEntry);
      if (last) {
        const stored = storeArrived(store, arriving!);
        if (stored === null) return reply.error(ERR.badImportEntry);
        if (!stored) refused++;
        arriving = undefined;
      }
      continue;
    }
    // A big value's first part: the entry as usual, stored (or for a string finished) with its last.
    let split = -1;
    if (args.latin1(i) === '+' && arriving === undefined && i + 2 < args.count) {
      split = Number(args.latin1(i + 1));
      if (!Number.isSafeInteger(split) || split < 0) return reply.error(ERR.badImportEntry);
      i += 2;
    }
    const kind = args.latin1(i);
    let value: string | LruHash | LruList | LruSet | LruZset | LruStream | Packed;
    let key: string, expireAt: number, slot: number, idle: number;
    if (kind === 'S' && i + 5 < args.count) {
      key = args.latin1(i + 1);
      value = args.latin1(i + 2);
      expireAt = Number(args.latin1(i + 3));
      slot = Number(args.latin1(i + 4));
      idle = Number(args.latin1(i + 5));
      i += 6;
    } else if ((kind === 'H' || kind === 'P') && i + 5 < args.count) {
      key = args.latin1(i + 1);
      expireAt = Number(args.latin1(i + 2));
      slot = Number(args.latin1(i + 3));
      idle = Number(args.latin1(i + 4));
      const made = importHash(args, i + 5, kind === 'P');
      if (made === null) return reply.error(ERR.badImportHash);
      [value, i] = made;
    } else if (kind === 'L' && i + 5 < args.count) {
      key = args.latin1(i + 1);
      expireAt = Number(args.latin1(i + 2));
      slot = Number(args.latin1(i + 3));
      idle = Number(args.latin1(i + 4));
      const length = Number(args.latin1(i + 5));
      i += 6;
      if (!Number.isInteger(length) || length < 1 || i + length > args.count) return reply.error(ERR.badImportEntry);
      const items: string[] = [];
      for (const end = i + length; i < end; i++) items.push(args.latin1(i));
      value = split >= 0 ? LruList.of(items) : listOf(store.memory.limits, items);
    } else if ((kind === 'T' || kind === 'U') && i + 5 < args.count) {
      key = args.latin1(i + 1);
      expireAt = Number(args.latin1(i + 2));
      slot = Number(args.latin1(i + 3));
      idle = Number(args.latin1(i + 4));
      const size = Number(args.latin1(i + 5));
      const stride = kind === 'U' ? 2 : 1;
      i += 6;
      if (!Number.isInteger(size) || size < 1 || i + size * stride > args.count) return reply.error(ERR.badImportEntry);
      if (kind === 'T') {
        const members: string[] = [];
        for (const end = i + size; i < end; i++) members.push(args.latin1(i));
        if (new Set(members).size !== size) return reply.error(ERR.badImportEntry);
        const made = setOf(store.memory.limits, members);
        // A packed form's bytes are the packer's until the next packing: copied.
        value = made instanceof LruSet ? made : { kind: made.kind, bytes: Buffer.from(made.bytes) };
      } else {
        const set = new LruSet();
        let whole = true;
        for (const end = i + size * 2; i < end; i += 2) whole = set.restore(args.latin1(i), Number(args.latin1(i + 1))) && whole;
        if (!whole) return reply.error(ERR.badImportEntry);
        value = set;
      }
    } else if ((kind === 'Z' || kind === 'Y') && i + 5 < args.count) {
      key = args.latin1(i + 1);
      expireAt = Number(args.latin1(i + 2));
      slot = Number(args.latin1(i + 3));
      idle = Number(args.latin1(i + 4));
      const made = importZset(store, args, i + 5, kind === 'Y');
      if (made === null) return reply.error(ERR.badImportEntry);
      [value, i] = made;
    } else if (kind === 'X' && i + 9 < args.count) {
      key = args.latin1(i + 1);
      expireAt = Number(args.latin1(i + 2));
      slot = Number(args.latin1(i + 3));
      idle = Number(args.latin1(i + 4));
      const made = importStream(args, i + 5);
      if (made === null) return reply.error(ERR.badImportEntry);
      [value, i] = made;
    } else return reply.error(ERR.badImportEntry);
    if (!Number.isFinite(expireAt) || !Number.isFinite(idle)) return reply.error(ERR.badImportEntry);
    if (split >= 0) {
      if (typeof value === 'string') {
        const stored = store.restoreAt(slot, key, value, expireAt, Math.max(0, idle), split);
        arriving = { key, expireAt, slot, idle: 0, value: null, refused: !stored };
      } else if (value instanceof LruList || value instanceof LruHash || value instanceof LruSet || value instanceof LruZset || value instanceof LruStream) {
        arriving = { key, expireAt, slot, idle: Math.max(0, idle), value, refused: false };
      } else return reply.error(ERR.badImportEntry);
      continue;
    }
    // The budget here may be tighter than the sender's (it is the worker's): an entry that does
    // not fit even after eviction is reported rather than silently dropped.
    if (!store.restoreAt(slot, key, value, expireAt, Math.max(0, idle))) refused++;
  }
  if (arriving === undefined) arrivals.delete(store);
  else arrivals.set(store, arriving);
  if (flags & LAST) {
    if (arriving !== undefined) return reply.error(ERR.badImportEntry);
    store.finishRestore();
  }
  if (refused > 0) return reply.error(ERR.importDidNotFit(refused));
  reply.ok();
}

/**
 * The SHARDIMPORT chunks that copy a store (shard `shard`) for map version `version`, made one at
 * a time, oldest entry first. The store must not change meanwhile: the sender detached it (no
 * command reaches it, nothing evicts from it) until the hand-over ends.
 */
export class ShardExport {
  /** Entries copied so far. */
  entries = 0;
  private slot: number;
  private started = false;
  /** The big value at `slot` part way through, sent in parts over several chunks. */
  private split: ValueParts | null = null;

  constructor(
    private readonly store: Lru,
    private readonly shard: number,
    private readonly version: number,
  ) {
    this.slot = store.oldest;
  }

  /** True once the last chunk was made. */
  get done(): boolean {
    return this.started && this.slot === NONE;
  }

  /** The next chunk (about CHUNK_BYTES; a big value goes over several), or null once the last was made. */
  next(): Args | null {
    if (this.done) return null;
    const store = this.store;
    const parts = ['SHARDIMPORT', String(this.shard), String(this.version), this.started ? '0' : String(FIRST)];
    this.started = true;
    let bytes = 0;
    if (this.split !== null) {
      bytes += this.split.more(parts, CHUNK_BYTES);
      if (!this.split.done) return argsOf(parts);
      this.split = null;
      this.entries++;
      this.slot = store.newerThan(this.slot);
    }
    const now = Date.now();
    for (; this.slot !== NONE && bytes < CHUNK_BYTES; this.slot = store.newerThan(this.slot)) {
      const slot = this.slot;
      const expireAt = store.expireAt(slot);
      if (expireAt !== 0 && expireAt <= now) continue;
      const key = store.keyString(slot);
      const idle = String(store.idleAt(slot));
      if (ValueParts.needed(store, slot)) {
        const split = new ValueParts(store, slot);
        bytes += split.first(parts, key, expireAt, idle, Math.max(CHUNK_BYTES - bytes, 1));
        if (!split.done) {
          this.split = split;
          break;
        }
        parts.push('E', '0');
        this.entries++;
        continue;
      }
      const kind = store.kindAt(slot);
      switch (kind) {
        case Kind.STRING: {
          const value = store.valueString(slot);
          parts.push('S', key, value, String(expireAt), String(slot), idle);
          bytes += key.length + value.length + 40;
          break;
        }
        case Kind.HASH: {
          if (store.isInline(slot)) {
            const flat = store.hashReaderAt(slot).appendTo([], true, true);
            parts.push('P', key, String(expireAt), String(slot), idle, String(flat.length / 2), ...flat);
            bytes += key.length + 48 + flat.reduce((n, text) => n + text.length + 8, 0);
            break;
          }
          const hash = store.hashAt(slot);
          parts.push('H', key, String(expireAt), String(slot), idle, String(hash.size));
          hash.forEachNumbered((field, fieldValue, seq) => parts.push(field, fieldValue, String(seq)));
          bytes += key.length + hash.bytes + 48;
          break;
        }
        case Kind.LIST: {
          const items = listItems(store, slot);
          parts.push('L', key, String(expireAt), String(slot), idle, String(items.length));
          for (const item of items) {
            parts.push(item);
            bytes += item.length + 8;
          }
          bytes += key.length + 48;
          break;
        }
        case Kind.SET: {
          if (store.isInline(slot)) {
            const members = setMembers(store, slot);
            parts.push('T', key, String(expireAt), String(slot), idle, String(members.length));
            for (const member of members) parts.push(member);
            bytes += key.length + 48 + members.length * 8;
          } else {
            const set = store.objectAt<LruSet>(slot);
            parts.push('U', key, String(expireAt), String(slot), idle, String(set.size));
            set.members.forEachNumbered((member, _score, seq) => parts.push(member, String(seq)));
            bytes += key.length + set.bytes + 48;
          }
          break;
        }
        case Kind.ZSET: {
          if (store.isInline(slot)) {
            const { members, scores } = zsetPairs(store, slot);
            parts.push('Z', key, String(expireAt), String(slot), idle, String(members.length));
            for (let m = 0; m < members.length; m++) parts.push(members[m], doubleText(scores[m]));
            bytes += key.length + 48 + members.length * 32;
          } else {
            const zset = store.objectAt<LruZset>(slot);
            parts.push('Y', key, String(expireAt), String(slot), idle, String(zset.size));
            zset.members.forEachNumbered((member, score, seq) => parts.push(member, doubleText(score), String(seq)));
            bytes += key.length + zset.bytes + 48;
          }
          break;
        }
        case Kind.STREAM: {
          // A stream travels as its blocks' bytes (one chunk, however big, as a hash).
          const { meta, blocks } = store.objectAt<LruStream>(slot).serialize();
          parts.push('X', key, String(expireAt), String(slot), idle, ...meta, String(blocks.length));
          for (const block of blocks) {
            parts.push(block.latin1Slice(0, block.length));
            bytes += block.length + 8;
          }
          bytes += key.length + 96;
          break;
        }
        default: {
          // A kind without a hand-over form fails to compile here: every kind must travel.
          const untravelled: never = kind;
          throw new Error(`no hand-over form for kind ${String(untravelled)}`);
        }
      }
      this.entries++;
    }
    if (this.slot === NONE) parts[3] = String(Number(parts[3]) | LAST);
    return argsOf(parts);
  }
}

/** Every chunk of a store's hand-over at once (tests; the sender streams with ShardExport). */
export function exportShard(store: Lru, shard: number, version: number): Args[] {
  const out = new ShardExport(store, shard, version);
  const chunks: Args[] = [];
  for (let chunk = out.next(); chunk !== null; chunk = out.next()) chunks.push(chunk);
  return chunks;
}
