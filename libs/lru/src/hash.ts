import { Kind } from './layout';
import type { LruObject } from './object';

/**
 * A hash: the value of one LRU entry that maps fields to values, both latin1 strings (Redis's
 * hash type). The Lru holds it as one entry: evicted, expired and handed over whole, charged
 * key + `bytes` + the entry overhead, and charged again after every change (Lru.objectChanged).
 *
 * Layout: one array of (field, value, insertion number) triples in insertion order, and a Map
 * from field to its position. A deleted field leaves a hole (value undefined) that keeps its
 * insertion number, so the numbers stay ascending over positions; holes are squeezed out once
 * they outnumber the fields. So:
 * - HGETALL, HKEYS and HVALS list fields in insertion order, deletions keeping the others' order
 *   (as Redis's small encoding does);
 * - HSCAN's cursor is an insertion number: `scan(cursor)` returns the fields numbered cursor and
 *   up, so a field present from the first call to the last is returned exactly once, whatever
 *   is added or deleted meanwhile (a field added may be missed, as in Redis);
 * - HRANDFIELD picks a position at random, trying again on a hole (holes are at most about the
 *   fields' number).
 */

/**
 * Bytes charged per field besides field and value lengths, and per hash besides its fields (on
 * top of the entry overhead every key pays). Measured with V8 heap statistics on Node 20
 * (`node --expose-gc -r tsx/cjs libs/lru/bench/hash-memory.ts`: 10-byte fields, 16-byte values),
 * heap bytes a hash costs besides its characters, fresh and after a third of its fields were
 * deleted and set again (the Map keeps deleted entries until it grows, the array its holes):
 *
 *   fields       1    2    5     10     50     100    1000
 *   fresh      500  542  800   1534   4960  10622   93650
 *   churned    506  542  993   1401   7606  16057  134316
 *   charged    512  640 1024   1664   6784  13184  128384   (HASH_OVERHEAD + fields x FIELD_OVERHEAD)
 *
 * Per field: two string headers, a Map entry, a triple in the array, and the slack of their
 * doubling; per hash: the LruHash, its Map and array with their first tables. A hash that has
 * been written to for a while sits between the two rows, so the charge is set between them.
 */
export const FIELD_OVERHEAD = 128;
export const HASH_OVERHEAD = 384;

/** What hash commands read of a hash, in either form: an LruHash or a packed one (hash-packed.ts). */
export interface HashReader {
  readonly size: number;
  get(field: string): string | undefined;
  has(field: string): boolean;
  /** Every field and value, in insertion order. */
  forEach(visit: (field: string, value: string) => void): void;
  appendTo(out: string[], fields: boolean, values: boolean): string[];
  /** A field's position picked at random, for fieldAt/valueAt; -1 when the hash is empty. */
  randomPosition(random?: () => number): number;
  fieldAt(position: number): string;
  valueAt(position: number): string;
  /** Every field's position, in insertion order. */
  positions(): number[];
}

/** A hash's triples: field, value (undefined: a hole), insertion number. */
const STRIDE = 3;

export class LruHash implements LruObject, HashReader {
  readonly kind = Kind.HASH;
  /**
   * What this hash is charged besides its key and the entry overhead: HASH_OVERHEAD plus, per
   * field, field length + value length + FIELD_OVERHEAD. Kept by set() and delete().
   */
  bytes = HASH_OVERHEAD;
  private readonly index = new Map<string, number>();
  private items: (string | number | undefined)[] = [];
  /** Positions used, holes included. */
  private used = 0;
  private holes = 0;
  /** The next field's insertion number; the first is 1, so a cursor of 0 means from the start. */
  private nextSeq = 1;

  get size(): number {
    return this.index.size;
  }

  get(field: string): string | undefined {
    const at = this.index.get(field);
    return at === undefined ? undefined : (this.items[at * STRIDE + 1] as string);
  }

  has(field: string): boolean {
    return this.index.has(field);
  }

  /** How much `bytes` would grow if set(field, value) ran (negative when it shrinks). */
  growthOf(field: string, value: string): number {
    const at = this.index.get(field);
    if (at === undefined) return field.length + value.length + FIELD_OVERHEAD;
    return value.length - (this.items[at * STRIDE + 1] as string).length;
  }

  /** Sets a field; true when it is new (a new field goes last in order, an old one stays put). */
  set(field: string, value: string): boolean {
    const at = this.index.get(field);
    if (at !== undefined) {
      const i = at * STRIDE + 1;
      this.bytes += value.length - (this.items[i] as string).length;
      this.items[i] = value;
      return false;
    }
    this.append(field, value, this.nextSeq++);
    return true;
  }

