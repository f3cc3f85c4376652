/**
 * One shard's store: a byte-bounded LRU map from key to value, both latin1 strings (one char per
 * byte, so any bytes round-trip and V8 keeps them as compact one-byte strings).
 *
 * Built in layers, each a subclass of the one below so that every field lives on the one object:
 * slots.ts (parallel arrays over integer slots, the Map from key to slot, the recency list),
 * expiry.ts (TTLs, lazy and active expiry), eviction.ts (the maxmemory policies), and here the
 * map itself: reads and writes, byte accounting against maxBytes, SCAN's walk and hand-over.
 */

import { EvictingSlots, type EvictionPolicy } from './eviction';
import { NONE } from './slots';

/**
 * Bytes charged per entry on top of key and value lengths: what V8 really spends per entry once a
 * full shard has evicted for a while (heap snapshot under `npm run bench -- --memory-stress`:
 * ~238 bytes besides key and value; the Map's table doubles under insert-and-evict churn, and
 * the slot arrays grow by powers of two). Fresh inserts cost less (~90); a cache that is full
 * churns, so this is the figure that keeps a full cache near its limit.
 */
export const ENTRY_OVERHEAD = 232;

export interface LruOptions {
  /** Default allkeys-lru. */
  policy?: EvictionPolicy;
  /** Upper bound of `bytes`: entries are evicted, least recently used first, to stay within it. */
  maxBytes: number;
  /** Bytes charged per entry besides key and value lengths. Default ENTRY_OVERHEAD. */
  entryOverhead?: number;
  /** Slots allocated up front; the arrays double when they fill. Default 1024. */
  initialCapacity?: number;
}

export class Lru extends EvictingSlots {
  /** Upper bound of `bytes` (key length + value length + entryOverhead over all entries). */
  readonly maxBytes: number;
  readonly entryOverhead: number;

  hits = 0;
  misses = 0;

  constructor(options: LruOptions) {
    if (!(options.maxBytes > 0)) throw new RangeError('maxBytes must be positive');
    const maxBytes = options.maxBytes;
    const entryOverhead = options.entryOverhead ?? ENTRY_OVERHEAD;
    const policy = options.policy ?? 'allkeys-lru';
    super(Math.max(16, options.initialCapacity ?? 1024), policy);
    this.maxBytes = maxBytes;
    this.entryOverhead = entryOverhead;
  }

  /** What an entry would be charged. */
  costOf(key: string, value: string): number {
    return key.length + value.length + this.entryOverhead;
  }

  /** Bytes charged for a live key (key + value + entryOverhead); 0 when there is no such key. */
  chargeOf(key: string): number {
    const slot = this.live(key);
    return slot < 0 ? 0 : this.sizes[slot];
  }

  /** How much `bytes` would grow if set() stored this entry (negative when it shrinks). */
  growthOf(key: string, value: string): number {
    const slot = this.live(key);
    return key.length + value.length + this.entryOverhead - (slot >= 0 ? this.sizes[slot] : 0);
  }

  /** The value, made most recently used; counts a hit or a miss. An expired entry is a miss. */
  get(key: string): string | undefined {
    const slot = this.live(key);
    if (slot < 0) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.moveToHead(slot);
    return this.values[slot];
  }

  /** The value without touching recency or counters. */
  peek(key: string): string | undefined {
    const slot = this.live(key);
    return slot < 0 ? undefined : this.values[slot];
  }

  has(key: string): boolean {
    return this.live(key) >= 0;
  }

