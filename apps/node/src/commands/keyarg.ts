import type { Args } from '@kv/wire';
import type { Lru } from '@kv/lru';

/**
 * A store's lookups by the key at argument i, hashed where its bytes lie in the read buffer (no
 * string is made). Each returns the live entry's slot, or -1.
 */

/** As Redis's lookupKeyRead: the entry becomes most recently used, a hit or a miss is counted. */
export function readArg(store: Lru, args: Args, i: number): number {
  return store.read(args.buf, args.starts[i], args.ends[i]);
}

/** As Redis's lookupKeyWrite: touches neither recency nor counters. */
export function peekArg(store: Lru, args: Args, i: number): number {
  return store.peek(args.buf, args.starts[i], args.ends[i]);
}

/** Stores argument v as the string value of the key at argument k; the slot, or -1 when it cannot fit. */
export function setArg(store: Lru, args: Args, k: number, v: number, expireAt = 0, keepTtl = false): number {
  return store.setString(args.buf, args.starts[k], args.ends[k], args.buf, args.starts[v], args.ends[v], expireAt, keepTtl);
}
