import { NIL } from './arena';
import { keyEquals } from './layout';
import { hashBytes } from './siphash';
import { Slots } from './slots';
import type { StoreMemory } from './memory';

/**
 * The index from key to slot: an open-addressing table of u32 buckets with linear probing, hashed
 * by the memory's keyed HalfSipHash of the key's bytes where they lie (a read buffer, or a scratch
 * buffer for keys given as strings). A bucket holds slot + 1 (0 is empty) in its low 26 bits and
 * the hash's top 6 bits above, so a probe passes over most other keys without reading anything
 * else, and compares the key's bytes in the arena only on a match (a full cache: one memory read
 * fewer per lookup than a hash stored by slot). Deletion shifts the probe chain back, so there
 * are no tombstones.
 *
 * Resizing is incremental: past 70% full (or under 1/8), a new table is built alongside by
 * inserting the slots in order, REBUILD_STEP of them per write; meanwhile lookups use the old table,
 * and a write to a slot already copied goes to both. When every slot is in, the new one takes
 * over. So no command ever pays for a whole rehash.
 */

const MIN_BUCKETS = 64;
/** A bucket: slot + 1 below, the hash's top bits above. */
const SLOT_BITS = 26;
const SLOT_MASK = (1 << SLOT_BITS) - 1;
const TAG_MASK = ~SLOT_MASK;

/** Bytes of the slot arrays per slot: address, hash, next, prev (4 each), version (8), recency (4). */
const SLOT_BYTES = 28;
const REBUILD_STEP = 64;

export class IndexedSlots extends Slots {
  protected table: Uint32Array = new Uint32Array(MIN_BUCKETS);
  protected mask = MIN_BUCKETS - 1;
  /** Entries in the index. */
  protected indexed = 0;
  /** The table being built, or null; slots below `built` are in it too. */
  private building: Uint32Array | null = null;
  private buildMask = 0;
  private built = 0;
  private readonly k0: number;
  private readonly k1: number;

  constructor(memory: StoreMemory, capacity: number) {
    super(memory, capacity);
    this.k0 = memory.hashKey.k0;
    this.k1 = memory.hashKey.k1;
  }

  /** Buckets held by the index, both tables while one is being built (for figures). */
  get indexBuckets(): number {
    return this.table.length + (this.building === null ? 0 : this.building.length);
  }

  /** Bytes of the typed arrays behind the slots, the index and the expiry (the store's own memory, outside the arena). */
  get arrayBytes(): number {
    return this.capacity * SLOT_BYTES + this.indexBuckets * 4 + this.ttlArrayBytes();
  }

  /** Bytes of the expiry arrays (expiry.ts). */
  protected ttlArrayBytes(): number {
    return 0;
  }

  /** The keyed hash of buf[start, end). */
  hashOf(buf: Uint8Array, start: number, end: number): number {
    return hashBytes(buf, start, end, this.k0, this.k1);
  }

