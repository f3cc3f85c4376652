import { LruHash, LruList, LruSet, LruStream, LruZset, Kind, packHash, parseU64, StreamId, zsetOf, type Lru, type Packed } from '@kv/lru';
import type { Args } from '@kv/wire';
import { hashFitsPacked } from './encodings';
import { parseScore } from './zset-args';

/** The values of a shard's hand-over (handover.ts) read back from SHARDIMPORT's arguments. */

/**
 * A hash's import from argument `at` (its size, then field value seq triples, or field value pairs
 * of a packed one): the value and the argument after it, or null when malformed. A packed hash is
 * packed again if it fits here (this worker's thresholds), else made big, numbered in order.
 */
export function importHash(args: Args, at: number, packed: boolean): [LruHash | Packed, number] | null {
  const fields = Number(args.latin1(at));
  const stride = packed ? 2 : 3;
  let i = at + 1;
  if (!Number.isInteger(fields) || fields < 1 || i + fields * stride > args.count) return null;
  if (!packed) {
    const hash = new LruHash();
    for (const end = i + fields * 3; i < end; i += 3) if (!hash.restore(args.latin1(i), args.latin1(i + 1), Number(args.latin1(i + 2)))) return null;
    return [hash, i];
  }
  const flat: string[] = [];
  for (const end = i + fields * 2; i < end; i++) flat.push(args.latin1(i));
  if (new Set(flat.filter((_, f) => f % 2 === 0)).size !== fields) return null;
  if (hashFitsPacked(flat)) {
    const { bytes, length } = packHash(flat);
    return [{ kind: Kind.HASH, bytes: Buffer.from(bytes.subarray(0, length)) }, i];
  }
  const hash = new LruHash();
  for (let f = 0; f < flat.length; f += 2) hash.set(flat[f], flat[f + 1]);
  return [hash, i];
}

/** A sorted set's import from argument `at` (its size, then pairs or triples): the value and the argument after it, or null when malformed. */
export function importZset(store: Lru, args: Args, at: number, big: boolean): [LruZset | Packed, number] | null {
  const size = Number(args.latin1(at));
  const stride = big ? 3 : 2;
  let i = at + 1;
  if (!Number.isInteger(size) || size < 1 || i + size * stride > args.count) return null;
  if (big) {
    const zset = new LruZset();
    for (const end = i + size * 3; i < end; i += 3) {
      const score = parseScore(args.latin1(i + 1));
      if (score === undefined || !zset.restore(args.latin1(i), score, Number(args.latin1(i + 2)))) return null;
    }
    return [zset, i];
  }
  const members: string[] = [];
  const scores: number[] = [];
  for (const end = i + size * 2; i < end; i += 2) {
    const score = parseScore(args.latin1(i + 1));
    if (score === undefined) return null;
    members.push(args.latin1(i));
    scores.push(score);
  }
  // The sender's order: ascending by (score, member), each member once.
  for (let m = 1; m < size; m++) if (scores[m - 1] > scores[m] || (scores[m - 1] === scores[m] && members[m - 1] >= members[m])) return null;
  const made = zsetOf(store.memory.limits, members, scores);
  // A packed form's bytes are the packer's until the next packing: copied.
  return [made instanceof LruZset ? made : { kind: made.kind, bytes: Buffer.from(made.bytes) }, i];
}

/** A stream's import from argument `at` (last, first and largest deleted ids, entries added, blocks): the value and the argument after it, or null when malformed. */
export function importStream(args: Args, at: number): [LruStream, number] | null {
  const ids: StreamId[] = [];
  for (let k = 0; k < 3; k++) {
    const id = idOf(args.latin1(at + k));
    if (id === null) return null;
    ids.push(id);
  }
  const added = Number(args.latin1(at + 3));
  const n = Number(args.latin1(at + 4));
  let i = at + 5;
  if (!Number.isInteger(n) || n < 0 || i + n > args.count) return null;
  const blocks: Buffer[] = [];
  for (const end = i + n; i < end; i++) blocks.push(Buffer.from(args.latin1(i), 'latin1'));
  const stream = LruStream.restore(ids, added, blocks);
  return stream === null ? null : [stream, i];
}

/**
 * A value arriving in parts (handover-parts.ts): built as they come, and stored whole with the
 * last, so no reader or eviction ever sees half of it. A string is stored at its first part, with
 * room for all of it (the shard is not served here until the hand-over ends), and appended to.
 */
export interface Arriving {
  key: string;
  expireAt: number;
  slot: number;
  idle: number;
  /** The value being built; null for a string (in the store already). */
  value: LruList | LruHash | LruSet | LruZset | LruStream | null;
  /** A string that did not fit: its later parts are dropped, and it is counted as not fitting once. */
  refused: boolean;
}

/**
 * Adds a later part's items (from argument `at`: their count, then the items as the value's
 * first entry has them) to the arriving value: the argument after them, or -1 when malformed.
 */
export function importPart(store: Lru, arriving: Arriving, args: Args, at: number): number {
  const n = Number(args.latin1(at));
  const value = arriving.value;
  const stride = value instanceof LruHash || value instanceof LruZset ? 3 : value instanceof LruSet ? 2 : 1;
  let i = at + 1;
  const end = i + n * stride;
  if (!Number.isInteger(n) || n < 0 || end > args.count) return -1;
  for (; i < end; i += stride) {
    if (value === null) {
      if (arriving.refused) continue;
      // Evicted between two parts (the worker's other shards wrote meanwhile): what came is dropped.
      if (store.peekKey(arriving.key) !== arriving.slot) arriving.refused = true;
      else if (!store.restoreAppend(arriving.slot, args.buf, args.starts[i], args.ends[i])) {
        store.remove(arriving.slot);
        arriving.refused = true;
      }
    } else if (value instanceof LruList) value.pushBytes(args.buf, args.starts[i], args.ends[i], false);
    else if (value instanceof LruHash) {
      if (!value.restore(args.latin1(i), args.latin1(i + 1), Number(args.latin1(i + 2)))) return -1;
    } else if (value instanceof LruSet) {
      if (!value.restore(args.latin1(i), Number(args.latin1(i + 1)))) return -1;
    } else if (value instanceof LruZset) {
      const score = parseScore(args.latin1(i + 1));
      if (score === undefined || !value.restore(args.latin1(i), score, Number(args.latin1(i + 2)))) return -1;
    } else if (!value.restoreBlock(Buffer.from(args.buf.subarray(args.starts[i], args.ends[i])))) return -1;
  }
  return i;
}

/** Stores a value whose last part came: true, false when it does not fit, null when its parts do not make one. */
export function storeArrived(store: Lru, arriving: Arriving): boolean | null {
  const value = arriving.value;
  if (value === null) return !arriving.refused;
  if (value instanceof LruStream && !value.restoredWhole()) return null;
  return store.restoreAt(arriving.slot, arriving.key, value, arriving.expireAt, arriving.idle);
}

const WORDS = new Uint32Array(4);

/** An id as its text gives it (ms-seq), or null. */
export function idOf(text: string): StreamId | null {
  const dash = text.indexOf('-');
  if (dash < 0 || !parseU64(text.slice(0, dash), WORDS, 0) || !parseU64(text.slice(dash + 1), WORDS, 2)) return null;
  return new StreamId().setWords(WORDS, 0);
}

