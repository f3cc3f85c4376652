import { Kind } from './layout';
import { LIST_OVERHEAD, LruList } from './list';
import type { Lru } from './lru';
import type { EncodingLimits } from './memory';
import { asBuffer, type ByteRanges, type Packed } from './object';
import { countAt, elementSize, lengthAt, nextAt, PACK, PACKED_HEADER, Packing, setCountAt, varintSize, writeElement } from './packed';

/**
 * A list's operations on either of its forms: packed in its block (LISTPACK, packed.ts) while
 * within list-max-listpack-size, an LruList past it (list.ts). Pushes and pops work on the
 * packed bytes where they lie; the rarer rewrites (LSET, LINSERT, LREM, LTRIM) rebuild the list
 * (listRewrite). Every write that cannot fit changes nothing and answers false or -1; a list
 * left empty is deleted.
 */

/** Redis's optimization_level: list-max-listpack-size -1 .. -5 in bytes. */
const SIZE_LEVELS = [4096, 8192, 16384, 32768, 65536];
/** A positive (count) limit still stops a packed list at this many bytes, as Redis's SIZE_SAFETY_LIMIT. */
const SAFETY_BYTES = 8192;

/** True when a packed list of `bytes` and `count` elements is within list-max-listpack-size (quicklistNodeExceedsLimit). */
export function listFitsPacked(limits: EncodingLimits, bytes: number, count: number): boolean {
  const fill = limits.listMaxListpackSize;
  if (fill < 0) return bytes <= SIZE_LEVELS[Math.min(-fill, SIZE_LEVELS.length) - 1];
  return bytes <= SAFETY_BYTES && count <= Math.max(fill, 1);
}

export function listLength(store: Lru, slot: number): number {
  if (!store.isInline(slot)) return store.objectAt<LruList>(slot).size;
  const view = store.valueView(slot);
  return countAt(view.buf, view.start);
}

/**
 * Pushes elements[from, to) on the left or right of the list at `slot` (-1: a new list at
 * key `key` of `keys`), one after another as Redis does (LPUSH a b c leaves c b a). The new
 * length, or -1, changing nothing, when it cannot fit.
 */
export function listPush(store: Lru, slot: number, keys: ByteRanges, key: number, elements: ByteRanges, from: number, to: number, left: boolean): number {
  const n = to - from;
  let add = 0;
  for (let i = from; i < to; i++) add += elementSize(elements.ends[i] - elements.starts[i]);
  const limits = store.memory.limits;
  if (slot < 0) {
    if (listFitsPacked(limits, PACKED_HEADER + add, n)) {
      PACK.begin(Packing.LISTPACK);
      if (left) for (let i = to - 1; i >= from; i--) PACK.element(elements.buf, elements.starts[i], elements.ends[i]);
      else for (let i = from; i < to; i++) PACK.element(elements.buf, elements.starts[i], elements.ends[i]);
      const made = store.createPacked(keys.buf, keys.starts[key], keys.ends[key], Kind.LIST, PACK.buf, 0, PACK.finish());
      return made < 0 ? -1 : n;
    }
    const list = new LruList();
    pushAll(list, elements, from, to, left);
    return store.setObject(keys.buf, keys.starts[key], keys.ends[key], Kind.LIST, list) < 0 ? -1 : list.size;
  }
  if (store.isInline(slot)) {
    let view = store.valueView(slot);
    const count = countAt(view.buf, view.start);
    const bytes = view.end - view.start;
    if (listFitsPacked(limits, bytes + add, count + n)) {
      const at = left ? PACKED_HEADER : bytes;
      const opened = store.spliceValue(slot, at, 0, add);
      if (opened === null) return -1;
      view = opened;
      let p = view.start + at;
      if (left) for (let i = to - 1; i >= from; i--) p = writeElement(view.buf, p, elements.buf, elements.starts[i], elements.ends[i]);
      else for (let i = from; i < to; i++) p = writeElement(view.buf, p, elements.buf, elements.starts[i], elements.ends[i]);
      setCountAt(view.buf, view.start, count + n);
      return count + n;
    }
    const list = LruList.of(packedItems(view.buf, view.start, view.end));
    pushAll(list, elements, from, to, left);
    return store.toObject(slot, list) ? list.size : -1;
  }
  const list = store.objectAt<LruList>(slot);
  let growth = 0;
  for (let i = from; i < to; i++) growth += LruList.cost(elements.ends[i] - elements.starts[i]);
  if (!store.reserve(slot, growth)) return -1;
  pushAll(list, elements, from, to, left);
  store.objectChanged(slot);
  return list.size;
}

function pushAll(list: LruList, elements: ByteRanges, from: number, to: number, left: boolean): void {
  for (let i = from; i < to; i++) list.pushBytes(elements.buf, elements.starts[i], elements.ends[i], left);
}

/**
 * Pops up to `count` elements from one end of a live list, into `out` in popping order (null:
 * dropped, no string made: the reply was sent from listVisit first); the list goes when emptied.
 */
