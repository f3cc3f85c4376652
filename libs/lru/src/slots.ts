import { NIL } from './arena';
import type { StoreMemory } from './memory';

/**
 * One shard's entries as integer slots in parallel typed arrays: the entry's block address in
 * the arena, its key's hash, the recency list's links, its version stamp and its recency stamp.
 * There is no object per entry. Freed slots are linked through `next` and reused; an entry keeps
 * its slot while it lives (SCAN's cursor walks slots), and the arrays grow by doubling (untouched
 * pages cost no memory).
 *
 * The layers are subclasses (slots, index, expiry, the Lru itself), not objects it holds, so
 * every field stays on the one object and a read reaches it with no extra hop.
 */

/** No slot: the end of a list, or an empty list. */
export const NONE = -1;

/** Slots a shard may hold: the index's bucket has 26 bits for one (keyindex.ts). */
export const MAX_SLOTS = (1 << 26) - 2;

/**
 * The last version stamp handed out: one counter for the process, so stamps are unique across
 * every store in it. It starts at ms since 1970 x 1024, so a worker restarted later starts above
 * the stamps of the one before it unless that one wrote over 1024 times per ms on average;
 * stamps stay exact doubles (under 2^53) until the year 2248.
 */
let clock = Date.now() * 1024;

export class Slots {
  /** Live entries. */
  size = 0;
  readonly memory: StoreMemory;

  /** Block address by slot; NIL marks a free slot. */
  protected addrs: Uint32Array;
  /** The key's hash (the index's) by slot. */
  protected hashes: Uint32Array;
  /** Towards the least recently used end. */
  protected next: Int32Array;
  /** Towards the most recently used end. */
  protected prev: Int32Array;
  /** Version stamp by slot: set on every write to the entry (WATCH). */
  protected versions: Float64Array;
  /** Recency stamp by slot: the memory's tick at the last use. */
  protected stamps: Uint32Array;
  /** 1 by slot when a client may cache the key (client-side caching: its readers are in memory.tracking). */
  protected tracked: Uint8Array;
  /** Freed slots, linked through `next`. */
  protected freeHead = NONE;
  /** Slots handed out so far, free or not; the next fresh slot. */
  protected used = 0;
  protected head = NONE;
  protected tail = NONE;

  constructor(memory: StoreMemory, capacity: number) {
    this.memory = memory;
    this.addrs = new Uint32Array(capacity).fill(NIL);
    this.hashes = new Uint32Array(capacity);
    this.next = new Int32Array(capacity);
    this.prev = new Int32Array(capacity);
    this.versions = new Float64Array(capacity);
    this.stamps = new Uint32Array(capacity);
    this.tracked = new Uint8Array(capacity);
  }

  /** Slots the arrays hold now (for figures: the store's own memory). */
  get capacity(): number {
    return this.addrs.length;
  }

  /** Slots handed out so far: every live slot is below this. */
  get slotLimit(): number {
    return this.used;
  }

  /** True when `slot` holds an entry (expired or not). */
  isLive(slot: number): boolean {
    return slot >= 0 && slot < this.used && this.addrs[slot] !== NIL;
  }

  /** The least recently used entry's slot, or NONE. */
  get oldest(): number {
    return this.tail;
  }

  /** The slot used just after `slot` (towards the most recent), or NONE. */
  newerThan(slot: number): number {
    return this.prev[slot];
  }

  /** Ticks of the memory's recency clock since the entry was last used. */
  ageAt(slot: number): number {
    return this.memory.ageOf(this.stamps[slot]);
  }

  versionAt(slot: number): number {
    return this.versions[slot];
  }

  protected allocSlot(): number {
    if (this.freeHead !== NONE) {
      const slot = this.freeHead;
      this.freeHead = this.next[slot];
      return slot;
    }
    if (this.used === this.addrs.length) {
      if (this.used >= MAX_SLOTS) throw new RangeError(`a shard holds at most ${MAX_SLOTS} keys`);
      this.grow(Math.min(this.used * 2, MAX_SLOTS));
    }
    return this.used++;
  }

  protected freeSlot(slot: number): void {
    this.addrs[slot] = NIL;
    this.tracked[slot] = 0;
    this.next[slot] = this.freeHead;
    this.freeHead = slot;
  }

  /** Grows every array indexed by slot to `capacity`. */
  protected grow(capacity: number): void {
    const addrs = new Uint32Array(capacity).fill(NIL, this.addrs.length);
    addrs.set(this.addrs);
    this.addrs = addrs;
    this.hashes = grown(this.hashes, new Uint32Array(capacity));
    this.next = grown(this.next, new Int32Array(capacity));
    this.prev = grown(this.prev, new Int32Array(capacity));
    this.versions = grown(this.versions, new Float64Array(capacity));
    this.stamps = grown(this.stamps, new Uint32Array(capacity));
    this.tracked = grown(this.tracked, new Uint8Array(capacity));
  }

  /** Starts over with arrays of `capacity` slots. */
  protected resetSlots(capacity: number): void {
    this.addrs = new Uint32Array(capacity).fill(NIL);
    this.hashes = new Uint32Array(capacity);
    this.next = new Int32Array(capacity);
    this.prev = new Int32Array(capacity);
    this.versions = new Float64Array(capacity);
    this.stamps = new Uint32Array(capacity);
    this.tracked = new Uint8Array(capacity);
    this.size = 0;
    this.used = 0;
    this.freeHead = NONE;
    this.head = this.tail = NONE;
  }

  /** The entry in `slot` was written: it gets a new version stamp. */
  protected bumpVersion(slot: number): void {
    this.versions[slot] = ++clock;
    if (this.tracked[slot] !== 0 || this.memory.tracking.prefixCount !== 0) this.trackedChanged(slot);
  }

  /** A tracked entry was written or is going: its readers are told (entries.ts, which knows where its key is). */
  protected trackedChanged(slot: number): void {
    this.tracked[slot] = 0;
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

  /** Makes the entry the most recently used, stamped now. */
  protected touchSlot(slot: number): void {
    this.stamps[slot] = this.memory.stamp();
    if (slot === this.head) return;
    this.unlink(slot);
    this.linkAtHead(slot);
  }

  /**
   * Entries older than `limit` ticks get age `limit`. They are the least recently used, so the
   * walk is from the tail and stops at the first younger one.
   */
  clampAges(limit: number): void {
    const memory = this.memory;
    const floor = memory.stamp() - limit;
    for (let slot = this.tail; slot !== NONE && memory.ageOf(this.stamps[slot]) > limit; slot = this.prev[slot]) {
      this.stamps[slot] = floor >>> 0;
    }
  }
}

function grown<T extends Uint32Array | Int32Array | Float64Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
