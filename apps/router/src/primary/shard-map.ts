import { SHARD_COUNT } from '@kv/wire';

/** At most one worker per shard: a worker with no shard would only route. */
export const MAX_WORKERS = SHARD_COUNT;

/**
 * Which worker owns each of the 16 shards. The primary holds the true map and changes it one
 * version at a time during a live change of the worker count (scaling.ts); every router routes by
 * its copy, which the primary replaces only while the whole cluster is paused with nothing in
 * flight, so no two routers ever disagree about a command they are running.
 */
export interface ShardMap {
  version: number;
  /** Workers 0 .. workers-1 serve clients and take part in every-worker commands (DBSIZE, KEYS). */
  workers: number;
  /** owners[shard]: the worker index that owns it. */
  owners: number[];
}

/** The even spread: shard s on worker s mod workers (what a fresh start and every resize aim at). */
export function spreadOwners(workers: number): number[] {
  return Array.from({ length: SHARD_COUNT }, (_, shard) => shard % workers);
}

export function initialMap(workers: number): ShardMap {
  return { version: 1, workers, owners: spreadOwners(workers) };
}

export function shardsOwnedBy(owners: readonly number[], worker: number): number[] {
  const shards: number[] = [];
  owners.forEach((owner, shard) => {
    if (owner === worker) shards.push(shard);
  });
  return shards;
}

export interface Move {
  shard: number;
  from: number;
  to: number;
}

/** The shard hand-overs that take `owners` to the even spread over `workers`. */
export function planMoves(owners: readonly number[], workers: number): Move[] {
  const target = spreadOwners(workers);
  const moves: Move[] = [];
  owners.forEach((from, shard) => {
    if (from !== target[shard]) moves.push({ shard, from, to: target[shard] });
  });
  return moves;
}
