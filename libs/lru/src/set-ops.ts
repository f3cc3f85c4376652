import { Kind } from './layout';
import { packedItems } from './list-ops';
import type { Lru } from './lru';
import type { EncodingLimits } from './memory';
import { asBuffer, type ByteRanges, type Packed } from './object';
import { countAt, elementEquals, elementSize, intAt, intWidth, nextAt, PACK, PACKED_HEADER, Packing, packingAt, setCountAt, widthFor, writeElement, writeInt } from './packed';
import { LruSet } from './set';
import { integerOf } from './set-encoding';

/**
 * A set's operations on any of its three forms, as Redis 7.2's t_set.c (7.0 has no listpack
 * sets, but no reply shows the form): an INTSET while every
 * member is an integer and there are at most set-max-intset-entries; a LISTPACK of strings while
 * at most set-max-listpack-entries, none longer than set-max-listpack-value; else an LruSet. A set
 * only ever moves to a bigger form. Adding one member where it fits is done in the packed bytes;
 * anything that changes the form rebuilds the set. Writes that cannot fit change nothing.
 */

export type SetEncoding = 'intset' | 'listpack' | 'hashtable';

export function setEncoding(store: Lru, slot: number): SetEncoding {
  if (!store.isInline(slot)) return 'hashtable';
  const view = store.valueView(slot);
  return packingAt(view.buf, view.start) === Packing.LISTPACK ? 'listpack' : 'intset';
}

export function setSize(store: Lru, slot: number): number {
  if (!store.isInline(slot)) return store.objectAt<LruSet>(slot).size;
  const view = store.valueView(slot);
  return countAt(view.buf, view.start);
}

/** True when the set holds src[start, end). */
export function setHas(store: Lru, slot: number, src: Uint8Array, start: number, end: number): boolean {
  if (!store.isInline(slot)) return store.objectAt<LruSet>(slot).has(asBuffer(src).latin1Slice(start, end));
  const view = store.valueView(slot);
  const buf = view.buf;
  const packing = packingAt(buf, view.start);
  if (packing === Packing.LISTPACK) {
    for (let p = view.start + PACKED_HEADER; p < view.end; p = nextAt(buf, p, 0)) if (elementEquals(buf, p, src, start, end)) return true;
    return false;
  }
  const n = integerOf(src, start, end);
  return n !== undefined && intIndex(buf, view.start, packing, n) >= 0;
}

