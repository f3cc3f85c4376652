import { LruHash, LruStream, LruZset, Kind, packHash, parseU64, StreamId, zsetOf, type Lru, type Packed } from '@kv/lru';
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

const WORDS = new Uint32Array(4);

/** An id as its text gives it (ms-seq), or null. */
function idOf(text: string): StreamId | null {
  const dash = text.indexOf('-');
  if (dash < 0 || !parseU64(text.slice(0, dash), WORDS, 0) || !parseU64(text.slice(dash + 1), WORDS, 2)) return null;
  return new StreamId().setWords(WORDS, 0);
}

