/**
 * One shard's store: a byte-bounded LRU map from key to value. Keys are latin1 strings (one char
 * per byte, so any bytes round-trip and V8 keeps them as compact one-byte strings); a value is
 * such a string or a hash of them (LruHash, hash.ts), which is one entry like any other: evicted,
 * expired and handed over whole, and charged again on every change.
 *
 * Built in layers, each a subclass of the one below so that every field lives on the one object:
 * slots.ts (parallel arrays over integer slots, the Map from key to slot, the recency list),
 * expiry.ts (TTLs, lazy and active expiry), eviction.ts (the maxmemory policies), and here the
 * map itself: reads and writes, byte accounting against maxBytes, SCAN's walk and hand-over.
 */

import { EvictingSlots, type EvictionPolicy } from './eviction';
import { sizeOf, type LruHash, type Value } from './hash';
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
  /**
   * Upper bound of `bytes`: over all entries, key length + entryOverhead + the value's length, or
   * for a hash its `bytes` (fields, values and their overheads, hash.ts).
   */
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

  /** Bytes charged for a live key (key + value or hash bytes + entryOverhead); 0 when there is no such key. */
  chargeOf(key: string): number {
    const slot = this.live(key);
    return slot < 0 ? 0 : this.sizes[slot];
  }

  /** How much `bytes` would grow if set() stored this entry (negative when it shrinks). */
  growthOf(key: string, value: string): number {
    const slot = this.live(key);
    return key.length + value.length + this.entryOverhead - (slot >= 0 ? this.sizes[slot] : 0);
  }

  /**
   * The value, made most recently used; counts a hit or a miss. An expired entry is a miss. A
   * string command answers WRONGTYPE for a value that is not a string, as Redis does.
   */
  get(key: string): Value | undefined {
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
  peek(key: string): Value | undefined {
    const slot = this.live(key);
    return slot < 0 ? undefined : this.values[slot];
  }

  has(key: string): boolean {
    return this.live(key) >= 0;
  }

  /** TYPE's answer: `string`, `hash`, or `none` for a key that does not exist. Touches nothing. */
  typeOf(key: string): 'string' | 'hash' | 'none' {
    const slot = this.live(key);
    return slot < 0 ? 'none' : typeof this.values[slot] === 'string' ? 'string' : 'hash';
  }

  /**
   * The key's modification stamp, for WATCH: it changes on every write to the key (set, a hash's
   * change, an expiry set or cleared, a delete and a new entry), is unique within the process
   * (one counter for every Lru), and is 0 when the key does not exist or has expired. Reading it
   * touches neither recency nor counters and removes nothing. An entry handed over to another
   * worker (restoreAt) gets a new stamp there.
   */
  version(key: string): number {
    const slot = this.index.get(key);
    if (slot === undefined) return 0;
    const at = this.expiryAt(slot);
    return at !== 0 && at <= Date.now() ? 0 : this.versions[slot];
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
      this.stamp(slot);
      this.moveToHead(slot);
      return true;
    }
    if (!this.makeRoom(this.bytes + cost - this.maxBytes, NONE)) return false;
    this.fill(this.allocSlot(), key, value, cost, expireAt);
    return true;
  }

  /**
   * Stores a hash as the key's value, most recently used and without expiry, evicting as set()
   * does (HSET and friends on a key that does not exist). False, storing nothing, when it cannot
   * fit. A key that exists loses its value and its expiry, as with set().
   */
  setHash(key: string, hash: LruHash): boolean {
    const cost = key.length + hash.bytes + this.entryOverhead;
    if (cost > this.maxBytes) return false;
    const slot = this.live(key);
    if (slot >= 0) {
      if (!this.makeRoom(this.bytes + cost - this.sizes[slot] - this.maxBytes, slot)) return false;
      this.resize(slot, cost);
      this.values[slot] = hash;
      this.setExpiry(slot, 0);
      this.stamp(slot);
      this.moveToHead(slot);
      return true;
    }
    if (!this.makeRoom(this.bytes + cost - this.maxBytes, NONE)) return false;
    this.fill(this.allocSlot(), key, hash, cost, 0);
    return true;
  }

  /**
   * Makes room for a live key's value to grow by `growth` bytes, evicting other entries as the
   * policy says (never this one). False, evicting nothing, when it cannot: call it before a
   * change to a hash, and answer OOM when it fails. The charge itself is set by hashChanged().
   */
  reserve(key: string, growth: number): boolean {
    const slot = this.live(key);
    if (slot < 0) return false;
    if (growth <= 0) return true;
    const size = this.sizes[slot] + growth;
    if (size > this.maxBytes) return false;
    return this.makeRoom(this.bytes + growth - this.maxBytes, slot);
  }

  /**
   * After a change to the hash held at `key` (its `bytes` changed): charges the entry again, gives
   * it a new version and makes it most recently used; a hash left empty is deleted, as Redis
   * deletes an empty hash. Room for any growth was made by reserve() first.
   */
  hashChanged(key: string): void {
    const slot = this.live(key);
    if (slot < 0) return;
    const hash = this.values[slot];
    if (typeof hash === 'string') return;
    if (hash.size === 0) return this.removeSlot(slot);
    this.resize(slot, key.length + hash.bytes + this.entryOverhead);
    this.stamp(slot);
    this.moveToHead(slot);
  }

  /** Charges a live slot `cost` bytes from now on. */
  private resize(slot: number, cost: number): void {
    const delta = cost - this.sizes[slot];
    this.bytes += delta;
    if (this.expiryAt(slot) !== 0) this.volatileBytes += delta;
    this.sizes[slot] = cost;
  }

  /** Puts a new entry in a free slot as the most recently used. */
  private fill(slot: number, key: string, value: Value, cost: number, expireAt: number): void {
    this.keys[slot] = key;
    this.values[slot] = value;
    this.sizes[slot] = cost;
    this.stamp(slot);
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
  forEachOldestFirst(visit: (key: string, value: Value, expireAt: number, slot: number) => void, now = Date.now()): void {
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
  restoreAt(slot: number, key: string, value: Value, expireAt: number): boolean {
    const cost = key.length + sizeOf(value) + this.entryOverhead;
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
