import { Kind } from './layout';
import type { LruObject } from './object';

/**
 * A list past its packed limit (list-max-listpack-size): a ring of latin1 strings, so both ends
 * push and pop in O(1) and an index is O(1) (Redis's quicklist walks its nodes). Charged
 * LIST_OVERHEAD plus, per element, its length and LIST_ELEMENT_OVERHEAD: a one-byte string's
 * header (16 bytes, its characters padded to 8) and the ring's slot (8 bytes, with the slack of
 * its doubling): libs/lru/bench/collection-memory.ts measures 24-30 heap bytes per element besides
 * its characters, so the charge errs a little high.
 */
export const LIST_OVERHEAD = 256;
export const LIST_ELEMENT_OVERHEAD = 32;

export class LruList implements LruObject {
  readonly kind = Kind.LIST;
  bytes = LIST_OVERHEAD;
  size = 0;
  private ring: (string | undefined)[] = new Array(16);
  private head = 0;
  private mask = 15;

  static of(items: readonly string[]): LruList {
    const list = new LruList();
    for (const item of items) list.pushRight(item);
    return list;
  }

  clone(): LruList {
    return LruList.of(this.toArray());
  }

  /** Bytes an element adds to `bytes`. */
  static cost(length: number): number {
    return length + LIST_ELEMENT_OVERHEAD;
  }

  at(index: number): string {
    return this.ring[(this.head + index) & this.mask]!;
  }

  set(index: number, value: string): void {
    const i = (this.head + index) & this.mask;
    this.bytes += value.length - this.ring[i]!.length;
    this.ring[i] = value;
  }

  pushLeft(value: string): void {
    if (this.size === this.ring.length) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.ring[this.head] = value;
    this.size++;
    this.bytes += LruList.cost(value.length);
  }

  pushRight(value: string): void {
    if (this.size === this.ring.length) this.grow();
    this.ring[(this.head + this.size) & this.mask] = value;
    this.size++;
    this.bytes += LruList.cost(value.length);
  }

  popLeft(): string {
    const value = this.ring[this.head]!;
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.size--;
    this.bytes -= LruList.cost(value.length);
    this.maybeShrink();
    return value;
  }

  popRight(): string {
    const i = (this.head + this.size - 1) & this.mask;
    const value = this.ring[i]!;
    this.ring[i] = undefined;
    this.size--;
    this.bytes -= LruList.cost(value.length);
    this.maybeShrink();
    return value;
  }

  /** Elements [start, stop] (0 <= start <= stop < size) appended to `out`. */
  range(start: number, stop: number, out: string[]): string[] {
    for (let i = start; i <= stop; i++) out.push(this.ring[(this.head + i) & this.mask]!);
    return out;
  }

  /** Every element, left to right. */
  toArray(): string[] {
    return this.size === 0 ? [] : this.range(0, this.size - 1, []);
  }

  /** Replaces every element with `items` (LINSERT, LREM, LTRIM: rebuilt whole). */
  replaceAll(items: readonly string[]): void {
    this.ring = new Array(16);
    this.head = 0;
    this.mask = 15;
    this.size = 0;
    this.bytes = LIST_OVERHEAD;
    for (const item of items) this.pushRight(item);
  }

  private grow(): void {
    const ring: (string | undefined)[] = new Array(this.ring.length * 2);
    for (let i = 0; i < this.size; i++) ring[i] = this.ring[(this.head + i) & this.mask];
    this.ring = ring;
    this.head = 0;
    this.mask = ring.length - 1;
  }

  /** A ring a quarter full (and past its first size) halves, so a drained list gives its memory back. */
  private maybeShrink(): void {
    if (this.ring.length <= 16 || this.size * 4 > this.ring.length) return;
    const ring: (string | undefined)[] = new Array(this.ring.length / 2);
    for (let i = 0; i < this.size; i++) ring[i] = this.ring[(this.head + i) & this.mask];
    this.ring = ring;
    this.head = 0;
    this.mask = ring.length - 1;
  }
}