  /** Removes a field; true when it was there. */
  delete(field: string): boolean {
    const at = this.index.get(field);
    if (at === undefined) return false;
    const i = at * STRIDE;
    this.bytes -= field.length + (this.items[i + 1] as string).length + FIELD_OVERHEAD;
    this.index.delete(field);
    // A hole keeps its insertion number (the order scan's binary search relies on) and drops its strings.
    this.items[i] = '';
    this.items[i + 1] = undefined;
    this.holes++;
    if (this.holes > 8 && this.holes * 2 > this.index.size) this.squeeze();
    return true;
  }

  /** Every field and value, in insertion order. */
  forEach(visit: (field: string, value: string) => void): void {
    const items = this.items;
    for (let i = 0, end = this.used * STRIDE; i < end; i += STRIDE) {
      const value = items[i + 1];
      if (value !== undefined) visit(items[i] as string, value as string);
    }
  }

  /** Appends fields, values or both (field, value, field, value ...) to `out`, in insertion order. */
  appendTo(out: string[], fields: boolean, values: boolean): string[] {
    const items = this.items;
    for (let i = 0, end = this.used * STRIDE; i < end; i += STRIDE) {
      const value = items[i + 1];
      if (value === undefined) continue;
      if (fields) out.push(items[i] as string);
      if (values) out.push(value as string);
    }
    return out;
  }

  /** A field's position picked at random, for fieldAt/valueAt; -1 when the hash is empty. */
  randomPosition(random: () => number = Math.random): number {
    if (this.index.size === 0) return -1;
    for (;;) {
      const at = Math.floor(random() * this.used);
      if (this.items[at * STRIDE + 1] !== undefined) return at;
    }
  }

  fieldAt(position: number): string {
    return this.items[position * STRIDE] as string;
  }

  valueAt(position: number): string {
    return this.items[position * STRIDE + 1] as string;
  }

  /** Every field's position, in insertion order (for HRANDFIELD's distinct picks). */
  positions(): number[] {
    const out: number[] = [];
    for (let at = 0; at < this.used; at++) if (this.items[at * STRIDE + 1] !== undefined) out.push(at);
    return out;
  }

  /**
   * One HSCAN step: appends field, value pairs to `out` for the fields whose insertion number
   * is `cursor` or more, in order, until `count` fields were added; returns the next cursor
   * (the insertion number of the next field), or 0 when no field is left.
   */
  scan(cursor: number, count: number, out: string[]): number {
    const items = this.items;
    // The first position whose insertion number is cursor or more (numbers ascend over positions).
    let lo = 0;
    let hi = this.used;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((items[mid * STRIDE + 2] as number) < cursor) lo = mid + 1;
      else hi = mid;
    }
    let found = 0;
    for (let at = lo; at < this.used; at++) {
      const i = at * STRIDE;
      const value = items[i + 1];
      if (value === undefined) continue;
      if (found === count) return items[i + 2] as number;
      out.push(items[i] as string, value as string);
      found++;
    }
    return 0;
  }

  /**
   * Every field with its value and insertion number, in order: what restore() takes back (a
   * hand-over). From position `from` (0: the first), until `visit` answers false: the position to
   * go on from then (the hash unchanged meanwhile), -1 once every field was visited.
   */
  forEachNumbered(visit: (field: string, value: string, seq: number) => unknown, from = 0): number {
    const items = this.items;
    for (let at = from; at < this.used; at++) {
      const i = at * STRIDE;
      const value = items[i + 1];
      if (value !== undefined && visit(items[i] as string, value as string, items[i + 2] as number) === false) return at + 1;
    }
    return -1;
  }

  /** A copy with the same order and HSCAN numbers. */
  clone(): LruHash {
    const hash = new LruHash();
    this.forEachNumbered((field, value, seq) => void hash.restore(field, value, seq));
    hash.nextSeq = this.nextSeq;
    return hash;
  }

  /**
   * Appends a field with the insertion number it had (from forEachNumbered, in that order), so a
   * rebuilt hash answers an HSCAN cursor taken before its hand-over as the old one would. False,
   * adding nothing, when the field is there already or the number is not above the last one.
   */
  restore(field: string, value: string, seq: number): boolean {
    if (this.index.has(field) || !(seq >= this.nextSeq) || !Number.isSafeInteger(seq)) return false;
    this.append(field, value, seq);
    this.nextSeq = seq + 1;
    return true;
  }

  private append(field: string, value: string, seq: number): void {
    this.items.push(field, value, seq);
    this.index.set(field, this.used++);
    this.bytes += field.length + value.length + FIELD_OVERHEAD;
  }

  /** Drops the holes, keeping order and insertion numbers. */
  private squeeze(): void {
    const from = this.items;
    const to: (string | number | undefined)[] = [];
    for (let i = 0, end = this.used * STRIDE; i < end; i += STRIDE) {
      if (from[i + 1] === undefined) continue;
      this.index.set(from[i] as string, to.length / STRIDE);
      to.push(from[i], from[i + 1], from[i + 2]);
    }
    this.items = to;
    this.used = to.length / STRIDE;
    this.holes = 0;
  }
}
