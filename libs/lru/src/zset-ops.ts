import { Kind } from './layout';
import type { Lru } from './lru';
import type { EncodingLimits } from './memory';
import { asBuffer, type ByteRanges, type Packed } from './object';
import { compareElement, countAt, dataAt, elementEquals, elementSize, lengthAt, nextAt, PACK, PACKED_HEADER, Packing, readScore, SCORE_BYTES, setCountAt, writeElement, writeScore } from './packed';
import { LruZset, type ZSorted } from './zset';
import { PackedZset, zsetInsertPacked, zsetMovePacked } from './zset-packed';
export { zsetInsertPacked, zsetMovePacked };

/**
 * A sorted set's two forms, as Redis 7.0's t_zset.c: packed (a ZLISTPACK, packed.ts: pairs in
 * (score, member) order) while at most zset-max-listpack-entries and no member longer than
 * zset-max-listpack-value, else an LruZset (a counted B+ tree); it only ever moves to the big
 * form. A command reads either through ZSorted (lookups by member: zsetFind, in place). One new
 * member of a packed set is inserted in place (zsetInsertPacked); other writes to it decode it
 * (at most zset-max-listpack-entries pairs: Redis's listpack edits are O(n) too), change the
 * copy and pack it again, so a write that cannot fit changes nothing; a big set is changed in
 * place after reserve() made room.
 */

export type ZsetEncoding = 'listpack' | 'skiplist';

/** A packed sorted set decoded: parallel arrays in (score, member) order. */
export class SmallZset implements ZSorted {
  members: string[] = [];
  scores: number[] = [];
  /** Set once an add passed the packed limits: the set is saved in the big form. */
  tooBig = false;

  constructor(private readonly limits: EncodingLimits) {}

  get size(): number {
    return this.members.length;
  }

  score(member: string): number | undefined {
    const i = this.members.indexOf(member);
    return i < 0 ? undefined : this.scores[i];
  }

  rank(member: string): number {
    return this.members.indexOf(member);
  }

  /** Adds a member or moves it to a new score; true when it was added. */
  set(member: string, score: number): boolean {
    const i = this.members.indexOf(member);
    if (i >= 0) {
      if (this.scores[i] === score) return false;
      this.members.splice(i, 1);
      this.scores.splice(i, 1);
    } else if (this.members.length + 1 > this.limits.zsetMaxListpackEntries || member.length > this.limits.zsetMaxListpackValue) this.tooBig = true;
    // Redis's listpack keeps an integral score as an integer (zzlInsertAt): -0 is read back as 0.
    if (score === 0 && !this.tooBig) score = 0;
    const at = this.lowerBound(score, member);
    this.members.splice(at, 0, member);
    this.scores.splice(at, 0, score);
    return i < 0;
  }

  delete(member: string): boolean {
    const i = this.members.indexOf(member);
    if (i < 0) return false;
    this.members.splice(i, 1);
    this.scores.splice(i, 1);
    return true;
  }

