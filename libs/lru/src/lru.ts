/**
 * One shard's store: a byte-bounded LRU map from key to value, both latin1 strings (one char per
 * byte, so any bytes round-trip and V8 keeps them as compact one-byte strings).
 *
 * Recency is a doubly linked list over integer slots kept in typed arrays, so there is no object
 * per entry: a Map from key to slot, and parallel arrays indexed by slot for key, value, size and
 * links. Freed slots are linked through `next` and reused; the arrays grow by doubling.
 */

/**
 * Bytes charged per entry on top of key and value lengths: what V8 really spends per entry once a
 * full shard has evicted for a while (heap snapshot under `npm run bench -- --memory-stress`:
 * ~238 bytes besides key and value; the Map's table doubles under insert-and-evict churn, and
 * the slot arrays grow by powers of two). Fresh inserts cost less (~90); a cache that is full
 * churns, so this is the figure that keeps a full cache near its limit.
 */
export const ENTRY_OVERHEAD = 232;

const NONE = -1;
/** volatile-lru: entries looked at from the LRU end before taking entries with a TTL at random. */
const VOLATILE_WALK = 256;

/**
 * What to do when an entry does not fit, as Redis's maxmemory-policy: evict the least recently
 * used entry (`allkeys-lru`), the least recently used entry that has an expiry (`volatile-lru`),
 * or nothing, refusing the write (`noeviction`).
 */
export type EvictionPolicy = 'allkeys-lru' | 'volatile-lru' | 'noeviction';

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

export class Lru {
  readonly maxBytes: number;
  readonly entryOverhead: number;
  readonly policy: EvictionPolicy;

  /** Sum of key length + value length + entryOverhead over all entries. Never above maxBytes. */
  bytes = 0;
  hits = 0;
  misses = 0;
  evictions = 0;
  /** Entries removed because their time to live ran out (on access or by sampling). */
  expirations = 0;
  /** Entries that have an expiry time. */
  volatile = 0;
  /** Bytes charged for the entries that have an expiry: what volatile-lru could free. */
  volatileBytes = 0;

  private readonly index = new Map<string, number>();
  private keys: string[];
  private values: string[];
  /** Charged bytes by slot; 0 marks a free slot. */
  private sizes: Int32Array;
  /**
   * Expiries, made on the first TTL a shard sees (16 bytes a slot a cache without TTLs need not
   * pay): expiry by slot in Unix ms (0 = none), the slots that have one densely (so active expiry
   * samples only those), and each slot's index among them.
   */
  private ttl: { expires: Float64Array; slots: Int32Array; index: Int32Array } | null = null;
  /** Towards the least recently used end. */
  private next: Int32Array;
  /** Towards the most recently used end. */
  private prev: Int32Array;
  /** Freed slots, linked through `next`. */
  private freeHead = NONE;
  /** Slots handed out so far, free or not; the next fresh slot. */
  private used = 0;
  private head = NONE;
  private tail = NONE;

  constructor(options: LruOptions) {
    if (!(options.maxBytes > 0)) throw new RangeError('maxBytes must be positive');
    this.maxBytes = options.maxBytes;
    this.entryOverhead = options.entryOverhead ?? ENTRY_OVERHEAD;
    this.policy = options.policy ?? 'allkeys-lru';
    const capacity = Math.max(16, options.initialCapacity ?? 1024);
    this.keys = new Array<string>(capacity).fill('');
    this.values = new Array<string>(capacity).fill('');
    this.sizes = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
    this.prev = new Int32Array(capacity);
  }

  get size(): number {
    return this.index.size;
  }