  /**
   * Stores the entry as most recently used, evicting as the policy says until it fits.
   * `expireAt` is Unix ms (0: never); `keepTtl` keeps an existing entry's expiry instead.
   * Returns false, leaving the entry as it was, when it cannot fit: larger than maxBytes alone,
   * or the policy found nothing (more) to evict.
   */
  set(key: string, value: string, expireAt = 0, keepTtl = false): boolean {
    const cost = key.length + value.length + this.entryOverhead;
    if (cost > this.maxBytes) return false;
    let slot = this.live(key);
    if (slot >= 0) {
      if (!this.makeRoom(this.bytes + cost - this.sizes[slot] - this.maxBytes, slot)) return false;
      this.bytes += cost - this.sizes[slot];
      if (this.expiryAt(slot) !== 0) this.volatileBytes += cost - this.sizes[slot];
      this.values[slot] = value;
      this.sizes[slot] = cost;
      if (!keepTtl) this.setExpiry(slot, expireAt);
      this.moveToHead(slot);
      return true;
    }
    if (!this.makeRoom(this.bytes + cost - this.maxBytes, NONE)) return false;
    this.fill(this.allocSlot(), key, value, cost, expireAt);
    return true;
  }

  /** Puts a new entry in a free slot as the most recently used. */
  private fill(slot: number, key: string, value: string, cost: number, expireAt: number): void {
    this.keys[slot] = key;
    this.values[slot] = value;
    this.sizes[slot] = cost;
    this.setExpiry(slot, expireAt);
    this.bytes += cost;
    this.index.set(key, slot);
    this.linkAtHead(slot);
  }

  delete(key: string): boolean {
    const slot = this.live(key);
    if (slot < 0) return false;
    this.removeSlot(slot);
    return true;
  }

  /**
   * A step of SCAN's walk over the slots, in slot order: appends to `out` the keys of unexpired
   * entries in slots `from`, `from + 1` ... until `count` keys were found or `count * 10` slots (at
   * least 1000) were looked at, and returns the slot to go on from, or -1 when no slot is left.
   * Touches neither recency nor counters. An entry keeps its slot for as long as it lives, so a
   * walk from 0 to -1 returns each key that existed throughout exactly once; a key added meanwhile
   * may be missed (its slot may be behind the walk).
   */
  scanSlots(from: number, count: number, out: string[], now = Date.now()): number {
    const used = this.used;
    const stop = Math.min(used, from + Math.max(count * 10, 1000));
    let slot = Math.max(0, from);
    let found = 0;
    while (slot < stop && found < count) {
      const at = this.expiryAt(slot);
      if (this.sizes[slot] !== 0 && (at === 0 || at > now)) {
        out.push(this.keys[slot]);
        found++;
      }
      slot++;
    }
    return slot >= used ? -1 : slot;
  }

  /**
   * Every live entry from least to most recently used, with its expiry (Unix ms, 0: none) and its
   * slot: restoring them in this order, each at its slot, into an empty Lru rebuilds the same
   * recency and the same slot order (a shard's hand-over to another worker, which must not break
   * a SCAN cursor taken before it). Touches neither recency nor counters.
   */
  forEachOldestFirst(visit: (key: string, value: string, expireAt: number, slot: number) => void, now = Date.now()): void {
    for (let slot = this.tail; slot !== NONE; slot = this.prev[slot]) {
      const at = this.expiryAt(slot);
      if (at !== 0 && at <= now) continue;
      visit(this.keys[slot], this.values[slot], at, slot);
    }
  }

  /**
   * Stores an entry at a given slot as the most recently used, for an Lru being rebuilt from
   * forEachOldestFirst (no other writes until finishRestore). False, storing nothing, when the
   * key or the slot is taken or the entry does not fit.
   */
  restoreAt(slot: number, key: string, value: string, expireAt: number): boolean {
    const cost = key.length + value.length + this.entryOverhead;
    if (!(slot >= 0) || this.index.has(key) || this.bytes + cost > this.maxBytes) return false;
    while (slot >= this.sizes.length) this.grow();
    if (this.sizes[slot] !== 0) return false;
    this.fill(slot, key, value, cost, expireAt);
    if (slot >= this.used) this.used = slot + 1;
    return true;
  }

  /** After the last restoreAt: the slots left empty below the highest one become reusable. */
  finishRestore(): void {
    this.freeHead = NONE;
    for (let slot = this.used - 1; slot >= 0; slot--) {
      if (this.sizes[slot] !== 0) continue;
      this.next[slot] = this.freeHead;
      this.freeHead = slot;
    }
  }
}