  countBelowScore(score: number, inclusive: boolean): number {
    let lo = 0;
    let hi = this.scores.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (inclusive ? this.scores[mid] <= score : this.scores[mid] < score) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  countBelowMember(member: string, inclusive: boolean): number {
    let lo = 0;
    let hi = this.members.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (inclusive ? this.members[mid] <= member : this.members[mid] < member) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  visit(from: number, to: number, reverse: boolean, visit: (member: string, score: number) => void): void {
    if (reverse) for (let i = to - 1; i >= from; i--) visit(this.members[i], this.scores[i]);
    else for (let i = from; i < to; i++) visit(this.members[i], this.scores[i]);
  }

  private lowerBound(score: number, member: string): number {
    let lo = 0;
    let hi = this.scores.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = this.scores[mid];
      if (s < score || (s === score && this.members[mid] < member)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export function zsetEncoding(store: Lru, slot: number): ZsetEncoding {
  return store.isInline(slot) ? 'listpack' : 'skiplist';
}

/** The packed bytes buf[start, end) decoded. */
function decode(limits: EncodingLimits, buf: Buffer, start: number, end: number): SmallZset {
  const z = new SmallZset(limits);
  const n = countAt(buf, start);
  z.members = new Array<string>(n);
  z.scores = new Array<number>(n);
  let i = 0;
  for (let p = start + PACKED_HEADER; p < end; p = nextAt(buf, p, SCORE_BYTES), i++) {
    const d = dataAt(buf, p);
    const length = lengthAt(buf, p);
    z.members[i] = buf.latin1Slice(d, d + length);
    z.scores[i] = readScore(buf, d + length);
  }
  return z;
}

/**
 * The sorted set at `slot` to read: a packed one read where it lies (PackedZset: strings made only
 * for what is returned), valid until the next write to the store, so read it before writing.
 */
export function zsetRead(store: Lru, slot: number): ZSorted {
  if (!store.isInline(slot)) return store.objectAt<LruZset>(slot);
  return new PackedZset().at(store.valueView(slot));
}

export type ZEditable = SmallZset | LruZset;

/**
 * The sorted set at `slot` to change, or a new empty one (slot -1) whose first member will be
 * `firstLength` bytes long (Redis 7.0's ZADD picks the new set's form from it alone).
 * A big set is the live one, `growth` bytes reserved for it first: null, changing nothing, when
 * they cannot be had. Changes are kept by zsetSave().
 */
export function zsetEdit(store: Lru, slot: number, growth: number, firstLength = 0): ZEditable | null {
  const limits = store.memory.limits;
  if (slot < 0) {
    const z = new SmallZset(limits);
    z.tooBig = limits.zsetMaxListpackEntries === 0 || firstLength > limits.zsetMaxListpackValue;
    return z;
  }
  if (store.isInline(slot)) {
    const view = store.valueView(slot);
    return decode(limits, view.buf, view.start, view.end);
  }
  return store.reserve(slot, growth) ? store.objectAt<LruZset>(slot) : null;
}

/**
 * Keeps what was done to `z` (from zsetEdit): the entry at `slot` (or, for -1, at key `key` of
 * `keys`) becomes it, in the form it needs; an emptied set is deleted. False, changing nothing
 * (the big form's changes aside: their room was reserved), when it cannot fit.
 */
export function zsetSave(store: Lru, slot: number, keys: ByteRanges, key: number, z: ZEditable): boolean {
  if (z instanceof LruZset) {
    if (slot >= 0 && store.isInline(slot) === false && store.objectAt(slot) === z) {
      store.objectChanged(slot);
      return true;
    }
    if (z.size === 0) return true;
    if (slot >= 0) return store.toObject(slot, z);
    return store.setObject(keys.buf, keys.starts[key], keys.ends[key], Kind.ZSET, z) >= 0;
  }
  if (z.size === 0) {
    if (slot >= 0) store.remove(slot);
    return true;
  }
  if (z.tooBig) return zsetSave(store, slot, keys, key, toBig(z));
  const length = pack(z.members, z.scores);
  if (slot >= 0) return store.replacePacked(slot, PACK.buf, 0, length, Kind.ZSET);
  return store.createPacked(keys.buf, keys.starts[key], keys.ends[key], Kind.ZSET, PACK.buf, 0, length) >= 0;
}

function toBig(z: SmallZset): LruZset {
  const big = new LruZset();
  for (let i = 0; i < z.members.length; i++) big.set(z.members[i], z.scores[i]);
  return big;
}

/** Packs pairs in (score, member) order into PACK; its length. */
function pack(members: readonly string[], scores: readonly number[]): number {
  PACK.begin(Packing.ZLISTPACK);
  // Redis's listpack keeps an integral score as an integer: -0 is 0 there.
  for (let i = 0; i < members.length; i++) PACK.scoredString(members[i], scores[i] === 0 ? 0 : scores[i]);
  return PACK.finish();
}

/**
 * A sorted set of exactly these pairs (distinct members, in (score, member) order, at least
 * one), in the form a set made of them would have (a store, a hand-over): an LruZset, or packed
 * (its bytes PACK.buf's until the next packing: a hand-over copies them).
 */
export function zsetOf(limits: EncodingLimits, members: readonly string[], scores: readonly number[]): LruZset | Packed {
  let longest = 0;
  for (const member of members) longest = Math.max(longest, member.length);
  if (members.length > limits.zsetMaxListpackEntries || longest > limits.zsetMaxListpackValue) {
    const big = new LruZset();
    for (let i = 0; i < members.length; i++) big.set(members[i], scores[i]);
    return big;
  }
  const length = pack(members, scores);
  return { kind: Kind.ZSET, bytes: PACK.buf.subarray(0, length) };
}

/** Every pair of the sorted set at `slot` in order (a hand-over of a packed one). */
export function zsetPairs(store: Lru, slot: number): { members: string[]; scores: number[] } {
  const z = zsetRead(store, slot);
  const members: string[] = [];
  const scores: number[] = [];
  z.visit(0, z.size, false, (member, score) => {
    members.push(member);
    scores.push(score);
  });
  return { members, scores };
}

/** A sorted set's size, without decoding a packed one. */
export function zsetSize(store: Lru, slot: number): number {
  if (!store.isInline(slot)) return store.objectAt<LruZset>(slot).size;
  const view = store.valueView(slot);
  return countAt(view.buf, view.start);
}

/**
 * The rank (ascending) and score of member src[start, end) in the sorted set at `slot`, read in
 * place (a packed set is walked, not decoded: ZSCORE, ZMSCORE, ZRANK make nothing); false when
 * it is not there. The answer is in FOUND until the next call.
 */
export function zsetFind(store: Lru, slot: number, src: Uint8Array, start: number, end: number): boolean {
  if (!store.isInline(slot)) {
    const z = store.objectAt<LruZset>(slot);
    const member = asBuffer(src).latin1Slice(start, end);
    const score = z.score(member);
    if (score === undefined) return false;
    FOUND.score = score;
    FOUND.rank = z.rank(member);
    return true;
  }
  const view = store.valueView(slot);
  const buf = view.buf;
  let rank = 0;
  for (let p = view.start + PACKED_HEADER; p < view.end; p = nextAt(buf, p, SCORE_BYTES), rank++) {
    if (!elementEquals(buf, p, src, start, end)) continue;
    FOUND.score = readScore(buf, dataAt(buf, p) + (end - start));
    FOUND.rank = rank;
    return true;
  }
  return false;
}

/** zsetFind's answer. */
export const FOUND = { rank: 0, score: 0 };
