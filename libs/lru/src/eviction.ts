/**
 * Eviction: making room for a write as the maxmemory policy says, from the least recently used
 * end of the slots' recency list, or among the entries that have an expiry.
 */

import { ExpiringSlots } from './expiry';
import { NONE } from './slots';

/**
 * What to do when an entry does not fit, as Redis's maxmemory-policy: evict the least recently
 * used entry (`allkeys-lru`), the least recently used entry that has an expiry (`volatile-lru`),
 * or nothing, refusing the write (`noeviction`).
 */
export type EvictionPolicy = 'allkeys-lru' | 'volatile-lru' | 'noeviction';

/** volatile-lru: entries looked at from the LRU end before taking entries with a TTL at random. */
const VOLATILE_WALK = 256;

export class EvictingSlots extends ExpiringSlots {
  readonly policy: EvictionPolicy;
  evictions = 0;

  constructor(capacity: number, policy: EvictionPolicy) {
    super(capacity);
    this.policy = policy;
  }

  /**
   * Evicts until `excess` more bytes are free, sparing `keep`; false if the policy cannot.
   * volatile-lru looks for entries with a TTL from the least recently used end for a bounded
   * number of steps, then takes them at random (Redis approximates LRU by sampling too), so a
   * shard with few TTLs among many keys does not walk its whole list on every write.
   */
  protected makeRoom(excess: number, keep: number): boolean {
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
}
