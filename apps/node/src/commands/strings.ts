import type { Args } from '@kv/wire';
import { Kind, type Lru } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import { INVALID, NOT_INTEGER, setExpiryAt, type ExpiryUnit } from './expire-args';
import { peekArg, readArg, setArg } from './keyarg';
import { expiryOf, GET, hasExpiry, KEEPTTL, NX, parseStringOptions, PERSIST, XX } from './string-options';

/**
 * String commands, as Redis's t_string.c. Keys and values are bytes in the store's arena: a GET
 * copies the value from there into the reply, a SET copies it in from the read buffer, and no
 * string is made on the way. A key holding another type answers WRONGTYPE wherever Redis's
 * checkType does; SET, SETEX, PSETEX, the text protocol's PUT and MSET overwrite whatever the key
 * held, and SETNX counts any key as existing. The counters (INCR ...) are in counters.ts.
 */

export function get(store: Lru, args: Args, reply: ReplySink): void {
  replyString(store, readArg(store, args, 1), reply);
}

/** MGET's part for one key: nil for a key holding another type, as Redis's MGET. */
export function getOrNil(store: Lru, args: Args, reply: ReplySink): void {
  const slot = readArg(store, args, 1);
  if (slot >= 0 && store.kindAt(slot) === Kind.STRING) store.sendValue(slot, reply);
  else reply.nil();
}

/** The text protocol's PUT: SET key value with no options. */
export function put(store: Lru, args: Args, reply: ReplySink): void {
  if (setArg(store, args, 1, 2) >= 0) reply.ok();
  else reply.error(ERR.oom);
}

/** SET key value [NX | XX] [GET] [EX s | PX ms | EXAT s | PXAT ms | KEEPTTL] */
export function set(store: Lru, args: Args, reply: ReplySink): void {
  if (args.count === 3) return put(store, args, reply);
  const options = parseStringOptions(args, 3, true);
  if (typeof options === 'string') return reply.error(options);
  const expireAt = expiryOf(args, options, 'set');
  if (typeof expireAt === 'string') return reply.error(expireAt);
  const withGet = (options & GET) !== 0;
  const old = options & (GET | NX | XX) ? peekArg(store, args, 1) : -1;
  if (withGet && old >= 0 && store.kindAt(old) !== Kind.STRING) return reply.error(ERR.wrongType);
  if ((options & NX && old >= 0) || (options & XX && old < 0)) {
    if (withGet) replyString(store, old, reply);
    else reply.nil();
    return;
  }
  // GET answers the value the write replaces: a copy, taken before it goes.
  const previous = withGet && old >= 0 ? store.valueString(old) : undefined;
  if (setArg(store, args, 1, 2, expireAt, (options & KEEPTTL) !== 0) < 0) return reply.error(ERR.oom);
  if (!withGet) reply.ok();
  else if (previous === undefined) reply.nil();
  else reply.bulk(previous);
}

export function setnx(store: Lru, args: Args, reply: ReplySink): void {
  if (peekArg(store, args, 1) >= 0) return reply.integer(0);
  if (setArg(store, args, 1, 2) < 0) return reply.error(ERR.oom);
  reply.integer(1);
}

/** SETEX key seconds value */
export function setex(store: Lru, args: Args, reply: ReplySink): void {
  setWithExpiry(store, args, reply, 'EX', 'setex');
}

/** PSETEX key milliseconds value */
export function psetex(store: Lru, args: Args, reply: ReplySink): void {
  setWithExpiry(store, args, reply, 'PX', 'psetex');
}

function setWithExpiry(store: Lru, args: Args, reply: ReplySink, unit: ExpiryUnit, command: string): void {
  const at = setExpiryAt(args, 2, unit);
  if (at === NOT_INTEGER) return reply.error(ERR.notInteger);
  if (at === INVALID) return reply.error(ERR.invalidExpire(command));
  if (setArg(store, args, 1, 3, at) < 0) return reply.error(ERR.oom);
  reply.ok();
}

export function getset(store: Lru, args: Args, reply: ReplySink): void {
  const old = peekArg(store, args, 1);
  if (old >= 0 && store.kindAt(old) !== Kind.STRING) return reply.error(ERR.wrongType);
  const previous = old >= 0 ? store.valueString(old) : undefined;
  if (setArg(store, args, 1, 2) < 0) return reply.error(ERR.oom);
  if (previous === undefined) reply.nil();
  else reply.bulk(previous);
}

export function getdel(store: Lru, args: Args, reply: ReplySink): void {
  const slot = readArg(store, args, 1);
  replyString(store, slot, reply);
  // The reply holds a copy of the value by now.
  if (slot >= 0 && store.kindAt(slot) === Kind.STRING) store.remove(slot);
}

/**
 * GETEX key [EX s | PX ms | EXAT s | PXAT ms | PERSIST]: options first, then the key (nil when
 * missing, WRONGTYPE), then the amount, as Redis. A time already past deletes the key after
 * answering its value; PERSIST on a key without expiry changes nothing.
 */
export function getex(store: Lru, args: Args, reply: ReplySink): void {
  const options = parseStringOptions(args, 2, false);
  if (typeof options === 'string') return reply.error(options);
  const slot = readArg(store, args, 1);
  if (slot < 0) return reply.nil();
  if (store.kindAt(slot) !== Kind.STRING) return reply.error(ERR.wrongType);
  const expireAt = expiryOf(args, options, 'getex');
  if (typeof expireAt === 'string') return reply.error(expireAt);
  store.sendValue(slot, reply);
  if (hasExpiry(options)) {
    if (expireAt <= Date.now()) store.remove(slot);
    else store.setExpireAt(slot, expireAt);
  } else if (options & PERSIST && store.expireAt(slot) > 0) store.setExpireAt(slot, 0);
}

/** A value may not grow past this (Redis checks proto-max-bulk-len; V8's longest string is the other bound). */
const MAX_VALUE_LENGTH = 2 ** 29 - 24;

/** APPEND key value: in place in the value's block while it has room, so repeated appends stay cheap. */
export function append(store: Lru, args: Args, reply: ReplySink): void {
  const slot = peekArg(store, args, 1);
  if (slot < 0) {
    if (setArg(store, args, 1, 2) < 0) return reply.error(ERR.oom);
    return reply.integer(args.length(2));
  }
  if (store.kindAt(slot) !== Kind.STRING) return reply.error(ERR.wrongType);
  const length = store.valueLength(slot) + args.length(2);
  if (length > MAX_VALUE_LENGTH) return reply.error(ERR.stringTooLong);
  if (!store.append(slot, args.buf, args.starts[2], args.ends[2])) return reply.error(ERR.oom);
  reply.integer(length);
}

export function strlen(store: Lru, args: Args, reply: ReplySink): void {
  const slot = peekArg(store, args, 1);
  if (slot < 0) return reply.integer(0);
  if (store.kindAt(slot) !== Kind.STRING) return reply.error(ERR.wrongType);
  reply.integer(store.valueLength(slot));
}

/** The string at `slot` (copied into the reply), nil for none, WRONGTYPE for another kind. */
function replyString(store: Lru, slot: number, reply: ReplySink): void {
  if (slot < 0) return reply.nil();
  switch (store.kindAt(slot)) {
    case Kind.STRING:
      return store.sendValue(slot, reply);
    case Kind.HASH:
      return reply.error(ERR.wrongType);
  }
}
