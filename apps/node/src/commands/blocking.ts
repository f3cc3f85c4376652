import { Args, TREE } from '@kv/wire';
import { listLength, listPop, listVisit, type Lru } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import type { CommandSpec } from '../types';
import { sideArg, TREE_ELEMENTS, WRONG, writeList } from './list-args';
import { move, oneShard } from './list-edits';
import { keySpan, routeKeyIndex } from './key-positions';
import { lmpop } from './lists';
import { parseLongDouble } from './long-double';
import { mpopCount, mpopKeysEnd } from './scan-options';
import { keysTogether } from './gather';

/**
 * The blocking list commands (Redis 7.0's t_list.c): each handler here is the command's
 * non-blocking form, which answers at once (a nil or a null array on empty, as Redis does inside
 * MULTI or a script). Whether the request is kept to wait instead is ShardSet.block's choice
 * (shards/blocked.ts): only a client's own command, outside a transaction, waits.
 */

/** 2^63 ms: past it Redis's (long long) cast turns the timeout negative. */
const MS_LIMIT = 2 ** 63;

/**
 * The timeout at argument i in ms as Redis's getTimeoutFromObjectOrReply reads it (a long double
 * of seconds, times 1000, rounded up; 0: forever), or undefined after answering its error.
 */
export function timeoutMs(args: Args, i: number, reply: ReplySink): number | undefined {
  const value = parseLongDouble(args.latin1(i));
  if (value === undefined) {
    reply.error(ERR.timeoutNotFloat);
    return undefined;
  }
  // Infinity and anything past 2^63 ms become LLONG_MIN in Redis's cast: "negative".
  const seconds = value.kind !== 0 ? -Infinity : Number(value.mantissa) * 2 ** value.exponent * (value.negative ? -1 : 1);
  let ms = Math.ceil(seconds * 1000);
  // A positive value too small for a double still rounds up to 1 ms, as ceill does.
  if (ms === 0 && !value.negative && value.mantissa > 0n) ms = 1;
  if (ms < 0 || ms >= MS_LIMIT || Number.isNaN(ms)) {
    reply.error(ERR.timeoutNegative);
    return undefined;
  }
  return ms === 0 ? 0 : ms;
}

/** The timeout's argument index of a blocking command for `count` arguments. */
export function timeoutIndex(spec: CommandSpec, count: number): number {
  const at = spec.blocking!.timeout;
  return at < 0 ? count + at : at;
}

/** The keys a blocking request waits on, as argument indexes (BLPOP's all, BLMOVE's source, BLMPOP's numkeys list, XREAD's STREAMS keys). */
export function waitedKeys(spec: CommandSpec, args: Args): number[] {
  const keys: number[] = [];
  switch (spec.blocking!.keys) {
    case 'all':
      for (let i = 1; i < args.count - 1; i++) keys.push(i);
      break;
    case 'source':
      keys.push(1);
      break;
    case 'numkeys': {
      const first = routeKeyIndex(spec, args);
      const n = Number(args.latin1(first - 1));
      for (let i = first; i < first + n; i++) keys.push(i);
      break;
    }
    case 'streams': {
      const { first, last } = keySpan(spec, args);
      for (let i = first; i <= last; i++) keys.push(i);
      break;
    }
  }
  return keys;
}

/** servedFor's arguments: a view, reused (a served command reads it at once). */
const SERVED_VIEW = new Args(8);

/**
 * The arguments with `key` moved first among the keys at first..last: the command then pops from
 * the key that woke it (the one written first), as Redis serves a client from its ready key, not
 * from the first of its keys holding something. The arguments themselves when it is first already.
 */
function keyFirst(args: Args, first: number, last: number, key: string): Args {
  let at = -1;
  for (let i = first; i <= last && at < 0; i++) if (args.latin1(i) === key) at = i;
  if (at <= first) return args;
  const view = SERVED_VIEW;
  view.reset(args.buf);
  for (let i = 0; i < first; i++) view.push(args.starts[i], args.ends[i]);
  view.push(args.starts[at], args.ends[at]);
  for (let i = first; i < args.count; i++) if (i !== at) view.push(args.starts[i], args.ends[i]);
  return view;
}

/** BLPOP, BRPOP, BZPOPMIN, BZPOPMAX served from `key` (BlockingSpec.servedFor). */
export const servedFromKey = (args: Args, key: string): Args => keyFirst(args, 1, args.count - 2, key);
/** BLMPOP and BZMPOP (timeout numkeys key ...) served from `key`. */
export const mpopServedFromKey = (args: Args, key: string): Args => keyFirst(args, 3, 2 + Number(args.latin1(2)), key);

/** BLPOP and BRPOP key [key ...] timeout: [key, element] from the first key holding a list, else a null array. */
function pop(store: Lru, args: Args, reply: ReplySink, left: boolean): void {
  if (timeoutMs(args, args.count - 1, reply) === undefined) return;
  if (!keysTogether(args, 1, args.count - 2, reply)) return;
  for (let k = 1; k < args.count - 1; k++) {
    const slot = writeList(store, args, k, reply);
    if (slot === WRONG) return;
    if (slot < 0) continue;
    const at = left ? 0 : listLength(store, slot) - 1;
    TREE.begin().array(2).bulkBytes(args.buf, args.starts[k], args.ends[k]);
    listVisit(store, slot, at, at, false, TREE_ELEMENTS);
    reply.tree(TREE.buf, 0, TREE.length);
    listPop(store, slot, left, 1, null);
    return;
  }
  reply.nullArray();
}

export const blpop = (store: Lru, args: Args, reply: ReplySink): void => pop(store, args, reply, true);
export const brpop = (store: Lru, args: Args, reply: ReplySink): void => pop(store, args, reply, false);

/** BRPOPLPUSH source destination timeout: RPOPLPUSH's reply (nil on empty). */
export function brpoplpush(store: Lru, args: Args, reply: ReplySink): void {
  if (timeoutMs(args, 3, reply) === undefined) return;
  if (!oneShard(args, reply)) return;
  move(store, args, reply, false, true);
}

/** BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout: LMOVE's reply (nil on empty); the sides are read before the timeout, as Redis. */
export function blmove(store: Lru, args: Args, reply: ReplySink): void {
  const from = sideArg(args, 3);
  const to = from === undefined ? undefined : sideArg(args, 4);
  if (to === undefined) return reply.error(ERR.syntax);
  if (timeoutMs(args, 5, reply) === undefined) return;
  if (!oneShard(args, reply)) return;
  move(store, args, reply, from!, to);
}

/** LMPOP's arguments viewed from BLMPOP's (its name, then all after the timeout). */
const LMPOP_VIEW = new Args(8);

/** BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]: LMPOP's checks, then the timeout (Redis's lmpopGenericCommand order), then LMPOP's reply (a null array on empty). */
export function blmpop(store: Lru, args: Args, reply: ReplySink): void {
  const view = LMPOP_VIEW;
  view.reset(args.buf);
  view.push(args.starts[0], args.ends[0]);
  for (let i = 2; i < args.count; i++) view.push(args.starts[i], args.ends[i]);
  const whereAt = mpopKeysEnd(view, reply);
  if (whereAt === 0) return;
  if (sideArg(view, whereAt) === undefined) return reply.error(ERR.syntax);
  if (mpopCount(view, whereAt + 1, reply) === 0) return;
  if (timeoutMs(args, 1, reply) === undefined) return;
  lmpop(store, view, reply);
}
