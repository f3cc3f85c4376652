import { TREE, TreeTag, type Args } from '@kv/wire';
import { listLength, listMatches, listPop, listPush, listVisit, type ElementSink, type Lru } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import { clampRange, longArg, positiveArg, readList, sideArg, TREE_ELEMENTS, WRONG, writeList } from './list-args';
import { mpopCount, mpopKeysEnd } from './scan-options';
import { keysTogether } from './gather';

/**
 * List commands, as Redis 7.0's t_list.c: a list is one entry of the shard's Lru, of kind LIST,
 * packed in its block while small (libs/lru list-ops.ts). Replies go out from the packed bytes
 * where they lie (listVisit), then the elements are dropped; an emptied list is deleted. A push
 * that cannot fit answers OOM and changes nothing. LSET, LINSERT, LREM, LTRIM, LMOVE and
 * RPOPLPUSH are in list-edits.ts. Checks come in Redis's order (arguments, then the key, or the
 * other way round where Redis does so), so each error is the one Redis gives.
 */

/** LPUSH, RPUSH, LPUSHX, RPUSHX: the new length (0 for an X form on no list). */
function push(store: Lru, args: Args, reply: ReplySink, left: boolean, existing: boolean): void {
  const slot = writeList(store, args, 1, reply);
  if (slot === WRONG) return;
  if (slot < 0 && existing) return reply.integer(0);
  const length = listPush(store, slot, args, 1, args, 2, args.count, left);
  if (length < 0) return reply.error(ERR.oom);
  reply.integer(length);
}

export const lpush = (store: Lru, args: Args, reply: ReplySink): void => push(store, args, reply, true, false);
export const rpush = (store: Lru, args: Args, reply: ReplySink): void => push(store, args, reply, false, false);
export const lpushx = (store: Lru, args: Args, reply: ReplySink): void => push(store, args, reply, true, true);
export const rpushx = (store: Lru, args: Args, reply: ReplySink): void => push(store, args, reply, false, true);

/** A reply sink's bulk strings as an ElementSink (one element popped without a count). */
const ONE: ElementSink & { reply: ReplySink | null } = {
  reply: null,
  elementBytes(buf, start, end) {
    this.reply!.bulkBytes(buf, start, end);
  },
  elementString(text) {
    this.reply!.bulk(text);
  },
};

/** LPOP and RPOP key [count]: one element (nil for no list), or up to `count` as an array (a null array for no list). */
function pop(store: Lru, args: Args, reply: ReplySink, left: boolean, name: string): void {
  if (args.count > 3) return reply.error(ERR.arity(name));
  const counted = args.count === 3;
  const count = counted ? positiveArg(args, 2, reply) : 1;
  if (count === undefined) return;
  const slot = writeList(store, args, 1, reply);
  if (slot === WRONG) return;
  if (slot < 0) return counted ? reply.nullArray() : reply.nil();
  if (count === 0) return reply.array([]);
  const length = listLength(store, slot);
  const n = Math.min(count, length);
  const [start, stop] = left ? [0, n - 1] : [length - n, length - 1];
  if (counted) {
    TREE.begin().array(n);
    listVisit(store, slot, start, stop, !left, TREE_ELEMENTS);
    reply.tree(TREE.buf, 0, TREE.length);
  } else {
    ONE.reply = reply;
    listVisit(store, slot, start, stop, false, ONE);
    ONE.reply = null;
  }
  listPop(store, slot, left, n, null);
}

export const lpop = (store: Lru, args: Args, reply: ReplySink): void => pop(store, args, reply, true, 'LPOP');
export const rpop = (store: Lru, args: Args, reply: ReplySink): void => pop(store, args, reply, false, 'RPOP');

export function llen(store: Lru, args: Args, reply: ReplySink): void {
  const slot = readList(store, args, 1, reply);
  if (slot === WRONG) return;
  reply.integer(slot < 0 ? 0 : listLength(store, slot));
}

/** LRANGE key start stop: the indexes are read before the key, as Redis. */
export function lrange(store: Lru, args: Args, reply: ReplySink): void {
  const start = longArg(args, 2, reply);
  if (start === undefined) return;
  const stop = longArg(args, 3, reply);
  if (stop === undefined) return;
  const slot = readList(store, args, 1, reply);
  if (slot === WRONG) return;
  const range = slot < 0 ? null : clampRange(start, stop, listLength(store, slot));
  if (range === null) return reply.array([]);
  TREE.begin().array(range[1] - range[0] + 1);
  listVisit(store, slot, range[0], range[1], false, TREE_ELEMENTS);
  reply.tree(TREE.buf, 0, TREE.length);
}

