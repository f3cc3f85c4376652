import { argsOf, SHARD_COUNT, type Args } from '@kv/wire';
import type { Lru } from '@kv/lru';
import type { ReplySink } from '../reply';
import type { ShardSet } from '../shards';

/**
 * A shard's hand-over to another worker during a live change of the worker count
 * (apps/router/src/scaling.ts leads it; apps/router/src/handover.ts sends). Internal:
 *   SHARDIMPORT shard first key value expireAt [key value expireAt ...]
 * `first` 1 takes the shard on afresh; entries come oldest first, so inserting them in order
 * rebuilds the sender's recency, and each keeps its expiry (Unix ms, 0: none).
 */

/** A chunk stays near this size, so no frame or string grows with the shard. */
const CHUNK_BYTES = 1024 * 1024;

export function shardimport(shards: ShardSet, args: Args, reply: ReplySink): void {
  const shard = Number(args.latin1(1));
  if (!Number.isInteger(shard) || shard < 0 || shard >= SHARD_COUNT) return reply.error('ERR bad shard');
  const store = args.latin1(2) === '1' ? shards.adopt(shard) : shards.store(shard);
  if (store === undefined) return reply.error('ERR shard is not being handed over to this worker');
  let refused = 0;
  for (let i = 3; i + 2 < args.count; i += 3) {
    // The sender held these entries within the same per-shard limit, so they fit unless the
    // limit differs; a refusal is reported rather than silently dropping the entry.
    if (!store.set(args.latin1(i), args.latin1(i + 1), Number(args.latin1(i + 2)))) refused++;
  }
  if (refused > 0) return reply.error(`ERR ${refused} entries did not fit`);
  reply.ok();
}

/** The SHARDIMPORT commands that copy `store` (shard `shard`), oldest entry first. */
export function exportShard(store: Lru, shard: number): Args[] {
  const chunks: Args[] = [];
  let parts: string[] = [];
  let bytes = 0;
  const start = () => {
    parts = ['SHARDIMPORT', String(shard), chunks.length === 0 ? '1' : '0'];
    bytes = 0;
  };
  start();
  store.forEachOldestFirst((key, value, expireAt) => {
    parts.push(key, value, String(expireAt));
    bytes += key.length + value.length + 16;
    if (bytes >= CHUNK_BYTES) {
      chunks.push(argsOf(parts));
      start();
    }
  });
  if (chunks.length === 0 || parts.length > 3) chunks.push(argsOf(parts));
  return chunks;
}
