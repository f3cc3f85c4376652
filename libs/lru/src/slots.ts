import type { Value } from './hash';

/**
 * The storage under Lru: integer slots in parallel arrays (key, value, charged size, recency
 * links, version), a Map from key to slot, and the recency list threaded through the slots. There
 * is no object per entry (a hash value is one object: hash.ts). Freed slots are linked through
 * `next` and reused; the arrays grow by doubling. Knows nothing of expiry or eviction (expiry.ts
 * and eviction.ts build on it).
 *
 * The layers are subclasses, not objects the Lru holds, so every field stays on the one Lru
 * object and a get or set reaches it with no extra hop.
 */

/** No slot: the end of a list, or an empty list. */
export const NONE = -1;

/**
 * The last version stamp handed out: one counter for the process, so stamps are unique across
 * every Lru in it. It starts at ms since 1970 x 1024, so a worker restarted later starts above
 * the stamps of the one before it unless that one wrote over 1024 times per ms on average;
 * stamps stay exact doubles (under 2^53) until the year 2248.
 */
let clock = Date.now() * 1024;

export class Slots {
  /** Sum of the charged sizes over all entries. */
  bytes = 0;

  protected readonly index = new Map<string, number>();
  protected keys: string[];
  protected values: Value[];
  /** Charged bytes by slot; 0 marks a free slot. */
  protected sizes: Int32Array;
  /** Towards the least recently used end. */
  protected next: Int32Array;
  /** Towards the most recently used end. */
  protected prev: Int32Array;
  /** Version stamp by slot: set on every write to the entry (Lru.version). */
  protected versions: Float64Array;
  /** Freed slots, linked through `next`. */
  protected freeHead = NONE;
  /** Slots handed out so far, free or not; the next fresh slot. */
  protected used = 0;
  protected head = NONE;
  protected tail = NONE;

  constructor(capacity: number) {
    this.keys = new Array<string>(capacity).fill('');
    this.values = new Array<Value>(capacity).fill('');
    this.sizes = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
    this.prev = new Int32Array(capacity);
    this.versions = new Float64Array(capacity);
  }

  get size(): number {
    return this.index.size;
  }

  /** Entries from most to least recently used, without touching recency (expired ones included). */
  *entries(): IterableIterator<[string, Value]> {
    for (let slot = this.head; slot !== NONE; slot = this.next[slot]) {
      yield [this.keys[slot], this.values[slot]];
    }
  }

  clear(): void {
    this.index.clear();
    this.keys.fill('');
    this.values.fill('');
    this.sizes.fill(0);
    this.bytes = 0;
    this.used = 0;
    this.freeHead = NONE;
    this.head = this.tail = NONE;
  }

  protected allocSlot(): number {
    if (this.freeHead !== NONE) {
      const slot = this.freeHead;
      this.freeHead = this.next[slot];
      return slot;
    }
    if (this.used === this.sizes.length) this.grow();
    return this.used++;
  }

  /** Doubles every array indexed by slot. */
  protected grow(): void {
    const capacity = this.sizes.length * 2;
    this.sizes = growInt32(this.sizes, capacity);
    this.next = growInt32(this.next, capacity);
    this.prev = growInt32(this.prev, capacity);
    const versions = new Float64Array(capacity);
    versions.set(this.versions);
    this.versions = versions;
    for (let i = this.keys.length; i < capacity; i++) {
      this.keys.push('');
      this.values.push('');
    }
  }

  /** The entry in `slot` was written: it gets a new version stamp. */
  protected stamp(slot: number): void {
    this.versions[slot] = ++clock;
  }

  protected linkAtHead(slot: number): void {
    this.prev[slot] = NONE;
    this.next[slot] = this.head;
    if (this.head !== NONE) this.prev[this.head] = slot;
    this.head = slot;
    if (this.tail === NONE) this.tail = slot;
  }

  protected unlink(slot: number): void {
    const p = this.prev[slot];
    const n = this.next[slot];
    if (p === NONE) this.head = n;
    else this.next[p] = n;
    if (n === NONE) this.tail = p;
    else this.prev[n] = p;
  }

  protected moveToHead(slot: number): void {
    if (slot === this.head) return;
    this.unlink(slot);
    this.linkAtHead(slot);
  }
}

export function growInt32(from: Int32Array, capacity: number): Int32Array {
  const to = new Int32Array(capacity);
  to.set(from);
  return to;
}
