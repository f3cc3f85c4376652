import { doubleText, TREE, type Args } from '@kv/wire';
import { FOUND, Kind, LruZset, zsetEdit, zsetFind, zsetInsertPacked, zsetMovePacked, zsetRead, zsetSave, zsetSize, type Lru, type ZEditable } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import { upperArg } from './args';
import { compileGlob } from './glob';
import { peekArg, readArg } from './keyarg';
import { positiveArg } from './list-args';
import { parseCursor } from './scan';
import { parseScore } from './zset-args';
import { keyScanOptions } from './scan-options';

/**
 * Sorted set commands on one key, as Redis 7.0's t_zset.c: a sorted set is one entry of kind
 * ZSET, packed while small (libs/lru zset-ops.ts), else a counted B+ tree beside a member index
 * (zset.ts). Scores are doubles, printed as Redis prints them (%.17g; `,` doubles in RESP3).
 * Range commands are in zset-ranges.ts.
 */

export const WRONG = -2;

/** The sorted set at argument i: its slot, -1 for none, WRONG once WRONGTYPE was answered (`write`: no counters, as lookupKeyWrite). */
export function zsetAt(store: Lru, args: Args, i: number, reply: ReplySink, write: boolean): number {
  const slot = write ? peekArg(store, args, i) : readArg(store, args, i);
  if (slot < 0) return -1;
  if (store.kindAt(slot) === Kind.ZSET) return slot;
  reply.error(ERR.wrongType);
  return WRONG;
}

const ZADD_NX = 1;
const ZADD_XX = 2;
const ZADD_GT = 4;
const ZADD_LT = 8;
const ZADD_INCR = 16;
const ZADD_CH = 32;

/** ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...] (zaddGenericCommand). */
export function zadd(store: Lru, args: Args, reply: ReplySink): void {
  zaddGeneric(store, args, reply, 0);
}

/** ZINCRBY key increment member: ZADD INCR. */
export function zincrby(store: Lru, args: Args, reply: ReplySink): void {
  zaddGeneric(store, args, reply, ZADD_INCR);
}

