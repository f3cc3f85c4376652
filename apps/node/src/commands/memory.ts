import type { Args } from '@kv/wire';
import type { Lru } from '@kv/lru';
import type { ReplySink } from '../reply';
import { peekArg } from './keyarg';

/**
 * MEMORYUSAGE key (internal: MEMORY USAGE's step on the key's owner): the bytes the key is charged
 * against maxmemory, what evicting it would give back: its block in the arena (header, key,
 * value, room), its share of the store's arrays and index (ENTRY_OVERHEAD), and a hash's or a
 * large value's own bytes. Nil for no key. Recency and hit counters are left alone, as Redis's
 * MEMORY USAGE leaves the key's LRU clock.
 */
export function memoryUsage(store: Lru, args: Args, reply: ReplySink): void {
  const slot = peekArg(store, args, 1);
  if (slot < 0) return reply.nil();
  reply.integer(store.chargeAt(slot));
}
