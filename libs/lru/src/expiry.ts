/**
 * Expiry (TTL) bookkeeping over the slots: each slot's expiry, the slots that have one kept
 * densely so active expiry and volatile-lru sample only those, and their count and bytes.
 * Lazy expiry happens here too: `alive()` removes an entry found past its time.
 */

import { IndexedSlots } from './keyindex';
import { KeyEvent } from './memory';

/**
 * Expiry by slot in Unix ms (0 = none), the slots that have one densely, and each slot's index
 * among them.
 */
interface TtlArrays {
  expires: Float64Array;
  slots: Int32Array;
  index: Int32Array;
}

export abstract class ExpiringSlots extends IndexedSlots {
  /** Entries removed because their time to live ran out (on access or by sampling). */
  expirations = 0;
  /** Entries that have an expiry time. */
  volatile = 0;
  /** Bytes charged for the entries that have an expiry: what volatile-lru could free. */
  volatileBytes = 0;

  /** Where sampleTtl() goes on in the dense list. */
  private ttlCursor = 0;
  /** Made on the first TTL a shard sees (16 bytes a slot a cache without TTLs need not pay). */
  protected ttl: TtlArrays | null = null;

  /** Bytes charged for the entry in `slot`. */
  abstract chargeAt(slot: number): number;
  /** Removes the entry in `slot` and frees what it held. */
  protected abstract removeSlot(slot: number): void;
  /** Tells the memory's keyEvents listener of `event` on the entry in `slot` (before it goes). */
  protected abstract announce(event: KeyEvent, slot: number): void;

  protected override ttlArrayBytes(): number {
    return this.ttl === null ? 0 : this.ttl.expires.byteLength + this.ttl.slots.byteLength + this.ttl.index.byteLength;
  }

  /** Expiry of the entry in `slot`, Unix ms; 0 when it has none. */
  expireAt(slot: number): number {
    const ttl = this.ttl;
    return ttl === null ? 0 : ttl.expires[slot];
  }

  /** Sets (Unix ms) or clears (0) the expiry of a live entry: a write to it (its version changes). */
  setExpireAt(slot: number, expireAt: number): void {
    this.setExpiry(slot, expireAt);
    this.bumpVersion(slot);
  }

  /**
   * Active expiry, Redis's way: look at up to `samples` random entries that have a TTL and remove
   * those past their time; returns how many expired, so the caller can repeat while the expired
   * share is high.
   */
  expireSample(now: number, samples: number): number {
    let expired = 0;
    for (let i = 0; i < samples && this.volatile > 0; i++) {
      const ttl = this.ttl!;
      const slot = ttl.slots[(Math.random() * this.volatile) | 0];
      if (ttl.expires[slot] <= now) {
        this.expirations++;
        this.announce(KeyEvent.EXPIRED, slot);
        this.removeSlot(slot);
        expired++;
      }
    }
    return expired;
  }

  /**
   * For Redis's avg_ttl: the time to live left (ms) summed over the next `samples` entries that
   * have one (each at most once a call, going on from where the last call stopped), and how many
   * of them had time left.
   */
  sampleTtl(now: number, samples: number): { sum: number; count: number } {
    let sum = 0;
    let count = 0;
    const n = Math.min(samples, this.volatile);
    for (let i = 0; i < n; i++) {
      const left = this.ttl!.expires[this.ttl!.slots[(this.ttlCursor + i) % this.volatile]] - now;
      if (left > 0) {
        sum += left;
        count++;
      }
    }
    this.ttlCursor = this.volatile === 0 ? 0 : (this.ttlCursor + n) % this.volatile;
    return { sum, count };
  }

  /** A random entry with a TTL, or -1 (volatile-lru's fallback). */
  protected randomVolatile(): number {
    return this.volatile === 0 ? -1 : this.ttl!.slots[(Math.random() * this.volatile) | 0];
  }

  /** `slot` if its entry has not expired; else the entry is removed (counted) and -1 returned. */
  protected alive(slot: number): number {
    const ttl = this.ttl;
    if (slot < 0 || ttl === null) return slot;
    const at = ttl.expires[slot];
    if (at !== 0 && at <= Date.now()) {
      this.expirations++;
      this.announce(KeyEvent.EXPIRED, slot);
      this.removeSlot(slot);
      return -1;
    }
    return slot;
  }

  protected setExpiry(slot: number, expireAt: number): void {
    let ttl = this.ttl;
    if (ttl === null) {
      if (expireAt === 0) return;
      const capacity = this.addrs.length;
      ttl = this.ttl = { expires: new Float64Array(capacity), slots: new Int32Array(capacity), index: new Int32Array(capacity) };
    }
    const had = ttl.expires[slot] !== 0;
    const has = expireAt !== 0;
    if (!had && has) {
      ttl.index[slot] = this.volatile;
      ttl.slots[this.volatile++] = slot;
      this.volatileBytes += this.chargeAt(slot);
    } else if (had && !has) {
      this.forgetVolatile(slot);
    }
    ttl.expires[slot] = expireAt;
  }

  /** The entry's charge changes by `delta`: volatile-lru's share follows. */
  protected chargeChanged(slot: number, delta: number): void {
    if (this.ttl !== null && this.ttl.expires[slot] !== 0) this.volatileBytes += delta;
  }

  /** Forgets a slot's expiry as it is freed. */
  protected clearExpiry(slot: number): void {
    const ttl = this.ttl;
    if (ttl === null || ttl.expires[slot] === 0) return;
    this.forgetVolatile(slot);
    ttl.expires[slot] = 0;
  }

  protected resetExpiry(): void {
    this.ttl = null;
    this.volatile = 0;
    this.volatileBytes = 0;
  }

  /** Takes a slot out of the dense list, moving the last one into its place. */
  private forgetVolatile(slot: number): void {
    this.volatileBytes -= this.chargeAt(slot);
    const ttl = this.ttl!;
    const at = ttl.index[slot];
    const last = ttl.slots[--this.volatile];
    ttl.slots[at] = last;
    ttl.index[last] = at;
  }

  /** Grows the expiry arrays, once made, with the slot arrays. */
  protected override grow(capacity: number): void {
    super.grow(capacity);
    const ttl = this.ttl;
    if (ttl === null) return;
    const expires = new Float64Array(capacity);
    expires.set(ttl.expires);
    const slots = new Int32Array(capacity);
    slots.set(ttl.slots);
    const index = new Int32Array(capacity);
    index.set(ttl.index);
    this.ttl = { expires, slots, index };
  }
}