function zaddGeneric(store: Lru, args: Args, reply: ReplySink, flags: number): void {
  let at = 2;
  for (; at < args.count; at++) {
    const option = upperArg(args, at);
    const flag = option === 'NX' ? ZADD_NX : option === 'XX' ? ZADD_XX : option === 'CH' ? ZADD_CH : option === 'INCR' ? ZADD_INCR : option === 'GT' ? ZADD_GT : option === 'LT' ? ZADD_LT : 0;
    if (flag === 0) break;
    flags |= flag;
  }
  const elements = args.count - at;
  if (elements === 0 || elements % 2 !== 0) return reply.error(ERR.syntax);
  if (flags & ZADD_NX && flags & ZADD_XX) return reply.error(ERR.zaddNxXx);
  if ((flags & ZADD_GT && flags & (ZADD_NX | ZADD_LT)) || (flags & ZADD_LT && flags & ZADD_NX)) return reply.error(ERR.zaddGtLtNx);
  const incr = (flags & ZADD_INCR) !== 0;
  if (incr && elements > 2) return reply.error(ERR.zaddIncrPair);
  const scores: number[] = [];
  let growth = 0;
  for (let i = at; i < args.count; i += 2) {
    const score = parseScore(args.latin1(i));
    if (score === undefined) return reply.error(ERR.notFloat);
    scores.push(score);
    growth += LruZset.cost(args.ends[i + 1] - args.starts[i + 1]);
  }
  const slot = zsetAt(store, args, 1, reply, true);
  if (slot === WRONG) return;
  if (slot < 0 && flags & ZADD_XX) return incr ? reply.nil() : reply.integer(0);
  if (scores.length === 1 && !incr && slot >= 0 && store.isInline(slot) && !zsetFind(store, slot, args.buf, args.starts[at + 1], args.ends[at + 1])) {
    // One new member for a packed set: added in place when it stays packed.
    if (flags & ZADD_XX) return reply.integer(0);
    const added = zsetInsertPacked(store, slot, args.buf, args.starts[at + 1], args.ends[at + 1], scores[0]);
    if (added === false) return reply.error(ERR.oom);
    if (added === true) return reply.integer(1);
  }
  if (scores.length === 1 && flags === 0 && slot >= 0 && store.isInline(slot)) {
    // One member already there, a plain ZADD: moved in place when it stays packed.
    const moved = zsetMovePacked(store, slot, args.buf, args.starts[at + 1], args.ends[at + 1], scores[0]);
    if (moved === false) return reply.error(ERR.oom);
    if (moved !== undefined) return reply.integer(0);
  }
  const z = zsetEdit(store, slot, growth, args.ends[at + 1] - args.starts[at + 1]);
  if (z === null) return reply.error(ERR.oom);
  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  for (let j = 0; j < scores.length; j++) {
    const member = args.latin1(at + 1 + j * 2);
    let next = scores[j];
    const current = z.score(member);
    if (current === undefined) {
      if (flags & ZADD_XX) continue;
      z.set(member, next);
      added++;
    } else {
      if (flags & ZADD_NX) continue;
      if (incr) {
        next += current;
        // Only INCR gets here, with its one pair: nothing was changed yet.
        if (Number.isNaN(next)) return reply.error(ERR.zaddNan);
      }
      if ((flags & ZADD_LT && next >= current) || (flags & ZADD_GT && next <= current)) continue;
      if (next !== current) {
        z.set(member, next);
        updated++;
      }
    }
    processed++;
    score = next;
  }
  if ((added > 0 || updated > 0) && !zsetSave(store, slot, args, 1, z)) return reply.error(ERR.oom);
  if (incr) return processed > 0 ? replyDouble(reply, score) : reply.nil();
  reply.integer(flags & ZADD_CH ? added + updated : added);
}

export function replyDouble(reply: ReplySink, score: number): void {
  TREE.begin().double(score);
  reply.tree(TREE.buf, 0, TREE.length);
}

export function zrem(store: Lru, args: Args, reply: ReplySink): void {
  const slot = zsetAt(store, args, 1, reply, true);
  if (slot === WRONG) return;
  if (slot < 0) return reply.integer(0);
  const z = zsetEdit(store, slot, 0)!;
  let removed = 0;
  for (let i = 2; i < args.count; i++) if (z.delete(args.latin1(i))) removed++;
  if (removed > 0) zsetSave(store, slot, args, 1, z);
  reply.integer(removed);
}

export function zcard(store: Lru, args: Args, reply: ReplySink): void {
  const slot = zsetAt(store, args, 1, reply, false);
  if (slot === WRONG) return;
  reply.integer(slot < 0 ? 0 : zsetSize(store, slot));
}

export function zscore(store: Lru, args: Args, reply: ReplySink): void {
  const slot = zsetAt(store, args, 1, reply, false);
  if (slot === WRONG) return;
  if (slot < 0 || !zsetFind(store, slot, args.buf, args.starts[2], args.ends[2])) return reply.nil();
  replyDouble(reply, FOUND.score);
}

export function zmscore(store: Lru, args: Args, reply: ReplySink): void {
  const slot = zsetAt(store, args, 1, reply, false);
  if (slot === WRONG) return;
  TREE.begin().array(args.count - 2);
  for (let i = 2; i < args.count; i++) {
    if (slot >= 0 && zsetFind(store, slot, args.buf, args.starts[i], args.ends[i])) TREE.double(FOUND.score);
    else TREE.nil();
  }
  reply.tree(TREE.buf, 0, TREE.length);
}

function rank(store: Lru, args: Args, reply: ReplySink, reverse: boolean): void {
  const slot = zsetAt(store, args, 1, reply, false);
  if (slot === WRONG) return;
  if (slot < 0 || !zsetFind(store, slot, args.buf, args.starts[2], args.ends[2])) return reply.nil();
  reply.integer(reverse ? zsetSize(store, slot) - 1 - FOUND.rank : FOUND.rank);
}

