import type { Args } from '@kv/wire';
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
 * CLIENTLIST [id ...] (internal): this worker's lines of CLIENT LIST, for all its clients or
 * those of the ids given, from the router that registered them (`shards.clientList`); the asking
 * router joins every worker's into one reply.
 */
export function clientlist(shards: WorkerShards, args: Args, reply: ReplySink): void {
  let ids: number[] | null = null;
  if (args.count > 1) {
    ids = [];
    for (let i = 1; i < args.count; i++) ids.push(Number(args.latin1(i)));
  }
  reply.bulk(shards.clientList?.(ids) ?? '');
}
