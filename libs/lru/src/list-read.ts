import { asBuffer } from './object';
import { LruList } from './list';
import type { Lru } from './lru';
import { countAt, elementEquals, lengthAt, PACKED_HEADER, varintSize } from './packed';

/**
 * Reading a list without copying it: LRANGE and the pops' replies, LPOS. A packed list's
 * elements go out as bytes where they lie (no string per element); a big list's as its strings.
 */

/** Where a list's elements go, in order. */
export interface ElementSink {
  elementBytes(buf: Uint8Array, start: number, end: number): void;
  elementString(text: string): void;
}

/** Byte offsets of a packed list's elements (one shared array: read it at once). */
let OFFSETS = new Int32Array(256);

/** Sends elements [start, stop] (0 <= start <= stop < length) to `sink`, left to right, or right to left when `reverse`. */
export function listVisit(store: Lru, slot: number, start: number, stop: number, reverse: boolean, sink: ElementSink): void {
  if (!store.isInline(slot)) {
    const list = store.objectAt<LruList>(slot);
    if (reverse) for (let i = stop; i >= start; i--) sink.elementString(list.at(i));
    else for (let i = start; i <= stop; i++) sink.elementString(list.at(i));
    return;
  }
  const view = store.valueView(slot);
  const buf = view.buf;
  let p = view.start + PACKED_HEADER;
  if (!reverse) {
    for (let i = 0; i <= stop; i++) {
      const length = lengthAt(buf, p);
      const d = p + varintSize(length);
      if (i >= start) sink.elementBytes(buf, d, d + length);
      p = d + length;
    }
    return;
  }
  const n = stop - start + 1;
  if (OFFSETS.length < n) OFFSETS = new Int32Array(Math.max(n, OFFSETS.length * 2));
  for (let i = 0; i <= stop; i++) {
    if (i >= start) OFFSETS[i - start] = p;
    p = p + varintSize(lengthAt(buf, p)) + lengthAt(buf, p);
  }
  for (let i = n - 1; i >= 0; i--) {
    const q = OFFSETS[i];
    const length = lengthAt(buf, q);
    const d = q + varintSize(length);
    sink.elementBytes(buf, d, d + length);
  }
}

/**
 * LPOS's walk: calls `found(index)` for each element equal to src[start, end), from the head
 * (or from the tail when `fromTail`), looking at no more than `maxlen` elements (0: all),
 * until `found` answers false.
 */
export function listMatches(store: Lru, slot: number, src: Uint8Array, start: number, end: number, fromTail: boolean, maxlen: number, found: (index: number) => boolean): void {
  if (!store.isInline(slot)) {
    const list = store.objectAt<LruList>(slot);
    const wanted = asBuffer(src).latin1Slice(start, end);
    const n = list.size;
    const limit = maxlen === 0 ? n : Math.min(n, maxlen);
    for (let k = 0; k < limit; k++) {
      const index = fromTail ? n - 1 - k : k;
      if (list.at(index) === wanted && !found(index)) return;
    }
    return;
  }
  const view = store.valueView(slot);
  const buf = view.buf;
  const n = countAt(buf, view.start);
  const limit = maxlen === 0 ? n : Math.min(n, maxlen);
  if (OFFSETS.length < n) OFFSETS = new Int32Array(Math.max(n, OFFSETS.length * 2));
  let p = view.start + PACKED_HEADER;
  for (let i = 0; i < n; i++) {
    OFFSETS[i] = p;
    p = p + varintSize(lengthAt(buf, p)) + lengthAt(buf, p);
  }
  for (let k = 0; k < limit; k++) {
    const index = fromTail ? n - 1 - k : k;
    if (elementEquals(buf, OFFSETS[index], src, start, end) && !found(index)) return;
  }
}
