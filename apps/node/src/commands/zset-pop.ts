import { TREE, type Args } from '@kv/wire';
import { zsetRead, type Lru, type ZSorted } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import { MAX_RANDOM_REPLY } from './hash-scan';
import { int64 } from './numbers';
import { popPairs, WRONG, zsetAt } from './zsets';
import { mpopCount, mpopKeysEnd } from './scan-options';
import { keysTogether } from './gather';

/** ZMPOP and ZRANDMEMBER (t_zset.c). */

/** ZMPOP's parsed arguments: the index of MIN|MAX (0: an error was answered), MAX or not, the count. */
export interface ZmpopOptions {
  whereAt: number;
  max: boolean;
  count: number;
}

/** Reads ZMPOP's numkeys, MIN|MAX and COUNT as Redis's zmpopGenericCommand, in its order; whereAt 0 once an error is answered. */
export function zmpopOptions(args: Args, reply: ReplySink, out: ZmpopOptions): ZmpopOptions {
  out.whereAt = 0;
  const whereAt = mpopKeysEnd(args, reply);
  if (whereAt === 0) return out;
  const where = args.latin1(whereAt).toUpperCase();
  if (where !== 'MIN' && where !== 'MAX') {
    reply.error(ERR.syntax);
    return out;
  }
  const count = mpopCount(args, whereAt + 1, reply);
  if (count === 0) return out;
  out.whereAt = whereAt;
  out.max = where === 'MAX';
  out.count = count;
  return out;
}

const OPTIONS: ZmpopOptions = { whereAt: 0, max: false, count: 1 };

/** ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]: pops from the first non-empty sorted set; [key, [[member, score] ...]], or a null array. Its keys in one shard. */
export function zmpop(store: Lru, args: Args, reply: ReplySink): void {
  const options = zmpopOptions(args, reply, OPTIONS);
  if (options.whereAt === 0) return;
  zmpopParsed(store, args, reply, options);
}

/** ZMPOP once its options are read. */
export function zmpopParsed(store: Lru, args: Args, reply: ReplySink, { whereAt, max, count }: ZmpopOptions): void {
  if (!keysTogether(args, 2, whereAt - 1, reply)) return;
  for (let k = 2; k < whereAt; k++) {
    const slot = zsetAt(store, args, k, reply, true);
    if (slot === WRONG) return;
    if (slot < 0) continue;
    const members: string[] = [];
    const scores: number[] = [];
    popPairs(store, slot, args, k, count, max, members, scores);
    TREE.begin().array(2).bulkBytes(args.buf, args.starts[k], args.ends[k]).array(members.length);
    for (let i = 0; i < members.length; i++) TREE.array(2).bulk(members[i]).double(scores[i]);
    return reply.tree(TREE.buf, 0, TREE.length);
  }
  reply.nullArray();
}

/** ZRANDMEMBER key [count [WITHSCORES]]: one member, `count` distinct ones, or for a negative count that many with repeats. */
export function zrandmember(store: Lru, args: Args, reply: ReplySink): void {
  if (args.count === 2) {
    const slot = zsetAt(store, args, 1, reply, false);
    if (slot === WRONG) return;
    if (slot < 0) return reply.nil();
    return pickOne(zsetRead(store, slot), reply);
  }
  const count = int64(args.latin1(2));
  if (count === undefined) return reply.error(ERR.notInteger);
  if (count < -9223372036854775807n) return reply.error(ERR.outOfRangeBetween);
  const withScores = args.count === 4 && args.latin1(3).toUpperCase() === 'WITHSCORES';
  if (args.count > 4 || (args.count === 4 && !withScores)) return reply.error(ERR.syntax);
  if (withScores && (count < -4611686018427387903n || count > 4611686018427387903n)) return reply.error(ERR.outOfRange);
  // A reply past this many picks would be built whole in memory (Redis streams it): refused, as HRANDFIELD's.
  if (count < -BigInt(MAX_RANDOM_REPLY)) return reply.error(ERR.outOfRange);
  const slot = zsetAt(store, args, 1, reply, false);
  if (slot === WRONG) return;
  const z = slot < 0 ? null : zsetRead(store, slot);
  const ranks: number[] = [];
  if (z !== null && count !== 0n) {
    if (count < 0n) for (let i = 0n; i < -count; i++) ranks.push(Math.floor(Math.random() * z.size));
    else {
      const all = Array.from({ length: z.size }, (_, i) => i);
      const n = Math.min(Number(count), z.size);
      // A partial Fisher-Yates shuffle: n distinct ranks (all of them, in order, when n is the size).
      if (n < z.size) {
        for (let i = 0; i < n; i++) {
          const j = i + Math.floor(Math.random() * (all.length - i));
          [all[i], all[j]] = [all[j], all[i]];
        }
      }
      for (let i = 0; i < n; i++) ranks.push(all[i]);
    }
  }
  TREE.begin();
  if (withScores) TREE.pairs(ranks.length);
  else TREE.array(ranks.length);
  for (const rank of ranks) {
    z!.visit(rank, rank + 1, false, (member, score) => {
      TREE.bulk(member);
      if (withScores) TREE.double(score);
    });
  }
  reply.tree(TREE.buf, 0, TREE.length);
}

function pickOne(z: ZSorted, reply: ReplySink): void {
  const rank = Math.floor(Math.random() * z.size);
  z.visit(rank, rank + 1, false, (member) => reply.bulk(member));
}