  /** What an entry would be charged. */
  costOf(key: string, value: string): number {
    return key.length + value.length + this.entryOverhead;
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

  /** Expiry of a live key in Unix ms: 0 when it has none, -1 when the key does not exist. */
  expiryOf(key: string): number {
    const slot = this.live(key);
    return slot < 0 ? -1 : this.expiryAt(slot);
  }

  /** Sets (Unix ms) or clears (0) the expiry of a live key; false when there is no such key. */
  setExpiryOf(key: string, expireAt: number): boolean {
    const slot = this.live(key);
    if (slot < 0) return false;
    this.setExpiry(slot, expireAt);
    return true;
  }

  /**
   * Active expiry, Redis's way: look at up to `samples` random slots and remove those past their
   * time; returns how many expired, so the caller can repeat while the expired share is high.
   */
  expireSample(now: number, samples: number): number {
    let expired = 0;
    for (let i = 0; i < samples && this.volatile > 0; i++) {
      const ttl = this.ttl!;
      const slot = ttl.slots[(Math.random() * this.volatile) | 0];
      if (ttl.expires[slot] <= now) {
        this.expirations++;
        this.removeSlot(slot);
        expired++;
      }
    }
    return expired;
  }

  delete(key: string): boolean {
    const slot = this.live(key);
    if (slot < 0) return false;
    this.removeSlot(slot);
    return true;
  }

  clear(): void {
    this.index.clear();
    this.keys.fill('');
    this.values.fill('');
    this.sizes.fill(0);
    this.ttl = null;
    this.volatile = 0;
    this.volatileBytes = 0;
    this.bytes = 0;
    this.used = 0;
    this.freeHead = NONE;
    this.head = this.tail = NONE;
  }

  /** Entries from most to least recently used, without touching recency (expired ones included). */
  *entries(): IterableIterator<[string, string]> {
    for (let slot = this.head; slot !== NONE; slot = this.next[slot]) {
      yield [this.keys[slot], this.values[slot]];
    }
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

  /** The slot of a key that exists and has not expired, else -1 (an expired entry is removed). */
  private live(key: string): number {
    const slot = this.index.get(key);
    if (slot === undefined) return -1;
    const ttl = this.ttl;
    if (ttl === null) return slot;
    const at = ttl.expires[slot];
    if (at !== 0 && at <= Date.now()) {
      this.expirations++;
      this.removeSlot(slot);
      return -1;
    }
    return slot;
  }

  private expiryAt(slot: number): number {
    const ttl = this.ttl;
    return ttl === null ? 0 : ttl.expires[slot];
  }

  private setExpiry(slot: number, expireAt: number): void {
    let ttl = this.ttl;
    if (ttl === null) {
      if (expireAt === 0) return;
      const capacity = this.sizes.length;
      ttl = this.ttl = { expires: new Float64Array(capacity), slots: new Int32Array(capacity), index: new Int32Array(capacity) };
    }
    const had = ttl.expires[slot] !== 0;
    const has = expireAt !== 0;
    if (!had && has) {
      ttl.index[slot] = this.volatile;
      ttl.slots[this.volatile++] = slot;
      this.volatileBytes += this.sizes[slot];
    } else if (had && !has) {
      this.forgetVolatile(slot);
    }
    ttl.expires[slot] = expireAt;
  }

  /** Takes a slot out of volatileSlots, moving the last one into its place. */
  private forgetVolatile(slot: number): void {
    this.volatileBytes -= this.sizes[slot];
    const ttl = this.ttl!;
    const at = ttl.index[slot];
    const last = ttl.slots[--this.volatile];
    ttl.slots[at] = last;
    ttl.index[last] = at;
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

  /**
   * Evicts until `excess` more bytes are free, sparing `keep`; false if the policy cannot.
   * volatile-lru looks for entries with a TTL from the least recently used end for a bounded
   * number of steps, then takes them at random (Redis approximates LRU by sampling too), so a
   * shard with few TTLs among many keys does not walk its whole list on every write.
   */
  private makeRoom(excess: number, keep: number): boolean {
    if (excess <= 0) return true;
    if (this.policy === 'noeviction') return false;
    if (this.policy === 'allkeys-lru') {
      for (let slot = this.tail; excess > 0 && slot !== NONE; ) {
        const towardsHead = this.prev[slot];
        if (slot !== keep) excess -= this.evict(slot);
        slot = towardsHead;
      }
      return excess <= 0;
    }
    const keepBytes = keep !== NONE && this.expiryAt(keep) !== 0 ? this.sizes[keep] : 0;
    if (this.volatileBytes - keepBytes < excess) return false;
    let steps = 0;
    for (let slot = this.tail; excess > 0 && slot !== NONE && steps < VOLATILE_WALK; steps++) {
      const towardsHead = this.prev[slot];
      if (slot !== keep && this.expiryAt(slot) !== 0) excess -= this.evict(slot);
      slot = towardsHead;
    }
    while (excess > 0) {
      const slot = this.ttl!.slots[(Math.random() * this.volatile) | 0];
      if (slot !== keep) excess -= this.evict(slot);
    }
    return true;
  }

  /** Removes an entry to make room; returns the bytes freed. */
  private evict(slot: number): number {
    const freed = this.sizes[slot];
    this.evictions++;
    this.removeSlot(slot);
    return freed;
  }

  private removeSlot(slot: number): void {
    this.index.delete(this.keys[slot]);
    this.unlink(slot);
    if (this.expiryAt(slot) !== 0) {
      this.forgetVolatile(slot);
      this.ttl!.expires[slot] = 0;
    }
    this.bytes -= this.sizes[slot];
    this.sizes[slot] = 0;
    // Drop the strings so their memory is reclaimable now, not when the slot is reused.
    this.keys[slot] = '';
    this.values[slot] = '';
    this.next[slot] = this.freeHead;
    this.freeHead = slot;
  }

  private allocSlot(): number {
    if (this.freeHead !== NONE) {
      const slot = this.freeHead;
      this.freeHead = this.next[slot];
      return slot;
    }
    if (this.used === this.sizes.length) this.grow();
    return this.used++;
  }

  private grow(): void {
    const capacity = this.sizes.length * 2;
    this.sizes = growInt32(this.sizes, capacity);
    const ttl = this.ttl;
    if (ttl !== null) {
      const expires = new Float64Array(capacity);
      expires.set(ttl.expires);
      this.ttl = { expires, slots: growInt32(ttl.slots, capacity), index: growInt32(ttl.index, capacity) };
    }
    this.next = growInt32(this.next, capacity);
    this.prev = growInt32(this.prev, capacity);
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
