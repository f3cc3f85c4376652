import { doubleText, type Args } from '@kv/wire';
import { Kind, KIND_NAMES, listItems, listOf, LruHash, LruSet, LruStream, LruZset, packHash, setMembers, setOf, zsetOf, zsetPairs, type Lru, type LruList, type LruObject, type Packed, type StreamId } from '@kv/lru';
import { hashFitsPacked } from './encodings';
import { idOf } from './handover-import';
import { ERR, type ReplySink } from '../reply';
import { peekArg } from './keyarg';
import { parseScore } from './zset-args';

/**
 * RENAME and COPY between keys of two shards (apps/router/src/coord/key-move.ts runs them under a
 * hold of both owners): internal steps on each key's owner.
 *   ENTRYDUMP key                          the entry: [type, expireAt, item ...], nil for no key
 *   ENTRYREAD key                          the same, as a read (COPY's: a missing key fires `keymiss`)
 *   ENTRYLOAD key REPLACE|NX event type expireAt item ...   stored: 1, or 0 (NX, the key exists)
 *   ENTRYDROP key event                    deleted: 1, or 0
 * where items are a string's value, a hash's fields and values, a list's elements, a set's
 * members, a sorted set's members and scores, a stream's last, first and largest deleted ids,
 * entries added and blocks' bytes (as a hand-over carries them). `event` is the notification the step fires on its
 * key (rename_to, copy_to, rename_from).
 */

export function entrydump(store: Lru, args: Args, reply: ReplySink): void {
  const slot = peekArg(store, args, 1);
  if (slot < 0) return reply.nil();
  reply.array(entryItems(store, slot));
}

/** The entry at `slot` as ENTRYDUMP gives it: [type, expireAt, item ...]. */
export function entryItems(store: Lru, slot: number): string[] {
  const kind = store.kindAt(slot);
  const out = [KIND_NAMES[kind], String(store.expireAt(slot))];
  switch (kind) {
    case Kind.STRING:
      out.push(store.valueString(slot));
      break;
    case Kind.HASH:
      store.hashReaderAt(slot).forEach((field, value) => out.push(field, value));
      break;
    case Kind.LIST:
      out.push(...listItems(store, slot));
      break;
    case Kind.SET:
      out.push(...setMembers(store, slot));
      break;
    case Kind.ZSET: {
      const { members, scores } = zsetPairs(store, slot);
      for (let i = 0; i < members.length; i++) out.push(members[i], doubleText(scores[i]));
      break;
    }
    case Kind.STREAM: {
      const { meta, blocks } = store.objectAt<LruStream>(slot).serialize();
      out.push(...meta, ...blocks.map((b) => b.toString('latin1')));
      break;
    }
    default: {
      // A kind without a transfer form fails to compile here: every kind must move.
      const unmoved: never = kind;
      throw new Error(`no transfer form for kind ${String(unmoved)}`);
    }
  }
  return out;
}

const FIRST_ITEM = 6;

export function entryload(store: Lru, args: Args, reply: ReplySink): void {
  const existing = peekArg(store, args, 1);
  if (args.latin1(2) === 'NX' && existing >= 0) return reply.integer(0);
  const items: string[] = [];
  for (let i = FIRST_ITEM; i < args.count; i++) items.push(args.latin1(i));
  const slot = loadEntry(store, args.buf, args.starts[1], args.ends[1], args.latin1(4), args.latin1(5), items);
  if (slot === -2) return reply.error(ERR.badImportEntry);
  if (slot < 0) return reply.error(ERR.oom);
  reply.integer(1);
}

/** Stores an entry as ENTRYDUMP gave it (type, expireAt, items) at key kbuf[kstart, kend), replacing any: its slot, -1 when it does not fit, -2 when malformed. */
export function loadEntry(store: Lru, kbuf: Buffer, kstart: number, kend: number, type: string, expiry: string, items: readonly string[]): number {
  const expireAt = Number(expiry);
  const value = valueOf(store, items, type);
  if (value === null || !Number.isFinite(expireAt)) return -2;
  let slot: number;
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'latin1');
    slot = store.setString(kbuf, kstart, kend, bytes, 0, bytes.length, expireAt);
  } else if ('bytes' in value && value.bytes instanceof Buffer) slot = store.createPacked(kbuf, kstart, kend, value.kind, value.bytes, 0, value.bytes.length);
  else slot = store.setObject(kbuf, kstart, kend, value.kind, value as LruObject);
  if (slot >= 0 && expireAt !== 0 && typeof value !== 'string') store.setExpireAt(slot, expireAt);
  return slot;
}

/** ENTRYLOAD's value: a string's, or the collection built from the items (null when malformed). */
function valueOf(store: Lru, items: readonly string[], type: string): string | Packed | LruObject | null {
  const limits = store.memory.limits;
  if (type === KIND_NAMES[Kind.STRING]) return items.length === 1 ? items[0] : null;
  if (items.length === 0) return null;
  if (type === KIND_NAMES[Kind.HASH]) {
    if (items.length % 2 !== 0) return null;
    if (hashFitsPacked(items)) return packedCopy({ kind: Kind.HASH, bytes: packed(items) });
    const hash = new LruHash();
    for (let i = 0; i < items.length; i += 2) hash.set(items[i], items[i + 1]);
    return hash;
  }
  if (type === KIND_NAMES[Kind.STREAM]) {
    const ids = items.slice(0, 3).map(idOf);
    if (items.length < 4 || ids.some((id) => id === null)) return null;
    return LruStream.restore(ids as StreamId[], Number(items[3]), items.slice(4).map((b) => Buffer.from(b, 'latin1')));
  }
  if (type === KIND_NAMES[Kind.LIST]) return packedCopy(listOf(limits, items));
  if (type === KIND_NAMES[Kind.SET]) return new Set(items).size === items.length ? packedCopy(setOf(limits, items)) : null;
  if (type === KIND_NAMES[Kind.ZSET]) {
    if (items.length % 2 !== 0) return null;
    const members: string[] = [];
    const scores: number[] = [];
    for (let i = 0; i < items.length; i += 2) {
      const score = parseScore(items[i + 1]);
      if (score === undefined) return null;
      members.push(items[i]);
      scores.push(score);
    }
    return packedCopy(zsetOf(limits, members, scores));
  }
  return null;
}

/** A small hash's pairs packed (PACK's bytes, until the next packing). */
function packed(pairs: readonly string[]): Buffer {
  const { bytes, length } = packHash(pairs);
  return bytes.subarray(0, length);
}

/** A packed form's bytes are the packer's until the next packing: copied. */
function packedCopy(made: Packed | LruList | LruSet | LruZset): Packed | LruObject {
  return 'bytes' in made && made.bytes instanceof Buffer ? { kind: made.kind, bytes: Buffer.from(made.bytes) } : (made as LruObject);
}

export function entrydrop(store: Lru, args: Args, reply: ReplySink): void {
  const slot = peekArg(store, args, 1);
  if (slot >= 0) store.remove(slot);
  reply.integer(slot >= 0 ? 1 : 0);
}
