import { TREE, type Args } from '@kv/wire';
import { SmallZset, zsetEdit, zsetRead, zsetSave, type Lru, type ZSorted } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import { upperArg } from './args';
import { int64 } from './numbers';
import { parseLexBound, parseScoreBound, type LexBound, type ScoreBound } from './zset-args';
import { WRONG, zsetAt } from './zsets';
import { keysTogether } from './gather';

/**
 * Sorted set commands over a range (t_zset.c's zrangeGenericCommand and kin): by rank, by score
 * or by member (BYLEX, meaningful when every score is equal), forward or REV, with LIMIT and
 * WITHSCORES; ZCOUNT, ZLEXCOUNT and ZREMRANGEBY*. A score or lex range becomes a run of ranks
 * [from, to) by two counts in the set's order (O(log n) on the big form), then is walked.
 */

type RangeType = 'rank' | 'score' | 'lex';

/** A range's arguments, parsed: `error` set when the reply was an error. */
interface Range {
  type: RangeType;
  start: number;
  end: number;
  min: ScoreBound | null;
  max: ScoreBound | null;
  lexMin: LexBound | null;
  lexMax: LexBound | null;
}

/** Parses the range at arguments i, i + 1 (min, max: for a REV score or lex range, max comes first); null once an error was answered. */
function parseRange(args: Args, i: number, type: RangeType, reverse: boolean, reply: ReplySink): Range | null {
  const range: Range = { type, start: 0, end: 0, min: null, max: null, lexMin: null, lexMax: null };
  const minAt = reverse && type !== 'rank' ? i + 1 : i;
  const maxAt = reverse && type !== 'rank' ? i : i + 1;
  if (type === 'rank') {
    const start = int64(args.latin1(minAt));
    const end = int64(args.latin1(maxAt));
    if (start === undefined || end === undefined) {
      reply.error(ERR.notInteger);
      return null;
    }
    range.start = clampLong(start);
    range.end = clampLong(end);
  } else if (type === 'score') {
    range.min = parseScoreBound(args.latin1(minAt)) ?? null;
    range.max = parseScoreBound(args.latin1(maxAt)) ?? null;
    if (range.min === null || range.max === null) {
      reply.error(ERR.zrangeNotFloat);
      return null;
    }
  } else {
    range.lexMin = parseLexBound(args.latin1(minAt)) ?? null;
    range.lexMax = parseLexBound(args.latin1(maxAt)) ?? null;
    if (range.lexMin === null || range.lexMax === null) {
      reply.error(ERR.zrangeNotLex);
      return null;
    }
  }
  return range;
}

/** A long as a number (ranks past 2^53 behave as the extreme they are near). */
function clampLong(n: bigint): number {
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : n < BigInt(Number.MIN_SAFE_INTEGER) ? Number.MIN_SAFE_INTEGER : Number(n);
}

/** The ranks [from, to) (ascending order) a range covers in `z`, before any LIMIT. */
function ranksOf(z: ZSorted, range: Range, reverse: boolean): [number, number] {
  const size = z.size;
  if (range.type === 'rank') {
    let start = range.start < 0 ? size + range.start : range.start;
    let end = range.end < 0 ? size + range.end : range.end;
    if (start < 0) start = 0;
    if (start > end || start >= size) return [0, 0];
    if (end >= size) end = size - 1;
    return reverse ? [size - 1 - end, size - start] : [start, end + 1];
  }
  let from: number;
  let to: number;
  if (range.type === 'score') {
    from = z.countBelowScore(range.min!.value, range.min!.exclusive);
    to = z.countBelowScore(range.max!.value, !range.max!.exclusive);
  } else {
    from = lexCount(z, range.lexMin!, false);
    to = lexCount(z, range.lexMax!, true);
  }
  return from < to ? [from, to] : [0, 0];
}

/** Pairs below a lex bound (`upper`: the bound closes the range, so an inclusive one counts its member). */
function lexCount(z: ZSorted, bound: LexBound, upper: boolean): number {
  if (bound.edge !== 0) return bound.edge < 0 ? 0 : z.size;
  return z.countBelowMember(bound.member, upper ? !bound.exclusive : bound.exclusive);
}

/** LIMIT offset count on ranks [from, to), walked ascending or (reverse) descending. */
function limited(from: number, to: number, reverse: boolean, offset: number, limit: number): [number, number] {
  if (offset < 0 || from >= to) return [0, 0];
  const take = limit < 0 ? Infinity : limit;
  if (reverse) {
    const end = to - offset;
    return end <= from ? [0, 0] : [Math.max(from, end - take), end];
  }
  const start = from + offset;
  return start >= to ? [0, 0] : [start, Math.min(to, start + take)];
}

/**
 * Z[REV]RANGE[BYSCORE|BYLEX] and ZRANGE's options (zrangeGenericCommand): `type` and `reverse`
 * fixed by the command, or null for ZRANGE, whose options choose them.
 */
