import { argsOf, SHARD_COUNT, type Args } from '@kv/wire';
import { LruHash, type Lru, type Value } from '@kv/lru';
import type { ReplySink } from '../reply';
import type { WorkerShards } from '../types';

/**
 * A shard's hand-over to another worker during a live change of the worker count
 * (apps/router/src/primary/scaling.ts leads it; apps/router/src/links/handover.ts sends). Internal:
 *   SHARDIMPORT shard version flags entry [entry ...]
 * where an entry is a string or a hash, whole:
 *   S key value expireAt slot
 *   H key expireAt slot n field value seq [field value seq ...]     (n fields)
 * `version` is the shard map version the move belongs to: a chunk arriving once the map has moved
 * on (the move timed out) is refused, so no stray copy is left behind. `flags`: FIRST takes the
 * shard on afresh, LAST ends it. Entries come oldest first and each goes back into its slot, so
 * the new owner has the sender's recency and slot order (a SCAN cursor stays valid), and keeps
 * its expiry (Unix ms, 0: none). A hash's fields keep their order and insertion numbers (an HSCAN
 * cursor stays valid too); a hash travels in one chunk, however big.
 */
export const FIRST = 1;
export const LAST = 2;

/** A chunk stays near this size, so no frame or string grows with the shard. */
const CHUNK_BYTES = 1024 * 1024;

export function shardimport(shards: WorkerShards, args: Args, reply: ReplySink): void {
  const shard = Number(args.latin1(1));
  if (!Number.isInteger(shard) || shard < 0 || shard >= SHARD_COUNT) return reply.error('ERR bad shard');
  if (Number(args.latin1(2)) !== shards.mapVersion) return reply.error(`ERR shard map version ${args.latin1(2)} is not this worker's (${shards.mapVersion})`);
  const flags = Number(args.latin1(3));
  const store = flags & FIRST ? shards.adopt(shard) : shards.store(shard);
  if (store === undefined) return reply.error('ERR shard is not being handed over to this worker');
  let refused = 0;
  for (let i = 4; i < args.count; ) {
    const kind = args.latin1(i);
    let value: Value;
    let key: string, expireAt: number, slot: number;
    if (kind === 'S' && i + 4 < args.count) {
      key = args.latin1(i + 1);
      value = args.latin1(i + 2);
      expireAt = Number(args.latin1(i + 3));
      slot = Number(args.latin1(i + 4));
      i += 5;
    } else if (kind === 'H' && i + 4 < args.count) {
      key = args.latin1(i + 1);
      expireAt = Number(args.latin1(i + 2));
      slot = Number(args.latin1(i + 3));
      const fields = Number(args.latin1(i + 4));
      i += 5;
      if (!Number.isInteger(fields) || fields < 1 || i + fields * 3 > args.count) return reply.error('ERR bad hash in a shard import');
      const hash = new LruHash();
      let whole = true;
      for (let end = i + fields * 3; i < end; i += 3) whole = hash.restore(args.latin1(i), args.latin1(i + 1), Number(args.latin1(i + 2))) && whole;
      if (!whole) return reply.error('ERR bad hash in a shard import');
      value = hash;
    } else return reply.error('ERR bad entry in a shard import');
    // The sender held these entries within the same per-shard limit and in distinct slots, so they
    // fit unless the limit differs; a refusal is reported rather than silently dropping the entry.
    if (!store.restoreAt(slot, key, value, expireAt)) refused++;
  }
  if (flags & LAST) store.finishRestore();
  if (refused > 0) return reply.error(`ERR ${refused} entries did not fit`);
  reply.ok();
}

/** The SHARDIMPORT commands that copy `store` (shard `shard`) for map version `version`, oldest entry first. */
export function exportShard(store: Lru, shard: number, version: number): Args[] {
  const chunks: string[][] = [];
  let parts: string[] = [];
  let bytes = 0;
  const start = () => {
    parts = ['SHARDIMPORT', String(shard), String(version), chunks.length === 0 ? String(FIRST) : '0'];
    bytes = 0;
  };
  start();
  store.forEachOldestFirst((key, value, expireAt, slot) => {
    if (typeof value === 'string') {
      parts.push('S', key, value, String(expireAt), String(slot));
      bytes += key.length + value.length + 32;
    } else {
      parts.push('H', key, String(expireAt), String(slot), String(value.size));
      value.forEachNumbered((field, fieldValue, seq) => parts.push(field, fieldValue, String(seq)));
      bytes += key.length + value.bytes + 40;
    }
    if (bytes >= CHUNK_BYTES) {
      chunks.push(parts);
      start();
    }
  });
  if (chunks.length === 0 || parts.length > 4) chunks.push(parts);
  const last = chunks[chunks.length - 1];
  last[3] = String(Number(last[3]) | LAST);
  return chunks.map((chunk) => argsOf(chunk));
}
