import type { Args } from '@kv/wire';
import { listItems, listLength, listPop, listPush, listRewrite, rangesOf, type Lru, type LruList } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import { clampRange, longArg, sideArg, WRONG, writeList } from './list-args';
import { peekArg } from './keyarg';
import { keysTogether } from './gather';

/**
 * List commands that edit inside a list or move between two (t_list.c). LSET, LINSERT and LREM
 * rebuild the list (Redis's are O(n) too); LTRIM drops from both ends in place. LMOVE and
 * RPOPLPUSH take two keys of one shard (their handler runs on the first key's shard: keys
 * sharing a hash tag always share one); keys of two shards are refused with CROSSSLOT, as Redis
 * Cluster refuses keys of two slots, rather than moved without atomicity.
 */

/** LSET key index element: the key is looked up before the index is read, as Redis. */
export function lset(store: Lru, args: Args, reply: ReplySink): void {
  const slot = writeList(store, args, 1, reply);
  if (slot === WRONG) return;
  if (slot < 0) return reply.error(ERR.noSuchKey);
  let index = longArg(args, 2, reply);
  if (index === undefined) return;
  const length = listLength(store, slot);
  if (index < 0) index += length;
  if (index < 0 || index >= length) return reply.error(ERR.indexOutOfRange);
  const value = args.latin1(3);
  if (!store.isInline(slot)) {
    const list = store.objectAt<LruList>(slot);
    if (!store.reserve(slot, value.length - list.at(index).length)) return reply.error(ERR.oom);
    list.set(index, value);
    store.objectChanged(slot);
    return reply.ok();
  }
  const items = listItems(store, slot);
  items[index] = value;
  if (!listRewrite(store, slot, items)) return reply.error(ERR.oom);
  reply.ok();
}

/** LINSERT key BEFORE|AFTER pivot element: the new length, -1 when the pivot is not there, 0 for no list. */
export function linsert(store: Lru, args: Args, reply: ReplySink): void {
  const where = args.latin1(2).toUpperCase();
  if (where !== 'BEFORE' && where !== 'AFTER') return reply.error(ERR.syntax);
  const slot = writeList(store, args, 1, reply);
  if (slot === WRONG) return;
  if (slot < 0) return reply.integer(0);
  const items = listItems(store, slot);
  const at = items.indexOf(args.latin1(3));
  if (at < 0) return reply.integer(-1);
  items.splice(where === 'AFTER' ? at + 1 : at, 0, args.latin1(4));
  if (!listRewrite(store, slot, items)) return reply.error(ERR.oom);
  reply.integer(items.length);
}

/** LREM key count element: removes the first `count` equal elements (from the tail when negative; all for 0); how many went. */
export function lrem(store: Lru, args: Args, reply: ReplySink): void {
  const count = longArg(args, 2, reply);
  if (count === undefined) return;
  const slot = writeList(store, args, 1, reply);
  if (slot === WRONG) return;
  if (slot < 0) return reply.integer(0);
  const items = listItems(store, slot);
  const element = args.latin1(3);
  const limit = count === 0 ? Infinity : Math.abs(count);
  let removed = 0;
  const kept: string[] = [];
  if (count >= 0) {
    for (const item of items) if (item === element && removed < limit) removed++;
    else kept.push(item);
  } else {
    for (let i = items.length - 1; i >= 0; i--) if (items[i] === element && removed < limit) removed++;
    else kept.push(items[i]);
    kept.reverse();
  }
  if (removed > 0 && !listRewrite(store, slot, kept)) return reply.error(ERR.oom);
  reply.integer(removed);
}

/** LTRIM key start stop: keeps [start, stop] (Redis's indexes), deleting the list when nothing is left. */
export function ltrim(store: Lru, args: Args, reply: ReplySink): void {
  const start = longArg(args, 2, reply);
  if (start === undefined) return;
  const stop = longArg(args, 3, reply);
  if (stop === undefined) return;
  const slot = writeList(store, args, 1, reply);
  if (slot === WRONG) return;
  if (slot < 0) return reply.ok();
  const length = listLength(store, slot);
  const range = clampRange(start, stop, length);
  if (range === null) store.remove(slot);
  else {
    const right = length - range[1] - 1;
    if (right > 0) listPop(store, slot, false, right, null);
    if (range[0] > 0) listPop(store, slot, true, range[0], null);
  }
  reply.ok();
}

/** LMOVE source destination LEFT|RIGHT LEFT|RIGHT: the element moved, nil for no source. */
export function lmove(store: Lru, args: Args, reply: ReplySink): void {
  if (!oneShard(args, reply)) return;
  const from = sideArg(args, 3);
  const to = from === undefined ? undefined : sideArg(args, 4);
  if (to === undefined) return reply.error(ERR.syntax);
  move(store, args, reply, from!, to);
}

/** RPOPLPUSH source destination: LMOVE source destination RIGHT LEFT. */
export function rpoplpush(store: Lru, args: Args, reply: ReplySink): void {
  if (!oneShard(args, reply)) return;
  move(store, args, reply, false, true);
}

export function oneShard(args: Args, reply: ReplySink): boolean {
  return keysTogether(args, 1, 2, reply);
}

/**
 * Pops from the source, then pushes to the destination (the same list when the keys are equal,
 * a rotation). The pop frees what the push may need; a push that still cannot fit puts the
 * element back where it was and answers OOM, so nothing changed.
 */
export function move(store: Lru, args: Args, reply: ReplySink, fromLeft: boolean, toLeft: boolean): void {
  const source = writeList(store, args, 1, reply);
  if (source === WRONG) return;
  if (source < 0) return reply.nil();
  if (writeList(store, args, 2, reply) === WRONG) return;
  // Client-side caching: the destination's readers are told before the source's, as Redis's lmoveHandlePush does.
  store.signalModified(args.buf, args.starts[2], args.ends[2]);
  const value = listPop(store, source, fromLeft, 1, [])![0];
  const one = rangesOf([value]);
  // The destination is looked up again: the pop may have deleted it (the same key, emptied).
  if (listPush(store, peekArg(store, args, 2), args, 2, one, 0, 1, toLeft) < 0) {
    listPush(store, peekArg(store, args, 1), args, 1, rangesOf([value]), 0, 1, fromLeft);
    return reply.error(ERR.oom);
  }
  reply.bulk(value);
}
