import type { Args } from '@kv/wire';
import { setAdd, setHas, setMembers, setRemove, setSize, writeSet, type Lru } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import { positiveArg } from './list-args';
import { int64Bytes } from './numbers';
import { replyMembers, setAt, WRONG } from './sets';
import { keysTogether } from './gather';

/**
 * Set commands over several keys (t_set.c): SMOVE, SINTER, SUNION, SDIFF and their STORE forms.
 * They run on the shard of their first key and need every key in that shard (keys sharing a hash
 * tag always share one); keys of several shards answer CROSSSLOT, as Redis Cluster's keys of
 * several slots, and nothing is read or written. A STORE replaces its destination whatever it
 * held (its TTL too), or deletes it for an empty result.
 */

/** True when every argument from `from` on is a key of argument `from`'s shard; else CROSSSLOT was answered. */
function oneShard(args: Args, from: number, reply: ReplySink): boolean {
  return keysTogether(args, from, args.count - 1, reply);
}

/** SMOVE source destination member: 1 when moved (or already in both, the same key), else 0. */
export function smove(store: Lru, args: Args, reply: ReplySink): void {
  if (!keysTogether(args, 1, 2, reply)) return;
  const source = setAt(store, args, 1, reply, true);
  if (source === WRONG) return;
  if (source < 0) return reply.integer(0);
  const destination = setAt(store, args, 2, reply, true);
  if (destination === WRONG) return;
  if (source === destination) return reply.integer(setHas(store, source, args.buf, args.starts[3], args.ends[3]) ? 1 : 0);
  if (!setHas(store, source, args.buf, args.starts[3], args.ends[3])) return reply.integer(0);
  // Client-side caching: the source's readers are told before the destination's, as Redis's smoveCommand does.
  store.signalModified(args.buf, args.starts[1], args.ends[1]);
  // Added first, so a destination that cannot grow leaves the source as it was.
  if (setAdd(store, destination, args, 2, args, 3, 4) < 0) return reply.error(ERR.oom);
  // Making room for the add may have evicted the source (then the member went with it).
  const still = store.peek(args.buf, args.starts[1], args.ends[1]);
  if (still >= 0) setRemove(store, still, args, 3, 4);
  reply.integer(1);
}

/** The sets at arguments [from, count), in order (null for a missing key); null once WRONGTYPE was answered. */
function setsAt(store: Lru, args: Args, from: number, reply: ReplySink): (number | null)[] | null {
  const slots: (number | null)[] = [];
  for (let i = from; i < args.count; i++) {
    const slot = setAt(store, args, i, reply, false);
    if (slot === WRONG) return null;
    slots.push(slot < 0 ? null : slot);
  }
  return slots;
}

type SetOp = (store: Lru, slots: (number | null)[]) => string[];

const inter: SetOp = (store, slots) => {
  if (slots.some((slot) => slot === null)) return [];
  const sorted = (slots as number[]).slice().sort((a, b) => setSize(store, a) - setSize(store, b));
  const [smallest, ...others] = sorted;
  return setMembers(store, smallest).filter((member) => others.every((slot) => hasMember(store, slot, member)));
};

const union: SetOp = (store, slots) => {
  const seen = new Set<string>();
  for (const slot of slots) if (slot !== null) for (const member of setMembers(store, slot)) seen.add(member);
  return [...seen];
};

const diff: SetOp = (store, slots) => {
  const [first, ...others] = slots;
  if (first === null) return [];
  return setMembers(store, first).filter((member) => !others.some((slot) => slot !== null && hasMember(store, slot, member)));
};

const BYTES = { buf: Buffer.alloc(0) };
function hasMember(store: Lru, slot: number, member: string): boolean {
  if (BYTES.buf.length < member.length) BYTES.buf = Buffer.allocUnsafeSlow(Math.max(member.length, 2 * BYTES.buf.length));
  const n = BYTES.buf.latin1Write(member, 0, member.length);
  return setHas(store, slot, BYTES.buf, 0, n);
}

function read(op: SetOp, store: Lru, args: Args, reply: ReplySink): void {
  if (!oneShard(args, 1, reply)) return;
  const slots = setsAt(store, args, 1, reply);
  if (slots === null) return;
  replyMembers(reply, op(store, slots), true);
}

function stored(op: SetOp, store: Lru, args: Args, reply: ReplySink): void {
  if (!oneShard(args, 1, reply)) return;
  const slots = setsAt(store, args, 2, reply);
  if (slots === null) return;
  const members = op(store, slots);
  const destination = store.peek(args.buf, args.starts[1], args.ends[1]);
  if (members.length === 0) {
    if (destination >= 0) store.remove(destination);
    return reply.integer(0);
  }
  if (writeSet(store, -1, args, 1, members) < 0) return reply.error(ERR.oom);
  reply.integer(members.length);
}

export const sinter = (store: Lru, args: Args, reply: ReplySink): void => read(inter, store, args, reply);
export const sunion = (store: Lru, args: Args, reply: ReplySink): void => read(union, store, args, reply);
export const sdiff = (store: Lru, args: Args, reply: ReplySink): void => read(diff, store, args, reply);
export const sinterstore = (store: Lru, args: Args, reply: ReplySink): void => stored(inter, store, args, reply);
export const sunionstore = (store: Lru, args: Args, reply: ReplySink): void => stored(union, store, args, reply);
export const sdiffstore = (store: Lru, args: Args, reply: ReplySink): void => stored(diff, store, args, reply);

/** SINTERCARD numkeys key [key ...] [LIMIT limit]: the intersection's size, counting no further than `limit` (0: no limit). */
export function sintercard(store: Lru, args: Args, reply: ReplySink): void {
  const numkeys = int64Bytes(args.buf, args.starts[1], args.ends[1]);
  if (numkeys === undefined || numkeys < 1) return reply.error(ERR.numkeysPositive);
  if (numkeys > args.count - 2) return reply.error(ERR.numkeysPastArgs);
  const end = 2 + Number(numkeys);
  let limit = 0;
  for (let i = end; i < args.count; i++) {
    if (args.latin1(i).toUpperCase() === 'LIMIT' && i + 1 < args.count) {
      const n = positiveArg(args, ++i, reply, ERR.limitNegative);
      if (n === undefined) return;
      limit = n;
    } else return reply.error(ERR.syntax);
  }
  if (!keysTogether(args, 2, end - 1, reply)) return;
  const slots: (number | null)[] = [];
  for (let i = 2; i < end; i++) {
    const slot = setAt(store, args, i, reply, false);
    if (slot === WRONG) return;
    slots.push(slot < 0 ? null : slot);
  }
  const size = inter(store, slots).length;
  reply.integer(limit > 0 ? Math.min(size, limit) : size);
}