function zrangeGeneric(store: Lru, args: Args, reply: ReplySink, fixedType: RangeType | null, fixedReverse: boolean | null, dst = false): void {
  let withScores = false;
  let offset = 0;
  let limit = -1;
  let type = fixedType;
  let reverse = fixedReverse;
  // ZRANGESTORE dst src min max ...: its source and range one argument on.
  const src = dst ? 2 : 1;
  for (let j = src + 3; j < args.count; j++) {
    const option = upperArg(args, j);
    if (!dst && option === 'WITHSCORES') withScores = true;
    else if (option === 'LIMIT' && args.count - j - 1 >= 2) {
      const o = int64(args.latin1(j + 1));
      const l = int64(args.latin1(j + 2));
      if (o === undefined || l === undefined) return reply.error(ERR.notInteger);
      offset = clampLong(o);
      limit = clampLong(l);
      j += 2;
    } else if (reverse === null && option === 'REV') reverse = true;
    else if (type === null && option === 'BYLEX') type = 'lex';
    else if (type === null && option === 'BYSCORE') type = 'score';
    else return reply.error(ERR.syntax);
  }
  const rev = reverse ?? false;
  const rangeType = type ?? 'rank';
  if (limit !== -1 && rangeType === 'rank') return reply.error(ERR.zrangeLimitRank);
  if (withScores && rangeType === 'lex') return reply.error(ERR.zrangeLexScores);
  const range = parseRange(args, src + 1, rangeType, rev, reply);
  if (range === null) return;
  if (dst && !keysTogether(args, 1, 2, reply)) return;
  const slot = zsetAt(store, args, src, reply, false);
  if (slot === WRONG) return;
  const z = slot < 0 ? null : zsetRead(store, slot);
  let [first, last] = [0, 0];
  if (z !== null) {
    const [from, to] = ranksOf(z, range, rev);
    [first, last] = rangeType === 'rank' ? [from, to] : limited(from, to, rev, offset, limit);
  }
  if (!dst) return replyRange(reply, z, first, last, rev, withScores);
  if (!storeRange(store, args, z, first, last, rev, rangeType === 'rank')) return reply.error(ERR.oom);
  reply.integer(last - first);
}

/**
 * ZRANGESTORE's write: the destination becomes the range, or goes when it is empty. As Redis 7.0
 * adds it, in the range's order, to a new set made for its length when that is known first (a
 * rank range) or else packed, converting when it must (which shows: a packed set keeps -0 as 0).
 */
function storeRange(store: Lru, args: Args, z: ZSorted | null, from: number, to: number, reverse: boolean, lengthKnown: boolean): boolean {
  const old = store.peek(args.buf, args.starts[1], args.ends[1]);
  if (z === null || from >= to) {
    if (old >= 0) store.remove(old);
    return true;
  }
  const made = new SmallZset(store.memory.limits);
  made.tooBig = lengthKnown && to - from > store.memory.limits.zsetMaxListpackEntries;
  z.visit(from, to, reverse, (member, score) => made.set(member, score));
  return zsetSave(store, -1, args, 1, made);
}

function replyRange(reply: ReplySink, z: ZSorted | null, from: number, to: number, reverse: boolean, withScores: boolean): void {
  TREE.begin();
  const n = z === null ? 0 : to - from;
  if (withScores) TREE.pairs(n);
  else TREE.array(n);
  if (z !== null) {
    z.visit(from, to, reverse, (member, score) => {
      TREE.bulk(member);
      if (withScores) TREE.double(score);
    });
  }
  reply.tree(TREE.buf, 0, TREE.length);
}

export const zrangestore = (store: Lru, args: Args, reply: ReplySink): void => zrangeGeneric(store, args, reply, null, null, true);
export const zrange = (store: Lru, args: Args, reply: ReplySink): void => zrangeGeneric(store, args, reply, null, null);
export const zrevrange = (store: Lru, args: Args, reply: ReplySink): void => zrangeGeneric(store, args, reply, 'rank', true);
export const zrangebyscore = (store: Lru, args: Args, reply: ReplySink): void => zrangeGeneric(store, args, reply, 'score', false);
export const zrevrangebyscore = (store: Lru, args: Args, reply: ReplySink): void => zrangeGeneric(store, args, reply, 'score', true);
export const zrangebylex = (store: Lru, args: Args, reply: ReplySink): void => zrangeGeneric(store, args, reply, 'lex', false);
export const zrevrangebylex = (store: Lru, args: Args, reply: ReplySink): void => zrangeGeneric(store, args, reply, 'lex', true);

/** ZCOUNT / ZLEXCOUNT key min max: the pairs in the range. */
function count(store: Lru, args: Args, reply: ReplySink, type: RangeType): void {
  const range = parseRange(args, 2, type, false, reply);
  if (range === null) return;
  const slot = zsetAt(store, args, 1, reply, false);
  if (slot === WRONG) return;
  if (slot < 0) return reply.integer(0);
  const [from, to] = ranksOf(zsetRead(store, slot), range, false);
  reply.integer(to - from);
}

export const zcount = (store: Lru, args: Args, reply: ReplySink): void => count(store, args, reply, 'score');
export const zlexcount = (store: Lru, args: Args, reply: ReplySink): void => count(store, args, reply, 'lex');

/** ZREMRANGEBYRANK / BYSCORE / BYLEX key min max: removes the range; how many went. The set goes when emptied. */
function removeRange(store: Lru, args: Args, reply: ReplySink, type: RangeType): void {
  const range = parseRange(args, 2, type, false, reply);
  if (range === null) return;
  const slot = zsetAt(store, args, 1, reply, true);
  if (slot === WRONG) return;
  if (slot < 0) return reply.integer(0);
  const z = zsetEdit(store, slot, 0)!;
  const [from, to] = ranksOf(z, range, false);
  if (from >= to) return reply.integer(0);
  const doomed: string[] = [];
  z.visit(from, to, false, (member) => doomed.push(member));
  for (const member of doomed) z.delete(member);
  zsetSave(store, slot, args, 1, z);
  reply.integer(doomed.length);
}

export const zremrangebyrank = (store: Lru, args: Args, reply: ReplySink): void => removeRange(store, args, reply, 'rank');
export const zremrangebyscore = (store: Lru, args: Args, reply: ReplySink): void => removeRange(store, args, reply, 'score');
export const zremrangebylex = (store: Lru, args: Args, reply: ReplySink): void => removeRange(store, args, reply, 'lex');
