import type { StoreState, TtlSource } from './types';

/**
 * INFO's avg_ttl, estimated as Redis does: from keys with a TTL looked at every 100 ms (Redis: by
 * its active expiry), the estimate moving 1/50 of the way to each look's mean (the first look sets
 * it). Each look takes WANT_TTLS keys at random among those with a TTL (the store keeps them in a
 * dense list for active expiry, so a look costs WANT_TTLS reads).
 */

const WANT_TTLS = 20;

const estimates = new WeakMap<object, { ms: number }>();

/** One look at a store's keys with a TTL (every 100 ms, beside active expiry). */
export function sampleTtls(store: TtlSource, now: number): void {
  if (store.volatile === 0) {
    estimates.delete(store);
    return;
  }
  const { sum, count } = store.sampleTtl(now, WANT_TTLS);
  if (count === 0) return;
  let estimate = estimates.get(store);
  if (estimate === undefined) estimates.set(store, (estimate = { ms: 0 }));
  const mean = sum / count;
  estimate.ms = estimate.ms === 0 ? mean : (estimate.ms / 50) * 49 + mean / 50;
}

/** The store's average TTL estimate, in seconds (0 when it has no key with a TTL). */
export function avgTtlSeconds(store: StoreState): number {
  if (store.volatile === 0) return 0;
  return (estimates.get(store)?.ms ?? 0) / 1000;
}