/** The position of n in an INTSET, or -(insertion point) - 1. */
function intIndex(buf: Buffer, start: number, packing: Packing, n: number | bigint): number {
  const width = intWidth(packing);
  let lo = 0;
  let hi = countAt(buf, start) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = intAt(buf, start, mid, width);
    if (v < n) lo = mid + 1;
    else if (v > n) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

/** Every member (an INTSET ascending, the others in insertion order). */
export function setMembers(store: Lru, slot: number): string[] {
  if (!store.isInline(slot)) return store.objectAt<LruSet>(slot).toArray();
  const view = store.valueView(slot);
  return packedMembers(view.buf, view.start, view.end);
}

function packedMembers(buf: Buffer, start: number, end: number): string[] {
  const packing = packingAt(buf, start);
  if (packing === Packing.LISTPACK) return packedItems(buf, start, end);
  const out: string[] = [];
  const width = intWidth(packing);
  for (let i = 0, n = countAt(buf, start); i < n; i++) out.push(String(intAt(buf, start, i, width)));
  return out;
}

/**
 * SADD: adds members[from, to) to the set at `slot` (-1: a new set at key `key` of `keys`); the
 * members added, or -1, changing nothing, when it cannot fit.
 */
export function setAdd(store: Lru, slot: number, keys: ByteRanges, key: number, members: ByteRanges, from: number, to: number): number {
  if (slot >= 0 && !store.isInline(slot)) {
    const set = store.objectAt<LruSet>(slot);
    const text = asBuffer(members.buf);
    let growth = 0;
    for (let i = from; i < to; i++) growth += LruSet.cost(members.ends[i] - members.starts[i]);
    if (!store.reserve(slot, growth)) return -1;
    let added = 0;
    for (let i = from; i < to; i++) if (set.add(text.latin1Slice(members.starts[i], members.ends[i]))) added++;
    store.objectChanged(slot);
    return added;
  }
  if (slot >= 0 && to - from === 1) {
    const done = addOneInPlace(store, slot, members, from);
    if (done !== undefined) return done;
  }
  // A new set, or one whose form may change: rebuilt as Redis's adds one by one would leave it.
  const text = asBuffer(members.buf);
  const given: string[] = [];
  for (let i = from; i < to; i++) given.push(text.latin1Slice(members.starts[i], members.ends[i]));
  let form: SetEncoding;
  let current: string[];
  if (slot < 0) {
    form = createdForm(store.memory.limits, given[0], given.length);
    current = [];
  } else {
    form = setEncoding(store, slot);
    current = setMembers(store, slot);
  }
  const seen = new Set(current);
  const before = seen.size;
  for (const member of given) {
    if (seen.has(member)) continue;
    form = formAfterAdd(store.memory.limits, form, seen.size, member, seen);
    seen.add(member);
  }
  const added = seen.size - before;
  if (slot >= 0 && added === 0) return 0;
  return writeSet(store, slot, keys, key, [...seen], form) < 0 ? -1 : added;
}

/** Adds one member in the packed bytes when its form stays: the members added (0, 1), -1 (cannot fit), or undefined (the form must change). */
function addOneInPlace(store: Lru, slot: number, members: ByteRanges, i: number): number | undefined {
  const limits = store.memory.limits;
  const start = members.starts[i];
  const end = members.ends[i];
  if (setHas(store, slot, members.buf, start, end)) return 0;
  const view = store.valueView(slot);
  const packing = packingAt(view.buf, view.start);
  const count = countAt(view.buf, view.start);
  if (packing === Packing.LISTPACK) {
    if (count >= limits.setMaxListpackEntries || end - start > limits.setMaxListpackValue) return undefined;
    const at = view.end - view.start;
    const opened = store.spliceValue(slot, at, 0, elementSize(end - start));
    if (opened === null) return -1;
    writeElement(opened.buf, opened.start + at, members.buf, start, end);
    setCountAt(opened.buf, opened.start, count + 1);
    return 1;
  }
  const n = integerOf(members.buf, start, end);
  const width = intWidth(packing);
  if (n === undefined || count + 1 > limits.setMaxIntsetEntries || widthFor(n) > width) return undefined;
  const position = -intIndex(view.buf, view.start, packing, n) - 1;
  const at = PACKED_HEADER + position * width;
  const opened = store.spliceValue(slot, at, 0, width);
  if (opened === null) return -1;
  writeInt(opened.buf, opened.start + at, n, width);
  setCountAt(opened.buf, opened.start, count + 1);
  return 1;
}

/** The form SADD makes a new set in, from its first member and how many are given (setTypeCreate). */
function createdForm(limits: EncodingLimits, first: string, hint: number): SetEncoding {
  if (integerOfString(first) !== undefined && hint <= limits.setMaxIntsetEntries) return 'intset';
  return hint <= limits.setMaxListpackEntries ? 'listpack' : 'hashtable';
}

/** The form a set of `count` members (`members`) is in once `member` is added to it (setTypeAddAux). */
function formAfterAdd(limits: EncodingLimits, form: SetEncoding, count: number, member: string, members: Iterable<string>, upTo = Infinity): SetEncoding {
  if (form === 'hashtable') return form;
  if (form === 'listpack') return count < limits.setMaxListpackEntries && member.length <= limits.setMaxListpackValue ? form : 'hashtable';
  if (integerOfString(member) !== undefined) return count + 1 > limits.setMaxIntsetEntries ? 'hashtable' : form;
  // An intset's members are integers (20 bytes at most): only a tiny value limit makes this walk matter, and it runs once.
  let longest = 0;
  let seen = 0;
  for (const m of members) {
    if (seen++ >= upTo) break;
    longest = Math.max(longest, m.length);
  }
  return count < limits.setMaxListpackEntries && member.length < limits.setMaxListpackValue && longest < limits.setMaxListpackValue ? 'listpack' : 'hashtable';
}

function integerOfString(text: string): number | bigint | undefined {
  const bytes = Buffer.from(text, 'latin1');
  return integerOf(bytes, 0, bytes.length);
}

/**
 * The set at `slot`, its expiry kept, becomes exactly `members` (distinct, at least one) in
 * `form`; or, for slot -1, the value at key `key` of `keys` becomes such a set, whatever it held
 * (its expiry dropped: SINTERSTORE, SUNIONSTORE, SDIFFSTORE, a new set). Without `form`, the form
 * a set made of them one by one would have. The slot, or -1, changing nothing, when it cannot fit.
 */
export function writeSet(store: Lru, slot: number, keys: ByteRanges, key: number, members: readonly string[], form?: SetEncoding): number {
  const value = setOf(store.memory.limits, members, form);
  if (value instanceof LruSet) {
    if (slot >= 0) return store.toObject(slot, value) ? slot : -1;
    return store.setObject(keys.buf, keys.starts[key], keys.ends[key], Kind.SET, value);
  }
  if (slot < 0) return store.createPacked(keys.buf, keys.starts[key], keys.ends[key], Kind.SET, PACK.buf, 0, PACK.length);
  return store.replacePacked(slot, PACK.buf, 0, PACK.length, Kind.SET) ? slot : -1;
}

/**
 * A set of exactly `members` (distinct, at least one) in `form`, or without one in the form a set
 * made of them one by one would have: an LruSet, or packed (its bytes PACK.buf[0, PACK.length),
 * valid until the next packing; `bytes` a view of them). A hand-over copies the bytes.
 */
export function setOf(limits: EncodingLimits, members: readonly string[], form?: SetEncoding): LruSet | Packed {
  if (form === undefined) {
    form = 'intset';
    for (let i = 0; i < members.length && form !== 'hashtable'; i++) form = formAfterAdd(limits, form, i, members[i], members, i);
  }
  if (form === 'hashtable') return LruSet.of(members);
  if (form === 'listpack') {
    PACK.begin(Packing.LISTPACK);
    for (const member of members) PACK.elementString(member);
  } else {
    const ints = members.map((m) => integerOfString(m)!).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    let width = 2;
    for (const n of ints) width = Math.max(width, widthFor(n));
    PACK.begin(width === 2 ? Packing.INTSET16 : width === 4 ? Packing.INTSET32 : Packing.INTSET64);
    for (const n of ints) PACK.int(n, width);
  }
  const length = PACK.finish();
  return { kind: Kind.SET, bytes: PACK.buf.subarray(0, length) };
}

/** SREM: removes members[from, to); the members removed. The set goes when emptied. */
export function setRemove(store: Lru, slot: number, members: ByteRanges, from: number, to: number): number {
  if (!store.isInline(slot)) {
    const set = store.objectAt<LruSet>(slot);
    const text = asBuffer(members.buf);
    let removed = 0;
    for (let i = from; i < to; i++) if (set.delete(text.latin1Slice(members.starts[i], members.ends[i]))) removed++;
    if (removed > 0) store.objectChanged(slot);
    return removed;
  }
  let removed = 0;
  for (let i = from; i < to; i++) {
    const gone = removeOnePacked(store, slot, members.buf, members.starts[i], members.ends[i]);
    if (gone === NOT_THERE) continue;
    removed++;
    if (gone === LAST) break;
  }
  return removed;
}

const NOT_THERE = 0;
const REMOVED = 1;
/** The member removed was the last: the set is gone. */
const LAST = 2;

/** Removes one member from a packed set (deleting the set if it was the last). */
export function removeOnePacked(store: Lru, slot: number, src: Uint8Array, start: number, end: number): number {
  const view = store.valueView(slot);
  const buf = view.buf;
  const packing = packingAt(buf, view.start);
  const count = countAt(buf, view.start);
  let at = -1;
  let size = 0;
  if (packing === Packing.LISTPACK) {
    for (let p = view.start + PACKED_HEADER; p < view.end; p = nextAt(buf, p, 0)) {
      if (!elementEquals(buf, p, src, start, end)) continue;
      at = p - view.start;
      size = nextAt(buf, p, 0) - p;
      break;
    }
  } else {
    const n = integerOf(src, start, end);
    const i = n === undefined ? -1 : intIndex(buf, view.start, packing, n);
    if (i >= 0) {
      size = intWidth(packing);
      at = PACKED_HEADER + i * size;
    }
  }
  if (at < 0) return NOT_THERE;
  if (count === 1) {
    store.remove(slot);
    return LAST;
  }
  const after = store.spliceValue(slot, at, size, 0)!;
  setCountAt(after.buf, after.start, count - 1);
  return REMOVED;
}
