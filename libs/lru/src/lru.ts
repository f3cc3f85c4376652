/**
 * One shard's store: an LRU map from key to value whose keys and string values live in the
 * worker's arena (arena.ts, layout.ts), indexed by keyed hash (keyindex.ts), with recency,
 * versions and expiry in typed arrays by slot (slots.ts, expiry.ts), and the blocks written by
 * entries.ts. Its bytes count against the worker's one budget, and eviction picks the least
 * recently used entry over every shard of the worker (memory.ts): each shard's list is exact LRU,
 * and the victim is the oldest of their tails.
 *
 * Callers work with slots: a lookup returns the slot of a live entry (or -1), valid until the
 * next write to any store of the same memory (a write may evict). Keys are found by their bytes
 * where they lie (a read buffer); string values are copied out to a sink or in from a buffer once.
 * Entry kinds are layout.ts's Kind; a hash value is a JS object (hash.ts) charged by its bytes.
 */

import { NIL } from './arena';
import { Edits } from './edits';
import type { LruObject, Packed } from './object';
import { Kind, keyLengthAt, keyStartAt, setValueLength, valueFieldAt, valueRoomAt, copyBytes } from './layout';
import { KeyEvent, type Evictable, type EvictionPolicy, type StoreMemory } from './memory';
import { MAX_SLOTS, NONE } from './slots';

/** volatile-lru: entries looked at from the LRU end before taking an entry with a TTL at random. */
const VOLATILE_WALK = 256;

export class Lru extends Edits implements Evictable {
  hits = 0;
  misses = 0;
  evictions = 0;
  /** The entry victimAge() chose. */
  private victim = NONE;

  constructor(memory: StoreMemory, initialCapacity = 64) {
    super(memory, Math.max(16, initialCapacity));
    memory.register(this);
  }

  /** CONFIG RESETSTAT: hits, misses, evictions and expirations counted from 0 again. */
  resetStats(): void {
    this.hits = 0;
    this.misses = 0;
    this.evictions = 0;
    this.expirations = 0;
  }

  // ---- lookups -------------------------------------------------------------------------------

  /** The slot of the live key buf[start, end), made most recently used; counts a hit or a miss. */
  read(buf: Uint8Array, start: number, end: number): number {
    const slot = this.alive(this.find(this.hashOf(buf, start, end), buf, start, end));
    if (slot < 0) {
      this.misses++;
      return -1;
    }
    this.hits++;
    this.touchSlot(slot);
    return slot;
  }

  /** The slot of the live key buf[start, end), touching neither recency nor counters; -1 if none. */
  peek(buf: Uint8Array, start: number, end: number): number {
    return this.alive(this.find(this.hashOf(buf, start, end), buf, start, end));
  }

  /** The slot of the key's entry, live or past its time but not yet removed (a gathered command's copy); -1 if none. */
  entrySlot(buf: Uint8Array, start: number, end: number): number {
    return this.find(this.hashOf(buf, start, end), buf, start, end);
  }

  /**
   * Client-side caching: `reader` read the key buf[start, end) of `shard`, which exists or not
   * (its absence is cached too); a write, expiry, eviction or move of it tells the reader once.
   */
  track(shard: number, buf: Uint8Array, start: number, end: number, reader: number): void {
    const slot = this.find(this.hashOf(buf, start, end), buf, start, end);
    if (slot >= 0) this.markTracked(slot);
    this.memory.tracking.remember(shard, buf, start, end, reader);
  }

  /** track() for a key given as a latin1 string. */
  trackKey(shard: number, key: string, reader: number): void {
    const n = this.toScratch(key, 0);
    this.track(shard, this.memory.scratch, 0, n, reader);
  }

  /** read() for a key given as a latin1 string. */
  readKey(key: string): number {
    const n = this.toScratch(key, 0);
    return this.read(this.memory.scratch, 0, n);
  }

  /** peek() for a key given as a latin1 string. */
  peekKey(key: string): number {
    const n = this.toScratch(key, 0);
    return this.peek(this.memory.scratch, 0, n);
  }

  /**
   * The key's version stamp (WATCH): it changes on every write to the key (a value, a hash's
   * change, an expiry set or cleared, a new entry), is unique within the process, and is 0 when
   * the key does not exist or has expired (unless `expiredToo`: an entry past its time but not yet
   * removed, such as one just written with a 1 ms TTL). Touches neither recency nor counters, removes nothing.
   */
  versionOf(buf: Uint8Array, start: number, end: number, expiredToo = false): number {
    const slot = this.find(this.hashOf(buf, start, end), buf, start, end);
    if (slot < 0) return 0;
    const at = this.expireAt(slot);
    return at !== 0 && at <= Date.now() && !expiredToo ? 0 : this.versions[slot];
  }

