import { TREE, type Args } from '@kv/wire';
import { Kind, setAdd, setHas, setMembers, setPop, setRandomMember, setRandomMembers, setRemove, setScan, setSize, type Lru } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import { compileGlob } from './glob';
import { MAX_RANDOM_REPLY } from './hash-scan';
import { peekArg, readArg } from './keyarg';
import { positiveArg } from './list-args';
import { int64 } from './numbers';
import { parseCursor } from './scan';
import { keyScanOptions } from './scan-options';

/**
 * Set commands on one key, as Redis 7.0's t_set.c: a set is one entry of kind SET, packed while
 * small (libs/lru set-ops.ts). Whole sets answer as RESP3 sets (`~`, arrays in RESP2), in the
 * set's order (an intset ascending, else insertion order; Redis's hashtable order is its own,
 * which no client may rely on). Multi-key commands are in set-multi.ts.
 */

export const WRONG = -2;

/** The set at argument i: its slot, -1 for none, WRONG once WRONGTYPE was answered (`write`: no counters, as lookupKeyWrite). */
export function setAt(store: Lru, args: Args, i: number, reply: ReplySink, write: boolean): number {
  const slot = write ? peekArg(store, args, i) : readArg(store, args, i);
  if (slot < 0) return -1;
  switch (store.kindAt(slot)) {
    case Kind.SET:
      return slot;
    default:
      reply.error(ERR.wrongType);
      return WRONG;
  }
}

/** Members as one reply: a RESP3 set (an array in RESP2), or an array. */
export function replyMembers(reply: ReplySink, members: readonly string[], asSet: boolean): void {
  TREE.begin();
  if (asSet) TREE.set(members.length);
  else TREE.array(members.length);
  for (const member of members) TREE.bulk(member);
  reply.tree(TREE.buf, 0, TREE.length);
}

export function sadd(store: Lru, args: Args, reply: ReplySink): void {
  const slot = setAt(store, args, 1, reply, true);
  if (slot === WRONG) return;
  const added = setAdd(store, slot, args, 1, args, 2, args.count);
  if (added < 0) return reply.error(ERR.oom);
  reply.integer(added);
}

export function srem(store: Lru, args: Args, reply: ReplySink): void {
  const slot = setAt(store, args, 1, reply, true);
  if (slot === WRONG) return;
  reply.integer(slot < 0 ? 0 : setRemove(store, slot, args, 2, args.count));
}

export function smembers(store: Lru, args: Args, reply: ReplySink): void {
  const slot = setAt(store, args, 1, reply, false);
  if (slot === WRONG) return;
  replyMembers(reply, slot < 0 ? [] : setMembers(store, slot), true);
}

export function sismember(store: Lru, args: Args, reply: ReplySink): void {
  const slot = setAt(store, args, 1, reply, false);
  if (slot === WRONG) return;
  reply.integer(slot >= 0 && setHas(store, slot, args.buf, args.starts[2], args.ends[2]) ? 1 : 0);
}

export function smismember(store: Lru, args: Args, reply: ReplySink): void {
  const slot = setAt(store, args, 1, reply, false);
  if (slot === WRONG) return;
  TREE.begin().array(args.count - 2);
  for (let i = 2; i < args.count; i++) TREE.integer(slot >= 0 && setHas(store, slot, args.buf, args.starts[i], args.ends[i]) ? 1 : 0);
  reply.tree(TREE.buf, 0, TREE.length);
}

export function scard(store: Lru, args: Args, reply: ReplySink): void {
  const slot = setAt(store, args, 1, reply, false);
  if (slot === WRONG) return;
  reply.integer(slot < 0 ? 0 : setSize(store, slot));
}

/** SPOP key [count]: one member (nil for no set), or up to `count` as a set. */
export function spop(store: Lru, args: Args, reply: ReplySink): void {
  if (args.count > 3) return reply.error(ERR.syntax);
  if (args.count === 2) {
    const slot = setAt(store, args, 1, reply, true);
    if (slot === WRONG) return;
    if (slot < 0) return reply.nil();
    return reply.bulk(setPop(store, slot, 1, [])[0]);
  }
  const count = positiveArg(args, 2, reply);
  if (count === undefined) return;
  const slot = setAt(store, args, 1, reply, true);
  if (slot === WRONG) return;
  if (slot < 0 || count === 0) return replyMembers(reply, [], true);
  replyMembers(reply, setPop(store, slot, count, []), true);
}

/** SRANDMEMBER key [count]: one member, `count` distinct ones, or for a negative count that many with repeats. */
export function srandmember(store: Lru, args: Args, reply: ReplySink): void {
  if (args.count > 3) return reply.error(ERR.syntax);
  if (args.count === 2) {
    const slot = setAt(store, args, 1, reply, false);
    if (slot === WRONG) return;
    return slot < 0 ? reply.nil() : reply.bulk(setRandomMember(store, slot));
  }
  const count = int64(args.latin1(2));
  if (count === undefined) return reply.error(ERR.notInteger);
  if (count < -9223372036854775807n) return reply.error(ERR.outOfRangeBetween);
  // A reply past this many picks would be built whole in memory (Redis streams it): refused, as HRANDFIELD's.
  if (count < -BigInt(MAX_RANDOM_REPLY)) return reply.error(ERR.outOfRange);
  const slot = setAt(store, args, 1, reply, false);
  if (slot === WRONG) return;
  if (slot < 0 || count === 0n) return replyMembers(reply, [], false);
  const n = count < 0n ? Number(-count) : Math.min(Number(count), setSize(store, slot));
  replyMembers(reply, setRandomMembers(store, slot, n, count < 0n, []), false);
}

/** SSCAN key cursor [MATCH pattern] [COUNT count]: as HSCAN (hash-scan.ts); a packed set answers whole with cursor 0. */
export function sscan(store: Lru, args: Args, reply: ReplySink): void {
  const cursor = parseCursor(args.latin1(2));
  if (cursor === undefined) return reply.error(ERR.invalidCursor);
  const slot = setAt(store, args, 1, reply, false);
  if (slot === WRONG) return;
  if (slot < 0) return reply.cursor('0', []);
  const options = keyScanOptions(args, reply);
  if (options === null) return;
  const { count, match } = options;
  const out: string[] = [];
  const next = setScan(store, slot, cursor, count, out);
  if (match === null) return reply.cursor(String(next), out);
  const glob = compileGlob(match);
  reply.cursor(String(next), glob.matchAll ? out : out.filter((member) => glob.matches(member)));
}

