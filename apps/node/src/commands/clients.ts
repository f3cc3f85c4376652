import type { Args } from '@kv/wire';
import type { ReplySink } from '../reply';
import type { Entry, KeyPositions } from './table-entry';
import type { ClientFilter, WorkerShards } from '../types';

/**
 * The steps of CLIENT LIST, KILL and UNBLOCK on each worker (the router's commands/client.ts
 * parses and checks them, then asks every worker and joins or sums the answers): a worker's
 * clients are its router's, reached through `shards.clients`.
 */

/** CLIENTLIST type [id ...]: this worker's lines, of a type ('': any), of all its clients or of the ids given. */
export function clientlist(shards: WorkerShards, args: Args, reply: ReplySink): void {
  let ids: number[] | null = null;
  if (args.count > 2) {
    ids = [];
    for (let i = 2; i < args.count; i++) ids.push(Number(args.latin1(i)));
  }
  reply.bulk(shards.clients?.list(ids, args.latin1(1)) ?? '');
}

/** CLIENTKILL asker skip id addr laddr type: how many of this worker's clients it closed. */
export function clientkill(shards: WorkerShards, args: Args, reply: ReplySink): void {
  const filter: ClientFilter = {
    asker: Number(args.latin1(1)),
    skip: Number(args.latin1(2)),
    id: Number(args.latin1(3)),
    addr: args.latin1(4),
    laddr: args.latin1(5),
    type: args.latin1(6),
  };
  reply.integer(shards.clients?.kill(filter) ?? 0);
}

/** CLIENTUNBLOCK id TIMEOUT|ERROR: 1 when that client is here and was blocked. */
export function clientunblock(shards: WorkerShards, args: Args, reply: ReplySink): void {
  reply.integer(shards.clients?.unblock(Number(args.latin1(1)), args.latin1(2) === 'ERROR') ?? 0);
}

const NONE: KeyPositions = [0, 0, 0];

/** Their table entries (table.ts places them): internal, each sent to every worker. */
export const CLIENT_STEPS: readonly Entry[] = [
  { name: 'CLIENTLIST', arity: -2, plan: 'internal', keys: NONE, combine: 'lines', workerHandler: clientlist, flags: [] },
  { name: 'CLIENTKILL', arity: 7, plan: 'internal', keys: NONE, combine: 'sum', workerHandler: clientkill, flags: [] },
  { name: 'CLIENTUNBLOCK', arity: 3, plan: 'internal', keys: NONE, combine: 'sum', workerHandler: clientunblock, flags: [] },
];