  /** The key's expiry (Unix ms; 0: none, or no such key), past or not: removes nothing. */
  expiryOf(buf: Uint8Array, start: number, end: number): number {
    const slot = this.find(this.hashOf(buf, start, end), buf, start, end);
    return slot < 0 ? 0 : this.expireAt(slot);
  }

  /** versionOf() for a key given as a latin1 string. */
  versionOfKey(key: string): number {
    const n = this.toScratch(key, 0);
    return this.versionOf(this.memory.scratch, 0, n);
  }

  /** Makes a live entry the most recently used without counting a hit (TOUCH). */
  touch(slot: number): void {
    this.touchSlot(slot);
  }

  // ---- writes --------------------------------------------------------------------------------

  /**
   * Stores the string value vbuf[vstart, vend) at key kbuf[kstart, kend) as most recently used,
   * evicting as the policy says. `expireAt` is Unix ms (0: none); `keepTtl` keeps an existing
   * entry's expiry instead. Returns the slot, or -1, changing nothing, when it cannot fit.
   */
  setString(kbuf: Uint8Array, kstart: number, kend: number, vbuf: Uint8Array, vstart: number, vend: number, expireAt = 0, keepTtl = false): number {
    const h = this.hashOf(kbuf, kstart, kend);
    const slot = this.alive(this.find(h, kbuf, kstart, kend));
    if (slot >= 0) return this.overwrite(slot, Kind.STRING, vbuf, vstart, vend, vend - vstart, expireAt, keepTtl) ? slot : -1;
    return this.insert(h, kbuf, kstart, kend, Kind.STRING, vbuf, vstart, vend, vend - vstart, null, expireAt);
  }

  /** setString() for a key and value given as latin1 strings. */
  setStringKey(key: string, value: string, expireAt = 0, keepTtl = false): number {
    const k = this.toScratch(key, 0);
    const v = this.toScratch(value, k);
    const scratch = this.memory.scratch;
    return this.setString(scratch, 0, k, scratch, k, k + v, expireAt, keepTtl);
  }

  /** Replaces a live entry's value with a string (INCR, SET on the entry just read), keeping its expiry. */
  replaceValue(slot: number, vbuf: Uint8Array, vstart: number, vend: number): boolean {
    return this.overwrite(slot, Kind.STRING, vbuf, vstart, vend, vend - vstart, 0, true);
  }

  /**
   * Appends vbuf[vstart, vend) to a live string entry: in place while its block has room, else
   * into a new block with room to grow (as much again, up to 1 MiB more), so repeated appends
   * stay cheap. False, changing nothing, when it cannot fit.
   */
  append(slot: number, vbuf: Uint8Array, vstart: number, vend: number): boolean {
    const arena = this.memory.arena;
    const addr = this.addrs[slot];
    const bytes = arena.chunkOf(addr);
    const words = arena.wordsOf(addr);
    const p = arena.payloadOffset(addr);
    const length = valueFieldAt(bytes, words, p);
    const add = vend - vstart;
    const at = keyStartAt(bytes, p) + keyLengthAt(bytes, words, p) + length;
    if (length + add <= valueRoomAt(bytes, words, p, arena.blockSize(addr))) {
      copyBytes(vbuf, vstart, vend, bytes, at);
      setValueLength(bytes, words, p, length + add);
      this.written(slot, 0, true);
      return true;
    }
    const room = length + add + Math.min(length + add, 1 << 20);
    return this.rewrite(slot, Kind.STRING, bytes, at - length, length, vbuf, vstart, vend, room, null, 0, true);
  }

  /** Deletes a live entry. */
  remove(slot: number): void {
    this.removeSlot(slot);
  }

  /** Removes every entry, returning its memory. */
  clear(): void {
    this.releaseAll();
    this.resetSlots(64);
    this.resetIndex();
    this.resetExpiry();
  }

  /** Clears the store and leaves the memory (its shard went to another worker). */
  dispose(): void {
    this.clear();
    this.memory.unregister(this);
  }

  // ---- eviction (Evictable) ----------------------------------------------------------------------

  victimAge(policy: EvictionPolicy, keep: number): number {
    let slot = NONE;
    if (policy === 'allkeys-lru') {
      slot = this.tail !== NONE && this.tail === keep ? this.prev[keep] : this.tail;
    } else if (policy === 'volatile-lru' && this.volatile > (keep >= 0 && this.expireAt(keep) !== 0 ? 1 : 0)) {
      for (let s = this.tail, steps = 0; s !== NONE && steps < VOLATILE_WALK; s = this.prev[s], steps++) {
        if (s !== keep && this.expireAt(s) !== 0) {
          slot = s;
          break;
        }
      }
      while (slot === NONE) {
        const s = this.randomVolatile();
        if (s !== keep) slot = s;
      }
    }
    this.victim = slot;
    return slot === NONE ? -1 : this.memory.ageOf(this.stamps[slot]);
  }