  /** The slot whose key is buf[start, end) with hash `h`, expired or not; -1 when none. */
  protected find(h: number, buf: Uint8Array, start: number, end: number): number {
    const table = this.table;
    const mask = this.mask;
    const tag = h & TAG_MASK;
    const arena = this.memory.arena;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const b = table[i];
      if (b === 0) return -1;
      if ((b & TAG_MASK) === tag) {
        const slot = (b & SLOT_MASK) - 1;
        const addr = this.addrs[slot];
        if (keyEquals(arena.chunkOf(addr), arena.wordsOf(addr), arena.payloadOffset(addr), buf, start, end)) return slot;
      }
    }
  }

  /** Adds a slot (its hash already in `hashes`) to the index. */
  protected indexSlot(slot: number): void {
    const h = this.hashes[slot];
    place(this.table, this.mask, h, slot);
    if (this.building !== null && slot < this.built) place(this.building, this.buildMask, h, slot);
    this.indexed++;
    if (this.building !== null) this.rebuildStep();
    else if (this.indexed * 10 > this.table.length * 7) this.startRebuild(this.table.length * 2);
  }

  /** Takes a slot out of the index. */
  protected unindexSlot(slot: number): void {
    // The rebuild moves first: it may copy this slot, which then leaves both tables.
    if (this.building !== null) this.rebuildStep();
    else if (this.table.length > MIN_BUCKETS && this.indexed * 8 < this.table.length) this.startRebuild(bucketsFor(this.indexed - 1));
    displace(this.table, this.mask, this.hashes, slot);
    if (this.building !== null && slot < this.built) displace(this.building, this.buildMask, this.hashes, slot);
    this.indexed--;
  }

  /** Starts over with an empty index. */
  protected resetIndex(): void {
    this.table = new Uint32Array(MIN_BUCKETS);
    this.mask = MIN_BUCKETS - 1;
    this.indexed = 0;
    this.building = null;
    this.built = 0;
  }

  /** Moves a rebuild on by up to `steps` slots (idle time, as well as every write, calls it). */
  rebuildStep(steps = REBUILD_STEP): void {
    const building = this.building;
    if (building === null) return;
    // The old table must never fill: past 90%, finish now.
    if (this.indexed * 10 > this.table.length * 9) steps = Infinity;
    const stop = Math.min(this.used, this.built + steps);
    for (let slot = this.built; slot < stop; slot++) {
      if (this.addrs[slot] !== NIL) place(building, this.buildMask, this.hashes[slot], slot);
    }
    this.built = stop;
    if (stop < this.used) return;
    this.table = building;
    this.mask = this.buildMask;
    this.building = null;
    this.built = 0;
  }

  /** True while a new table is being built. */
  get rebuilding(): boolean {
    return this.building !== null;
  }

  private startRebuild(buckets: number): void {
    this.building = new Uint32Array(buckets);
    this.buildMask = buckets - 1;
    this.built = 0;
    this.rebuildStep();
  }

  /**
   * Checks the index against the slots (for tests): every live slot once, at a bucket its probe
   * reaches, and nothing else. Returns a description of the first fault, or null.
   */
  protected checkIndex(): string | null {
    for (const [table, mask] of [[this.table, this.mask], ...(this.building === null ? [] : [[this.building, this.buildMask]])] as [Uint32Array, number][]) {
      const partial = table === this.building;
      let count = 0;
      for (let i = 0; i < table.length; i++) {
        if (table[i] === 0) continue;
        const slot = (table[i] & SLOT_MASK) - 1;
        if ((table[i] & TAG_MASK) !== (this.hashes[slot] & TAG_MASK)) return `bucket ${i}: tag is not slot ${slot}'s`;
        count++;
        if (this.addrs[slot] === NIL) return `bucket ${i} names free slot ${slot}`;
        for (let j = this.hashes[slot] & mask; j !== i; j = (j + 1) & mask) if (table[j] === 0) return `slot ${slot} is past an empty bucket`;
      }
      let expected = 0;
      for (let slot = 0; slot < (partial ? this.built : this.used); slot++) if (this.addrs[slot] !== NIL) expected++;
      if (count !== expected) return `${partial ? 'new' : 'old'} table holds ${count} slots, ${expected} expected`;
    }
    return this.indexed === this.size ? null : `indexed ${this.indexed}, size ${this.size}`;
  }
}

/** The first power of two with `count` at most 35% full. */
function bucketsFor(count: number): number {
  let buckets = MIN_BUCKETS;
  while (buckets * 0.35 < count) buckets *= 2;
  return buckets;
}

function place(table: Uint32Array, mask: number, h: number, slot: number): void {
  let i = h & mask;
  while (table[i] !== 0) i = (i + 1) & mask;
  table[i] = ((slot + 1) | (h & TAG_MASK)) >>> 0;
}

/** Removes a slot, shifting back the entries after it in its probe chain (no tombstones). */
function displace(table: Uint32Array, mask: number, hashes: Uint32Array, slot: number): void {
  let i = hashes[slot] & mask;
  while ((table[i] & SLOT_MASK) !== slot + 1) {
    if (table[i] === 0) throw new Error(`slot ${slot} is not in the index`);
    i = (i + 1) & mask;
  }
  for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
    const b = table[j];
    if (b === 0) break;
    // An entry may fill the hole when the hole lies between its home bucket and where it is.
    if (((j - (hashes[(b & SLOT_MASK) - 1] & mask)) & mask) >= ((j - i) & mask)) {
      table[i] = b;
      i = j;
    }
  }
  table[i] = 0;
}
