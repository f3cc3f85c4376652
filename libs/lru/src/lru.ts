/**
 * One shard's store: a byte-bounded LRU map from key to value, both latin1 strings (one char per
 * byte, so any bytes round-trip and V8 keeps them as compact one-byte strings).
 *
 * Recency is a doubly linked list over integer slots kept in typed arrays, so there is no object
 * per entry: a Map from key to slot, and parallel arrays indexed by slot for key, value, size and
 * links. Freed slots are reused from a stack; the arrays grow by doubling.
 */

/**
 * Bytes charged per entry on top of key and value lengths: an estimate of what V8 spends on the
 * Map entry, two string headers, two array slots and the typed-array links (64-bit, no pointer
 * compression, as Node ships).
 */
export const ENTRY_OVERHEAD = 112;

const NONE = -1;

export interface LruOptions {
  /** Upper bound of `bytes`: entries are evicted, least recently used first, to stay within it. */
  maxBytes: number;
  /** Bytes charged per entry besides key and value lengths. Default ENTRY_OVERHEAD. */
  entryOverhead?: number;
  /** Slots allocated up front; the arrays double when they fill. Default 1024. */
  initialCapacity?: number;
}

export class Lru {
  readonly maxBytes: number;
  readonly entryOverhead: number;

  /** Sum of key length + value length + entryOverhead over all entries. Never above maxBytes. */
  bytes = 0;
  hits = 0;
  misses = 0;
  evictions = 0;

  private readonly index = new Map<string, number>();
  private keys: string[];
  private values: string[];
  private sizes: Int32Array;
  /** Towards the least recently used end. */
  private next: Int32Array;
  /** Towards the most recently used end. */
  private prev: Int32Array;
  private freeSlots: Int32Array;
  private freeCount = 0;
  /** Slots handed out so far, free or not; the next fresh slot. */
  private used = 0;
  private head = NONE;
  private tail = NONE;

  constructor(options: LruOptions) {
    if (!(options.maxBytes > 0)) throw new RangeError('maxBytes must be positive');
    this.maxBytes = options.maxBytes;
    this.entryOverhead = options.entryOverhead ?? ENTRY_OVERHEAD;
    const capacity = Math.max(16, options.initialCapacity ?? 1024);
    this.keys = new Array<string>(capacity).fill('');
    this.values = new Array<string>(capacity).fill('');
    this.sizes = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
    this.prev = new Int32Array(capacity);
    this.freeSlots = new Int32Array(capacity);
  }

  get size(): number {
    return this.index.size;
  }

  /** What an entry would be charged. */
  costOf(key: string, value: string): number {
    return key.length + value.length + this.entryOverhead;
  }

  /** The value, made most recently used; counts a hit or a miss. */
  get(key: string): string | undefined {
    const slot = this.index.get(key);
    if (slot === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.moveToHead(slot);
    return this.values[slot];
  }

  /** The value without touching recency or counters. */
  peek(key: string): string | undefined {
    const slot = this.index.get(key);
    return slot === undefined ? undefined : this.values[slot];
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  /**
   * Stores the entry as most recently used, evicting least recently used entries until it fits.
   * Returns false, changing nothing, when the entry alone is larger than maxBytes.
   */
  set(key: string, value: string): boolean {
    const cost = key.length + value.length + this.entryOverhead;
    if (cost > this.maxBytes) return false;
    let slot = this.index.get(key);
    if (slot !== undefined) {
      this.bytes += cost - this.sizes[slot];
      this.values[slot] = value;
      this.sizes[slot] = cost;
      this.moveToHead(slot);
      // The updated entry is the head, and it fits alone, so eviction stops before reaching it.
      while (this.bytes > this.maxBytes) this.evictTail();
      return true;
    }
    while (this.bytes + cost > this.maxBytes) this.evictTail();
    slot = this.allocSlot();
    this.keys[slot] = key;
    this.values[slot] = value;
    this.sizes[slot] = cost;
    this.bytes += cost;
    this.index.set(key, slot);
    this.linkAtHead(slot);
    return true;
  }

  delete(key: string): boolean {
    const slot = this.index.get(key);
    if (slot === undefined) return false;
    this.removeSlot(slot);
    return true;
  }

  clear(): void {
    this.index.clear();
    this.keys.fill('');
    this.values.fill('');
    this.bytes = 0;
    this.used = 0;
    this.freeCount = 0;
    this.head = this.tail = NONE;
  }

  /** Entries from most to least recently used, without touching recency. */
  *entries(): IterableIterator<[string, string]> {
    for (let slot = this.head; slot !== NONE; slot = this.next[slot]) {
      yield [this.keys[slot], this.values[slot]];
    }
  }

  private evictTail(): void {
    this.evictions++;
    this.removeSlot(this.tail);
  }

  private removeSlot(slot: number): void {
    this.index.delete(this.keys[slot]);
    this.unlink(slot);
    this.bytes -= this.sizes[slot];
    // Drop the strings so their memory is reclaimable now, not when the slot is reused.
    this.keys[slot] = '';
    this.values[slot] = '';
    this.freeSlots[this.freeCount++] = slot;
  }

  private allocSlot(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount];
    if (this.used === this.sizes.length) this.grow();
    return this.used++;
  }

  private grow(): void {
    const capacity = this.sizes.length * 2;
    this.sizes = growInt32(this.sizes, capacity);
    this.next = growInt32(this.next, capacity);
    this.prev = growInt32(this.prev, capacity);
    this.freeSlots = growInt32(this.freeSlots, capacity);
    for (let i = this.keys.length; i < capacity; i++) {
      this.keys.push('');
      this.values.push('');
    }
  }

  private linkAtHead(slot: number): void {
    this.prev[slot] = NONE;
    this.next[slot] = this.head;
    if (this.head !== NONE) this.prev[this.head] = slot;
    this.head = slot;
    if (this.tail === NONE) this.tail = slot;
  }

  private unlink(slot: number): void {
    const p = this.prev[slot];
    const n = this.next[slot];
    if (p === NONE) this.head = n;
    else this.next[p] = n;
    if (n === NONE) this.tail = p;
    else this.prev[n] = p;
  }

  private moveToHead(slot: number): void {
    if (slot === this.head) return;
    this.unlink(slot);
    this.linkAtHead(slot);
  }
}

function growInt32(from: Int32Array, capacity: number): Int32Array {
  const to = new Int32Array(capacity);
  to.set(from);
  return to;
}
