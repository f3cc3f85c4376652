import { replyCounts, type Args } from '@kv/wire';
import { ERR, type ReplySink } from '../reply';
import type { WorkerShards } from '../types';
import { upperArg } from './args';

/** Commands over every shard of a worker; the router sends one to each worker and combines the replies. */

export function dbsize(shards: WorkerShards, _args: Args, reply: ReplySink): void {
  reply.integer(shards.totals().keys);
}

/** FLUSHALL / FLUSHDB [ASYNC | SYNC] */
export function flushall(shards: WorkerShards, args: Args, reply: ReplySink): void {
  if (args.count > 2 || (args.count === 2 && !['ASYNC', 'SYNC'].includes(upperArg(args, 1)))) return reply.error(ERR.syntax);
  shards.flush();
  reply.ok();
}

/**
 * RESETSTAT (internal: CONFIG RESETSTAT's step on every worker): the counters INFO's stats and
 * commandstats show back to 0, as Redis's resetServerStats: the shards' hits, misses,
 * expirations and evictions, and the router's (commands, connections, bytes, command figures).
 */
export function resetstat(shards: WorkerShards, _args: Args, reply: ReplySink): void {
  for (const s of shards.owned) shards.store(s)?.resetStats();
  shards.resetRouterStats?.();
  replyCounts.reset();
  reply.ok();
}

/** SLOWLOGSTEP GET count | LEN | RESET (internal: SLOWLOG's step on every worker), answered by the router's slow log. */
export function slowlogStep(shards: WorkerShards, args: Args, reply: ReplySink): void {
  const slowlog = shards.slowlog;
  if (slowlog === null) return reply.error(ERR.noRouter);
  slowlog.step(args, reply);
}

/** LATENCYSTEP ALL | RESET [event ...] (internal: LATENCY's step on every worker), answered by the router's latency monitor. */
export function latencyStep(shards: WorkerShards, args: Args, reply: ReplySink): void {
  const slowlog = shards.slowlog;
  if (slowlog === null) return reply.error(ERR.noRouter);
  slowlog.latencyStep(args, reply);
}
