import type { Args } from '@kv/wire';
import type { Lru } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import { addLongDouble, formatLongDouble, isFiniteLongDouble, parseLongDouble, ZERO } from './long-double';
import { INT64_MAX, INT64_MIN, int64 } from './numbers';

/**
 * INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT: strings holding numbers, as Redis's t_string.c
 * (the increment is read first, then the key: WRONGTYPE, then its value). The result keeps the
 * key's expiry.
 */

export function incr(store: Lru, args: Args, reply: ReplySink): void {
  incrementBy(store, args.latin1(1), 1n, reply);
}

export function decr(store: Lru, args: Args, reply: ReplySink): void {
  incrementBy(store, args.latin1(1), -1n, reply);
}

export function incrby(store: Lru, args: Args, reply: ReplySink): void {
  const by = int64(args.latin1(2));
  if (by === undefined) return reply.error(ERR.notInteger);
  incrementBy(store, args.latin1(1), by, reply);
}

export function decrby(store: Lru, args: Args, reply: ReplySink): void {
  const by = int64(args.latin1(2));
  if (by === undefined || by === INT64_MIN) return reply.error(by === undefined ? ERR.notInteger : 'ERR decrement would overflow');
  incrementBy(store, args.latin1(1), -by, reply);
}

function incrementBy(store: Lru, key: string, by: bigint, reply: ReplySink): void {
  const old = store.peek(key);
  if (old !== undefined && typeof old !== 'string') return reply.error(ERR.wrongType);
  const current = old === undefined ? 0n : int64(old);
  if (current === undefined) return reply.error(ERR.notInteger);
  const next = current + by;
  if (next > INT64_MAX || next < INT64_MIN) return reply.error(ERR.overflow);
  const text = next.toString();
  if (!store.set(key, text, 0, true)) return reply.error(ERR.oom);
  reply.integer(next);
}

/**
 * INCRBYFLOAT key increment: the key's type, then its value, then the increment, as Redis reads
 * them; computed and printed as Redis's long double (long-double.ts).
 */
export function incrbyfloat(store: Lru, args: Args, reply: ReplySink): void {
  const key = args.latin1(1);
  const old = store.peek(key);
  if (old !== undefined && typeof old !== 'string') return reply.error(ERR.wrongType);
  const current = old === undefined ? ZERO : parseLongDouble(old);
  if (current === undefined) return reply.error(ERR.notFloat);
  const by = parseLongDouble(args.latin1(2));
  if (by === undefined) return reply.error(ERR.notFloat);
  const next = addLongDouble(current, by);
  if (!isFiniteLongDouble(next)) return reply.error(ERR.nanOrInfinity);
  const text = formatLongDouble(next);
  if (!store.set(key, text, 0, true)) return reply.error(ERR.oom);
  reply.bulk(text);
}