export const zrank = (store: Lru, args: Args, reply: ReplySink): void => rank(store, args, reply, false);
export const zrevrank = (store: Lru, args: Args, reply: ReplySink): void => rank(store, args, reply, true);

/**
 * Removes up to `count` pairs from one end of the set at `slot` (a live sorted set), in the
 * order popped, into `members` and `scores`; the set goes when emptied.
 */
export function popPairs(store: Lru, slot: number, keyArgs: Args, key: number, count: number, max: boolean, members: string[], scores: number[]): void {
  const z: ZEditable = zsetEdit(store, slot, 0)!;
  const n = Math.min(count, z.size);
  z.visit(max ? z.size - n : 0, max ? z.size : n, max, (member, score) => {
    members.push(member);
    scores.push(score);
  });
  for (const member of members) z.delete(member);
  zsetSave(store, slot, keyArgs, key, z);
}

/** ZPOPMIN / ZPOPMAX key [count]: one pair (a flat array), or up to `count` (pairs: RESP3 nests them). */
function pop(store: Lru, args: Args, reply: ReplySink, max: boolean): void {
  if (args.count > 3) return reply.error(ERR.syntax);
  let count = 1;
  if (args.count === 3) {
    const n = positiveArg(args, 2, reply);
    if (n === undefined) return;
    count = n;
  }
  const slot = zsetAt(store, args, 1, reply, true);
  if (slot === WRONG) return;
  if (slot < 0 || count === 0) return reply.tree(EMPTY, 0, EMPTY.length);
  const members: string[] = [];
  const scores: number[] = [];
  popPairs(store, slot, args, 1, count, max, members, scores);
  TREE.begin();
  if (args.count === 3) TREE.pairs(members.length);
  else TREE.array(2);
  for (let i = 0; i < members.length; i++) TREE.bulk(members[i]).double(scores[i]);
  reply.tree(TREE.buf, 0, TREE.length);
}

const EMPTY = Buffer.from(TREE.begin().array(0).buf.subarray(0, TREE.length));

export const zpopmin = (store: Lru, args: Args, reply: ReplySink): void => pop(store, args, reply, false);
export const zpopmax = (store: Lru, args: Args, reply: ReplySink): void => pop(store, args, reply, true);

/** A packed set's score as ZSCAN shows it: Redis's listpack holds an integral one within 2^62 as an integer (zzlInsertAt's double2ll). */
function packedScoreText(score: number): string {
  return Number.isInteger(score) && Math.abs(score) <= 2 ** 62 ? BigInt(score).toString() : doubleText(score);
}


/** ZSCAN key cursor [MATCH pattern] [COUNT count]: as SSCAN, members and their scores (as strings); a packed set answers whole with cursor 0. */
export function zscan(store: Lru, args: Args, reply: ReplySink): void {
  const cursor = parseCursor(args.latin1(2));
  if (cursor === undefined) return reply.error(ERR.invalidCursor);
  const slot = zsetAt(store, args, 1, reply, false);
  if (slot === WRONG) return;
  if (slot < 0) return reply.cursor('0', []);
  const options = keyScanOptions(args, reply);
  if (options === null) return;
  const { count, match } = options;
  const glob = match === null ? null : compileGlob(match);
  const out: string[] = [];
  const packed = store.isInline(slot);
  const keep = (member: string, score: number): void => {
    if (glob === null || glob.matchAll || glob.matches(member)) out.push(member, packed ? packedScoreText(score) : doubleText(score));
  };
  if (packed) {
    const z = zsetRead(store, slot);
    z.visit(0, z.size, false, keep);
    return reply.cursor('0', out);
  }
  const next = store.objectAt<LruZset>(slot).members.scan(cursor, count, keep);
  reply.cursor(String(next), out);
}
