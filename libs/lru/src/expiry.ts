/**
 * Expiry (TTL) bookkeeping over the slots: each slot's expiry, the slots that have one kept
 * densely so active expiry and volatile-lru sample only those, and their count and bytes.
 * Lazy expiry happens here too: `live()` removes an entry found past its time.
 */

import { NONE, Slots, growInt32 } from './slots';

/**
 * Expiry by slot in Unix ms (0 = none), the slots that have one densely, and each slot's index
 * among them.
 */
export interface TtlArrays {
  expires: Float64Array;
  slots: Int32Array;
  index: Int32Array;
}

export class ExpiringSlots extends Slots {
  /** Entries removed because their time to live ran out (on access or by sampling). */
  expirations = 0;
  /** Entries that have an expiry time. */
  volatile = 0;
  /** Bytes charged for the entries that have an expiry: what volatile-lru could free. */
  volatileBytes = 0;

  /**
   * Made on the first TTL a shard sees (16 bytes a slot a cache without TTLs need not pay).
   */
  protected ttl: TtlArrays | null = null;

  /** Expiry of a live key in Unix ms: 0 when it has none, -1 when the key does not exist. */
  expiryOf(key: string): number {
    const slot = this.live(key);
    return slot < 0 ? -1 : this.expiryAt(slot);
  }

  /**
   * Sets (Unix ms) or clears (0) the expiry of a live key, a write to it (its version changes);
   * false when there is no such key.
   */
  setExpiryOf(key: string, expireAt: number): boolean {
    const slot = this.live(key);
    if (slot < 0) return false;
    this.setExpiry(slot, expireAt);
    this.stamp(slot);
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

  override clear(): void {
    super.clear();
    this.ttl = null;
    this.volatile = 0;
    this.volatileBytes = 0;
  }

  /** The slot of a key that exists and has not expired, else -1 (an expired entry is removed). */
  protected live(key: string): number {
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

  protected expiryAt(slot: number): number {
    const ttl = this.ttl;
    return ttl === null ? 0 : ttl.expires[slot];
  }

  protected setExpiry(slot: number, expireAt: number): void {
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

  /** Removes an entry (forgetting its expiry) and frees its slot for reuse. */
  protected removeSlot(slot: number): void {
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

  /** Grows the expiry arrays, once made, with the slot arrays. */
  protected override grow(): void {
    super.grow();
    const ttl = this.ttl;
    if (ttl !== null) {
      const capacity = this.sizes.length;
      const expires = new Float64Array(capacity);
      expires.set(ttl.expires);
      this.ttl = { expires, slots: growInt32(ttl.slots, capacity), index: growInt32(ttl.index, capacity) };
    }
  }
}
