import type { Args } from '@kv/wire';
import { Kind, type Lru } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import { addLongDouble, formatLongDouble, isFiniteLongDouble, parseLongDouble, ZERO } from './long-double';
import { peekArg } from './keyarg';
import { INT64_MAX, INT64_MIN, int64Bytes } from './numbers';

/**
 * INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT: strings holding numbers, as Redis's t_string.c
 * (the increment is read first, then the key: WRONGTYPE, then its value). The digits are read
 * where they lie in the store and written back in place when the value's block has room; the
 * result keeps the key's expiry.
 */

export function incr(store: Lru, args: Args, reply: ReplySink): void {
  incrementBy(store, args, 1, reply);
}

export function decr(store: Lru, args: Args, reply: ReplySink): void {
  incrementBy(store, args, -1, reply);
}

export function incrby(store: Lru, args: Args, reply: ReplySink): void {
  const by = int64Bytes(args.buf, args.starts[2], args.ends[2]);
  if (by === undefined) return reply.error(ERR.notInteger);
  incrementBy(store, args, by, reply);
}

export function decrby(store: Lru, args: Args, reply: ReplySink): void {
  const by = int64Bytes(args.buf, args.starts[2], args.ends[2]);
  if (by === undefined || by === INT64_MIN) return reply.error(by === undefined ? ERR.notInteger : ERR.decrementOverflow);
  incrementBy(store, args, -by, reply);
}

/** Digits of a result, written here before they go into the store. */
const DIGITS = Buffer.alloc(24);

function incrementBy(store: Lru, args: Args, by: number | bigint, reply: ReplySink): void {
  const slot = peekArg(store, args, 1);
  let current: number | bigint | undefined = 0;
  if (slot >= 0) {
    if (store.kindAt(slot) !== Kind.STRING) return reply.error(ERR.wrongType);
    const view = store.valueView(slot);
    current = int64Bytes(view.buf, view.start, view.end);
    if (current === undefined) return reply.error(ERR.notInteger);
  }
  let next: number | bigint;
  if (typeof current === 'number' && typeof by === 'number' && Number.isSafeInteger(current + by)) next = current + by;
  else {
    const big = BigInt(current) + BigInt(by);
    if (big > INT64_MAX || big < INT64_MIN) return reply.error(ERR.overflow);
    next = big;
  }
  const text = String(next);
  const n = DIGITS.latin1Write(text, 0, text.length);
  const stored = slot >= 0 ? store.replaceValue(slot, DIGITS, 0, n) : store.setString(args.buf, args.starts[1], args.ends[1], DIGITS, 0, n) >= 0;
  if (!stored) return reply.error(ERR.oom);
  reply.integer(next);
}

/**
 * INCRBYFLOAT key increment: the key's type, then its value, then the increment, as Redis reads
 * them; computed and printed as Redis's long double (long-double.ts).
 */
export function incrbyfloat(store: Lru, args: Args, reply: ReplySink): void {
  const slot = peekArg(store, args, 1);
  if (slot >= 0 && store.kindAt(slot) !== Kind.STRING) return reply.error(ERR.wrongType);
  const current = slot < 0 ? ZERO : parseLongDouble(store.valueString(slot));
  if (current === undefined) return reply.error(ERR.notFloat);
  const by = parseLongDouble(args.latin1(2));
  if (by === undefined) return reply.error(ERR.notFloat);
  const next = addLongDouble(current, by);
  if (!isFiniteLongDouble(next)) return reply.error(ERR.nanOrInfinity);
  const text = formatLongDouble(next);
  const stored = slot >= 0 ? store.replaceValue(slot, Buffer.from(text, 'latin1'), 0, text.length) : store.setStringKey(args.latin1(1), text) >= 0;
  if (!stored) return reply.error(ERR.oom);
  reply.bulk(text);
}
