import type { StoreState, TtlSource } from './types';

/**
 * INFO's avg_ttl, estimated as Redis does: from keys with a TTL looked at every 100 ms (Redis: by
 * its active expiry), the estimate moving 1/50 of the way to each look's mean (the first look sets
 * it). Each look goes on along the store's slots from where the last stopped, as SCAN does, and
 * takes up to LOOK_KEYS live keys, stopping at WANT_TTLS with a TTL: a key keeps its slot, so every
 * key is looked at in turn. It reads the store only through SCAN's walk and TTL's lookup.
 */

const LOOK_KEYS = 100;
const WANT_TTLS = 20;

interface Estimate {
  /** Average TTL in ms; 0 before the first look found a key with one. */
  ms: number;
  /** The slot to go on from. */
  cursor: number;
}

const estimates = new WeakMap<object, Estimate>();
const keys: string[] = [];

/** One look at a store's keys with a TTL (every 100 ms, beside active expiry). */
export function sampleTtls(store: TtlSource, now: number): void {
  if (store.volatile === 0) {
    estimates.delete(store);
    return;
  }
  let estimate = estimates.get(store);
  if (estimate === undefined) estimates.set(store, (estimate = { ms: 0, cursor: 0 }));
  let looked = 0;
  let found = 0;
  let sum = 0;
  while (looked < LOOK_KEYS && found < WANT_TTLS) {
    keys.length = 0;
    const next = store.scanSlots(estimate.cursor, WANT_TTLS - found, keys, now);
    for (const key of keys) {
      looked++;
      const at = store.expiryOf(key);
      if (at > now) {
        sum += at - now;
        found++;
      }
    }
    // At the end of the slots, start over next time.
    estimate.cursor = next < 0 ? 0 : next;
    if (next < 0 || keys.length === 0) break;
  }
  keys.length = 0;
  if (found === 0) return;
  const mean = sum / found;
  estimate.ms = estimate.ms === 0 ? mean : (estimate.ms / 50) * 49 + mean / 50;
}

/** The store's average TTL estimate, in seconds (0 when it has no key with a TTL). */
export function avgTtlSeconds(store: StoreState): number {
  if (store.volatile === 0) return 0;
  return (estimates.get(store)?.ms ?? 0) / 1000;
}
