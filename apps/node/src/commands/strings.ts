import type { Args } from '@kv/wire';
import type { Lru, Value } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import { INVALID, NOT_INTEGER, setExpiryAt, type ExpiryUnit } from './expire-args';
import { expiryOf, GET, hasExpiry, KEEPTTL, NX, parseStringOptions, PERSIST, XX } from './string-options';

/**
 * String commands, as Redis's t_string.c. Keys and values are latin1 strings (one char per byte).
 * A key holding another type (a hash) answers WRONGTYPE wherever Redis's checkType does; SET,
 * SETEX, PSETEX, the text protocol's PUT and MSET overwrite whatever the key held, and SETNX
 * counts any key as existing. The counters (INCR ...) are in counters.ts.
 */

export function get(store: Lru, args: Args, reply: ReplySink): void {
  const value = store.get(args.latin1(1));
  if (value === undefined) reply.nil();
  else if (typeof value === 'string') reply.bulk(value);
  else reply.error(ERR.wrongType);
}

/** MGET's part for one key: nil for a key holding another type, as Redis's MGET. */
export function getOrNil(store: Lru, args: Args, reply: ReplySink): void {
  const value = store.get(args.latin1(1));
  if (typeof value === 'string') reply.bulk(value);
  else reply.nil();
}

/** The text protocol's PUT: SET key value with no options. */
export function put(store: Lru, args: Args, reply: ReplySink): void {
  if (store.set(args.latin1(1), args.latin1(2))) reply.ok();
  else reply.error(ERR.oom);
}

/** SET key value [NX | XX] [GET] [EX s | PX ms | EXAT s | PXAT ms | KEEPTTL] */
export function set(store: Lru, args: Args, reply: ReplySink): void {
  if (args.count === 3) return put(store, args, reply);
  const options = parseStringOptions(args, 3, true);
  if (typeof options === 'string') return reply.error(options);
  const expireAt = expiryOf(args, options, 'set');
  if (typeof expireAt === 'string') return reply.error(expireAt);
  const key = args.latin1(1);
  const withGet = (options & GET) !== 0;
  const old = options & (GET | NX | XX) ? store.peek(key) : undefined;
  if (withGet && old !== undefined && typeof old !== 'string') return reply.error(ERR.wrongType);
  if ((options & NX && old !== undefined) || (options & XX && old === undefined)) {
    if (withGet) replyValue(reply, old);
    else reply.nil();
    return;
  }
  if (!store.set(key, args.latin1(2), expireAt, (options & KEEPTTL) !== 0)) return reply.error(ERR.oom);
  if (withGet) replyValue(reply, old);
  else reply.ok();
}

export function setnx(store: Lru, args: Args, reply: ReplySink): void {
  const key = args.latin1(1);
  if (store.has(key)) return reply.integer(0);
  if (!store.set(key, args.latin1(2))) return reply.error(ERR.oom);
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
  if (!store.set(args.latin1(1), args.latin1(3), at)) return reply.error(ERR.oom);
  reply.ok();
}

export function getset(store: Lru, args: Args, reply: ReplySink): void {
  const key = args.latin1(1);
  const old = store.peek(key);
  if (old !== undefined && typeof old !== 'string') return reply.error(ERR.wrongType);
  if (!store.set(key, args.latin1(2))) return reply.error(ERR.oom);
  replyValue(reply, old);
}

export function getdel(store: Lru, args: Args, reply: ReplySink): void {
  const key = args.latin1(1);
  const value = store.get(key);
  if (value !== undefined && typeof value !== 'string') return reply.error(ERR.wrongType);
  if (value !== undefined) store.delete(key);
  replyValue(reply, value);
}

/**
 * GETEX key [EX s | PX ms | EXAT s | PXAT ms | PERSIST]: options first, then the key (nil when
 * missing, WRONGTYPE), then the amount, as Redis. A time already past deletes the key after
 * answering its value; PERSIST on a key without expiry changes nothing.
 */
export function getex(store: Lru, args: Args, reply: ReplySink): void {
  const options = parseStringOptions(args, 2, false);
  if (typeof options === 'string') return reply.error(options);
  const key = args.latin1(1);
  const value = store.get(key);
  if (value === undefined) return reply.nil();
  if (typeof value !== 'string') return reply.error(ERR.wrongType);
  const expireAt = expiryOf(args, options, 'getex');
  if (typeof expireAt === 'string') return reply.error(expireAt);
  reply.bulk(value);
  if (hasExpiry(options)) {
    if (expireAt <= Date.now()) store.delete(key);
    else store.setExpiryOf(key, expireAt);
  } else if (options & PERSIST && store.expiryOf(key) > 0) store.setExpiryOf(key, 0);
}

/** V8's longest string: a value may not grow past it. */
const MAX_VALUE_LENGTH = 2 ** 29 - 24;

export function append(store: Lru, args: Args, reply: ReplySink): void {
  const key = args.latin1(1);
  const old = store.peek(key) ?? '';
  if (typeof old !== 'string') return reply.error(ERR.wrongType);
  if (old.length + args.length(2) > MAX_VALUE_LENGTH) return reply.error('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
  const value = old + args.latin1(2);
  if (!store.set(key, value, 0, true)) return reply.error(ERR.oom);
  reply.integer(value.length);
}

export function strlen(store: Lru, args: Args, reply: ReplySink): void {
  const value = store.peek(args.latin1(1));
  if (value !== undefined && typeof value !== 'string') return reply.error(ERR.wrongType);
  reply.integer(value?.length ?? 0);
}

function replyValue(reply: ReplySink, value: Value | undefined): void {
  if (value === undefined) reply.nil();
  else if (typeof value === 'string') reply.bulk(value);
  else reply.error(ERR.wrongType);
}
