import type { Args } from '@kv/wire';
import type { ReplySink } from '../reply';
import type { WorkerShards } from '../types';
import { upperArg } from './args';

/** Commands over every shard of a worker; the router sends one to each worker and combines the replies. */

export function dbsize(shards: WorkerShards, _args: Args, reply: ReplySink): void {
  reply.integer(shards.totals().keys);
}

/** FLUSHALL / FLUSHDB [ASYNC | SYNC] */
export function flushall(shards: WorkerShards, args: Args, reply: ReplySink): void {
  if (args.count > 2 || (args.count === 2 && !['ASYNC', 'SYNC'].includes(upperArg(args, 1)))) return reply.error('ERR syntax error');
  shards.flush();
  reply.ok();
}