export function listPop(store: Lru, slot: number, left: boolean, count: number, out: string[] | null): string[] | null {
  if (!store.isInline(slot)) {
    const list = store.objectAt<LruList>(slot);
    const n = Math.min(count, list.size);
    for (let i = 0; i < n; i++) {
      const value = left ? list.popLeft() : list.popRight();
      if (out !== null) out.push(value);
    }
    store.objectChanged(slot);
    return out;
  }
  const view = store.valueView(slot);
  const buf = view.buf;
  const total = countAt(buf, view.start);
  const n = Math.min(count, total);
  if (n === total) {
    if (out !== null) {
      const items = packedItems(buf, view.start, view.end);
      if (left) for (const item of items) out.push(item);
      else for (let i = items.length - 1; i >= 0; i--) out.push(items[i]);
    }
    store.remove(slot);
    return out;
  }
  let cut: number;
  if (left) {
    let p = view.start + PACKED_HEADER;
    for (let i = 0; i < n; i++) {
      const length = lengthAt(buf, p);
      const d = p + varintSize(length);
      if (out !== null) out.push(buf.latin1Slice(d, d + length));
      p = d + length;
    }
    cut = p - view.start;
    store.spliceValue(slot, PACKED_HEADER, cut - PACKED_HEADER, 0);
  } else {
    const offsets = offsetsOf(buf, view.start, total);
    if (out !== null) {
      for (let i = total - 1; i >= total - n; i--) {
        const p = offsets[i];
        const length = lengthAt(buf, p);
        const d = p + varintSize(length);
        out.push(buf.latin1Slice(d, d + length));
      }
    }
    cut = offsets[total - n] - view.start;
    store.spliceValue(slot, cut, view.end - view.start - cut, 0);
  }
  const after = store.valueView(slot);
  setCountAt(after.buf, after.start, total - n);
  return out;
}

/** Elements [start, stop] (0 <= start <= stop < length) appended to `out`. */
export function listRange(store: Lru, slot: number, start: number, stop: number, out: string[]): string[] {
  if (!store.isInline(slot)) return store.objectAt<LruList>(slot).range(start, stop, out);
  const view = store.valueView(slot);
  const buf = view.buf;
  let p = view.start + PACKED_HEADER;
  for (let i = 0; i <= stop; i++) {
    const length = lengthAt(buf, p);
    const d = p + varintSize(length);
    if (i >= start) out.push(buf.latin1Slice(d, d + length));
    p = d + length;
  }
  return out;
}

/** The element at `index` (0 <= index < length). */
export function listIndex(store: Lru, slot: number, index: number): string {
  if (!store.isInline(slot)) return store.objectAt<LruList>(slot).at(index);
  return listRange(store, slot, index, index, [])[0];
}

/** Every element, left to right. */
export function listItems(store: Lru, slot: number): string[] {
  if (!store.isInline(slot)) return store.objectAt<LruList>(slot).toArray();
  const view = store.valueView(slot);
  return packedItems(view.buf, view.start, view.end);
}

/**
 * The list at `slot` becomes `items` (LSET, LINSERT, LREM, LTRIM): packed again if it was and
 * still fits, else an LruList; deleted when empty. False, changing nothing, when it cannot fit.
 */
export function listRewrite(store: Lru, slot: number, items: readonly string[]): boolean {
  if (items.length === 0) {
    store.remove(slot);
    return true;
  }
  if (!store.isInline(slot)) {
    const list = store.objectAt<LruList>(slot);
    let bytes = LIST_OVERHEAD;
    for (const item of items) bytes += LruList.cost(item.length);
    if (!store.reserve(slot, bytes - list.bytes)) return false;
    list.replaceAll(items);
    store.objectChanged(slot);
    return true;
  }
  PACK.begin(Packing.LISTPACK);
  for (const item of items) PACK.elementString(item);
  const length = PACK.finish();
  if (listFitsPacked(store.memory.limits, length, items.length)) return store.replacePacked(slot, PACK.buf, 0, length);
  return store.toObject(slot, LruList.of(items));
}

/** A packed list's (or set's) elements as strings. */
export function packedItems(buf: Buffer, start: number, end: number): string[] {
  const out: string[] = [];
  for (let p = start + PACKED_HEADER; p < end; ) {
    const length = lengthAt(buf, p);
    const d = p + varintSize(length);
    out.push(buf.latin1Slice(d, d + length));
    p = d + length;
  }
  return out;
}

let OFFSETS = new Int32Array(256);

/** Where each of a packed value's `count` elements starts (a shared array: read it at once). */
function offsetsOf(buf: Uint8Array, start: number, count: number): Int32Array {
  if (OFFSETS.length < count) OFFSETS = new Int32Array(Math.max(count, OFFSETS.length * 2));
  let p = start + PACKED_HEADER;
  for (let i = 0; i < count; i++) {
    OFFSETS[i] = p;
    p = nextAt(buf, p, 0);
  }
  return OFFSETS;
}

/** A list of `items` as a hand-over restores it (Lru.restoreAt): packed when within the limits, else an LruList. */
export function listOf(limits: EncodingLimits, items: readonly string[]): Packed | LruList {
  PACK.begin(Packing.LISTPACK);
  for (const item of items) PACK.elementString(item);
  const length = PACK.finish();
  if (listFitsPacked(limits, length, items.length)) return { kind: Kind.LIST, bytes: Buffer.from(PACK.buf.subarray(0, length)) };
  return LruList.of(items);
}