/** LINDEX key index: the key is looked up before the index is read, as Redis. */
export function lindex(store: Lru, args: Args, reply: ReplySink): void {
  const slot = readList(store, args, 1, reply);
  if (slot === WRONG) return;
  if (slot < 0) return reply.nil();
  let index = longArg(args, 2, reply);
  if (index === undefined) return;
  const length = listLength(store, slot);
  if (index < 0) index += length;
  if (index < 0 || index >= length) return reply.nil();
  ONE.reply = reply;
  listVisit(store, slot, index, index, false, ONE);
  ONE.reply = null;
}

/**
 * LPOS key element [RANK rank] [COUNT count] [MAXLEN len]: the first match's index (nil for
 * none), or with COUNT an array of up to `count` of them (0: all). A negative RANK counts matches
 * from the tail.
 */
export function lpos(store: Lru, args: Args, reply: ReplySink): void {
  let rank = 1;
  let count = -1;
  let maxlen = 0;
  for (let i = 3; i < args.count; i++) {
    const option = args.latin1(i).toUpperCase();
    const more = i + 1 < args.count;
    if (option === 'RANK' && more) {
      const n = longArg(args, ++i, reply);
      if (n === undefined) return;
      if (n === 0) return reply.error(ERR.rankZero);
      rank = n;
    } else if (option === 'COUNT' && more) {
      const n = positiveArg(args, ++i, reply, ERR.countNegative);
      if (n === undefined) return;
      count = n;
    } else if (option === 'MAXLEN' && more) {
      const n = positiveArg(args, ++i, reply, ERR.maxlenNegative);
      if (n === undefined) return;
      maxlen = n;
    } else return reply.error(ERR.syntax);
  }
  const fromTail = rank < 0;
  if (fromTail) rank = -rank;
  const slot = readList(store, args, 1, reply);
  if (slot === WRONG) return;
  if (slot < 0) return count !== -1 ? reply.array([]) : reply.nil();
  let matches = 0;
  if (count === -1) {
    let at = -1;
    listMatches(store, slot, args.buf, args.starts[2], args.ends[2], fromTail, maxlen, (index) => {
      if (++matches < rank) return true;
      at = index;
      return false;
    });
    return at < 0 ? reply.nil() : reply.integer(at);
  }
  TREE.begin();
  const header = TREE.open(TreeTag.ARRAY);
  let found = 0;
  listMatches(store, slot, args.buf, args.starts[2], args.ends[2], fromTail, maxlen, (index) => {
    if (++matches < rank) return true;
    TREE.integer(index);
    found++;
    return count === 0 || found < count;
  });
  TREE.closeAt(header, found);
  reply.tree(TREE.buf, 0, TREE.length);
}

/**
 * LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]: from the first of the keys holding a list,
 * up to `count` elements (1 by default) as [key, [elements]]; a null array when none holds one.
 * Its keys share one shard (CROSSSLOT otherwise; the router runs it on its first key's shard).
 */
export function lmpop(store: Lru, args: Args, reply: ReplySink): void {
  const whereAt = mpopKeysEnd(args, reply);
  if (whereAt === 0) return;
  const left = sideArg(args, whereAt);
  if (left === undefined) return reply.error(ERR.syntax);
  const count = mpopCount(args, whereAt + 1, reply);
  if (count === 0) return;
  if (!keysTogether(args, 2, whereAt - 1, reply)) return;
  for (let k = 2; k < whereAt; k++) {
    const slot = writeList(store, args, k, reply);
    if (slot === WRONG) return;
    if (slot < 0) continue;
    const length = listLength(store, slot);
    const n = Math.min(count, length);
    TREE.begin().array(2).bulkBytes(args.buf, args.starts[k], args.ends[k]).array(n);
    listVisit(store, slot, left ? 0 : length - n, left ? n - 1 : length - 1, !left, TREE_ELEMENTS);
    reply.tree(TREE.buf, 0, TREE.length);
    listPop(store, slot, left, n, null);
    return;
  }
  reply.nullArray();
}