  evictVictim(): void {
    this.evictions++;
    this.announce(KeyEvent.EVICTED, this.victim);
    this.removeSlot(this.victim);
    this.victim = NONE;
  }

  // ---- SCAN and hand-over ------------------------------------------------------------------------

  /**
   * Stores an entry at a given slot as the most recently used, for a store being rebuilt from
   * another's entries taken oldest first (a hand-over: the slot keeps SCAN cursors valid, `idleMs`
   * its recency). No other writes until finishRestore(). Evicts as the policy says to make room.
   * False, storing nothing, when the slot or the key is taken or the entry does not fit. A string
   * whose later parts follow (restoreAppend) is given the room for all of them (`room` bytes).
   */
  restoreAt(slot: number, key: string, value: string | LruObject | Packed, expireAt: number, idleMs: number, room = 0): boolean {
    if (!(slot >= 0 && slot < MAX_SLOTS) || this.peekKey(key) >= 0) return false;
    while (slot >= this.addrs.length) this.grow(this.addrs.length * 2);
    if (this.addrs[slot] !== NIL) return false;
    const k = this.toScratch(key, 0);
    const scratch = this.memory.scratch;
    const h = this.hashOf(scratch, 0, k);
    let made: number;
    // An entry moving in is no change: BCAST's prefixes are not told of it (entries it evicts are).
    this.restoring = slot;
    try {
      if (typeof value === 'string') {
        const v = this.toScratch(value, k);
        // The value may have made the scratch buffer grow: the key was copied into the new one.
        const grown = this.memory.scratch;
        made = this.insertAt(slot, h, grown, 0, k, Kind.STRING, grown, k, k + v, Math.max(v, room), null, expireAt);
      } else if ('bytes' in value && value.bytes instanceof Buffer) {
        const bytes = value.bytes;
        made = this.insertAt(slot, h, scratch, 0, k, value.kind, bytes, 0, bytes.length, bytes.length, null, expireAt);
      } else made = this.insertAt(slot, h, scratch, 0, k, value.kind, null, 0, 0, 0, value as LruObject, expireAt);
    } finally {
      this.restoring = NONE;
    }
    if (made < 0) return false;
    this.stamps[slot] = (this.memory.stamp() - this.memory.ageFor(idleMs)) >>> 0;
    return true;
  }

  /** Appends a later part of a string restoreAt() stored at `slot` (a big value's hand-over), telling no one and keeping its recency. */
  restoreAppend(slot: number, vbuf: Uint8Array, vstart: number, vend: number): boolean {
    const stamp = this.stamps[slot];
    this.restoring = slot;
    try {
      if (!this.append(slot, vbuf, vstart, vend)) return false;
    } finally {
      this.restoring = NONE;
    }
    this.stamps[slot] = stamp;
    return true;
  }

  /** After the last restoreAt: the slots left empty below the highest one become reusable. */
  finishRestore(): void {
    this.freeHead = NONE;
    for (let slot = this.used - 1; slot >= 0; slot--) {
      if (this.addrs[slot] !== NIL) continue;
      this.next[slot] = this.freeHead;
      this.freeHead = slot;
    }
  }

  /**
   * Checks every invariant of the layout (for tests): the index, the recency list, the charges
   * against the blocks, the memory's sums. A description of the first fault, or null.
   */
  check(): string | null {
    const index = this.checkIndex();
    if (index !== null) return index;
    let count = 0;
    let bytes = 0;
    let volatileBytes = 0;
    let volatile = 0;
    for (let slot = this.head, prev = NONE; slot !== NONE; prev = slot, slot = this.next[slot]) {
      if (this.prev[slot] !== prev) return `slot ${slot}: prev ${this.prev[slot]}, ${prev} expected`;
      if (this.addrs[slot] === NIL) return `free slot ${slot} on the recency list`;
      if (++count > this.size) return 'the recency list is longer than the store';
      bytes += this.chargeAt(slot);
      if (this.expireAt(slot) !== 0) {
        volatile++;
        volatileBytes += this.chargeAt(slot);
      }
      if (this.hashOf(...this.keyRange(slot)) !== this.hashes[slot]) return `slot ${slot}: stored hash is not its key's`;
    }
    if (count !== this.size) return `recency list holds ${count}, size ${this.size}`;
    if (bytes !== this.bytes) return `charges sum to ${bytes}, bytes ${this.bytes}`;
    if (volatile !== this.volatile || volatileBytes !== this.volatileBytes) return `volatile ${volatile}/${volatileBytes}, kept ${this.volatile}/${this.volatileBytes}`;
    return null;
  }
}
