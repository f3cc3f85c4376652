import type { Args } from '@kv/wire';
import type { Lru } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import { upperArg } from './args';
import { expireTimeAt, INVALID, NOT_INTEGER, type ExpiryUnit } from './expire-args';
import { peekArg } from './keyarg';

/**
 * Key-space commands on one key, as Redis's db.c and expire.c, for a key of any type. Multi-key
 * forms (DEL a b c) are split by the router into one of these per key and the replies summed.
 */

/** DEL / UNLINK one key: 1 if it existed. */
export function del(store: Lru, args: Args, reply: ReplySink): void {
  const slot = peekArg(store, args, 1);
  if (slot >= 0) store.remove(slot);
  reply.integer(slot >= 0 ? 1 : 0);
}

export function exists(store: Lru, args: Args, reply: ReplySink): void {
  reply.integer(peekArg(store, args, 1) >= 0 ? 1 : 0);
}

/** TOUCH one key: refreshes its recency. */
export function touch(store: Lru, args: Args, reply: ReplySink): void {
  const slot = peekArg(store, args, 1);
  if (slot >= 0) store.touch(slot);
  reply.integer(slot >= 0 ? 1 : 0);
}

export function type(store: Lru, args: Args, reply: ReplySink): void {
  const slot = peekArg(store, args, 1);
  reply.status(slot < 0 ? 'none' : store.typeName(slot));
}

/** The key's expiry in Unix ms: 0 when it has none, -1 when there is no such key. */
function expiryOfArg(store: Lru, args: Args): number {
  const slot = peekArg(store, args, 1);
  return slot < 0 ? -1 : store.expireAt(slot);
}

export function ttl(store: Lru, args: Args, reply: ReplySink): void {
  const at = expiryOfArg(store, args);
  reply.integer(at <= 0 ? (at === 0 ? -1 : -2) : Math.round((at - Date.now()) / 1000));
}

export function pttl(store: Lru, args: Args, reply: ReplySink): void {
  const at = expiryOfArg(store, args);
  reply.integer(at <= 0 ? (at === 0 ? -1 : -2) : Math.max(0, at - Date.now()));
}

export function persist(store: Lru, args: Args, reply: ReplySink): void {
  const slot = peekArg(store, args, 1);
  if (slot < 0 || store.expireAt(slot) === 0) return reply.integer(0);
  store.setExpireAt(slot, 0);
  reply.integer(1);
}

export function expire(store: Lru, args: Args, reply: ReplySink): void {
  setExpiry(store, args, reply, 'EX', 'expire');
}
export function pexpire(store: Lru, args: Args, reply: ReplySink): void {
  setExpiry(store, args, reply, 'PX', 'pexpire');
}
export function expireat(store: Lru, args: Args, reply: ReplySink): void {
  setExpiry(store, args, reply, 'EXAT', 'expireat');
}
export function pexpireat(store: Lru, args: Args, reply: ReplySink): void {
  setExpiry(store, args, reply, 'PXAT', 'pexpireat');
}

/**
 * EXPIRE key amount [NX | XX | GT | LT], in Redis's order: the options, the amount (not an
 * integer, then an invalid expire time), then the key. A time in the past deletes the key.
 */
function setExpiry(store: Lru, args: Args, reply: ReplySink, unit: ExpiryUnit, command: string): void {
  let nx = false, xx = false, gt = false, lt = false;
  for (let i = 3; i < args.count; i++) {
    const option = upperArg(args, i);
    if (option === 'NX') nx = true;
    else if (option === 'XX') xx = true;
    else if (option === 'GT') gt = true;
    else if (option === 'LT') lt = true;
    else return reply.error(ERR.unsupportedOption(args.latin1(i)));
  }
  if (nx && (xx || gt || lt)) return reply.error(ERR.nxWithOthers);
  if (gt && lt) return reply.error(ERR.gtWithLt);
  const [at, status] = expireTimeAt(args, 2, unit);
  if (status === NOT_INTEGER) return reply.error(ERR.notInteger);
  if (status === INVALID) return reply.error(ERR.invalidExpire(command));
  const slot = peekArg(store, args, 1);
  if (slot < 0) return reply.integer(0);
  const current = store.expireAt(slot);
  // With GT a key without expiry counts as infinite, as in Redis; LT sets one on such a key.
  if ((nx && current !== 0) || (xx && current === 0) || (gt && (current === 0 || at <= current)) || (lt && current !== 0 && at >= current)) return reply.integer(0);
  if (at <= Date.now()) store.remove(slot);
  else store.setExpireAt(slot, at);
  reply.integer(1);
}

/** KEYVERSION key (internal, for WATCH): the key's version, 0 when absent (Lru.versionOf). */
export function version(store: Lru, args: Args, reply: ReplySink): void {
  reply.integer(store.versionOf(args.buf, args.starts[1], args.ends[1]));
}
