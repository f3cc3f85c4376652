import type { Locality } from './locality';

/**
 * Splits the keys among connections so that no two connections ever touch the same key: a GET's
 * expected value is then exactly what its own connection last sent. With a locality, a key only
 * goes to connections whose worker owns its shard (local) or does not (forwarded).
 *
 * connectionWorkers[c] is connection c's worker index (ignored for 'any'); returns keys per connection.
 */
export function assignKeys(
  keyShards: Uint8Array,
  connectionWorkers: readonly number[],
  locality: Locality,
  shardOwners: Int32Array,
): Int32Array[] {
  const connections = connectionWorkers.length;
  const eligibleByOwner = new Map<number, number[]>();
  const eligibleFor = (owner: number): number[] => {
    let list = eligibleByOwner.get(owner);
    if (list === undefined) {
      list = [];
      for (let c = 0; c < connections; c++) {
        const local = connectionWorkers[c] === owner;
        if (locality === 'any' || (locality === 'local') === local) list.push(c);
      }
      eligibleByOwner.set(owner, list);
    }
    return list;
  };

  const buckets: number[][] = Array.from({ length: connections }, () => []);
  const nextByOwner = new Map<number, number>();
  for (let key = 0; key < keyShards.length; key++) {
    const owner = locality === 'any' ? -1 : shardOwners[keyShards[key]];
    const eligible = eligibleFor(owner);
    if (eligible.length === 0) continue;
    const next = nextByOwner.get(owner) ?? 0;
    buckets[eligible[next % eligible.length]].push(key);
    nextByOwner.set(owner, next + 1);
  }
  return buckets.map((keys) => Int32Array.from(keys));
}
