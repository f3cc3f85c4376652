import { Args, TREE } from '@kv/wire';
import type { Lru } from '@kv/lru';
import type { ReplySink } from '../reply';
import { timeoutMs } from './blocking';
import { zmpopOptions, zmpopParsed, type ZmpopOptions } from './zset-pop';
import { popPairs, WRONG, zsetAt } from './zsets';
import { keysTogether } from './gather';

/**
 * The blocking sorted set commands (Redis 7.0's t_zset.c blockingGenericZpopCommand): each
 * handler is the non-blocking form, a null array on empty; the waiting is ShardSet.block's, as
 * for the blocking list commands (blocking.ts).
 */

/** BZPOPMIN and BZPOPMAX key [key ...] timeout: [key, member, score] from the first key holding a sorted set, else a null array. */
function bzpop(store: Lru, args: Args, reply: ReplySink, max: boolean): void {
  if (timeoutMs(args, args.count - 1, reply) === undefined) return;
  if (!keysTogether(args, 1, args.count - 2, reply)) return;
  for (let k = 1; k < args.count - 1; k++) {
    const slot = zsetAt(store, args, k, reply, true);
    if (slot === WRONG) return;
    if (slot < 0) continue;
    const members: string[] = [];
    const scores: number[] = [];
    popPairs(store, slot, args, k, 1, max, members, scores);
    TREE.begin().array(3).bulkBytes(args.buf, args.starts[k], args.ends[k]).bulk(members[0]).double(scores[0]);
    return reply.tree(TREE.buf, 0, TREE.length);
  }
  reply.nullArray();
}

export const bzpopmin = (store: Lru, args: Args, reply: ReplySink): void => bzpop(store, args, reply, false);
export const bzpopmax = (store: Lru, args: Args, reply: ReplySink): void => bzpop(store, args, reply, true);

/** ZMPOP's arguments viewed from BZMPOP's (its name, then all after the timeout). */
const ZMPOP_VIEW = new Args(8);
const OPTIONS: ZmpopOptions = { whereAt: 0, max: false, count: 1 };

/** BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]: ZMPOP's checks, then the timeout (Redis's order), then ZMPOP's reply (a null array on empty). */
export function bzmpop(store: Lru, args: Args, reply: ReplySink): void {
  const view = ZMPOP_VIEW;
  view.reset(args.buf);
  view.push(args.starts[0], args.ends[0]);
  for (let i = 2; i < args.count; i++) view.push(args.starts[i], args.ends[i]);
  const options = zmpopOptions(view, reply, OPTIONS);
  if (options.whereAt === 0) return;
  if (timeoutMs(args, 1, reply) === undefined) return;
  zmpopParsed(store, view, reply, options);
}
