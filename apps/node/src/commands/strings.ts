import type { Args } from '@kv/wire';
import type { Lru } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import { integerArg, upperArg } from './args';

/** String commands, as Redis's t_string.c. Keys and values are latin1 strings (one char per byte). */

export function get(store: Lru, args: Args, reply: ReplySink): void {
  const value = store.get(args.latin1(1));
  if (value === undefined) reply.nil();
  else reply.bulk(value);
}

/** The text protocol's PUT: SET key value with no options. */
export function put(store: Lru, args: Args, reply: ReplySink): void {
  if (store.set(args.latin1(1), args.latin1(2))) reply.ok();
  else reply.error(ERR.oom);
}

/** SET key value [NX | XX] [GET] [EX s | PX ms | EXAT s | PXAT ms | KEEPTTL] */
export function set(store: Lru, args: Args, reply: ReplySink): void {
  let nx = false, xx = false, withGet = false, keepTtl = false;
  let expireAt = 0;
  let expireGiven = false;
  for (let i = 3; i < args.count; i++) {
    const option = upperArg(args, i);
    if (option === 'NX' && !xx) nx = true;
    else if (option === 'XX' && !nx) xx = true;
    else if (option === 'GET') withGet = true;
    else if (option === 'KEEPTTL' && !expireGiven) keepTtl = true;
    else if ((option === 'EX' || option === 'PX' || option === 'EXAT' || option === 'PXAT') && !expireGiven && !keepTtl && i + 1 < args.count) {
      const n = integerArg(args, ++i);
      if (n === undefined) return reply.error(ERR.notInteger);
      expireAt = expiryFrom(option, n);
      if (n <= 0 || Number.isNaN(expireAt)) return reply.error(ERR.invalidExpire('set'));
      expireGiven = true;
    } else return reply.error(ERR.syntax);
  }
  const key = args.latin1(1);
  const old = withGet || nx || xx ? store.peek(key) : undefined;
  if ((nx && old !== undefined) || (xx && old === undefined)) {
    if (withGet) replyValue(reply, old);
    else reply.nil();
    return;
  }
  if (!store.set(key, args.latin1(2), expireAt, keepTtl)) return reply.error(ERR.oom);
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

function setWithExpiry(store: Lru, args: Args, reply: ReplySink, unit: 'EX' | 'PX', command: string): void {
  const n = integerArg(args, 2);
  if (n === undefined) return reply.error(ERR.notInteger);
  const at = expiryFrom(unit, n);
  if (n <= 0 || Number.isNaN(at)) return reply.error(ERR.invalidExpire(command));
  if (!store.set(args.latin1(1), args.latin1(3), at)) return reply.error(ERR.oom);
  reply.ok();
}

export function getset(store: Lru, args: Args, reply: ReplySink): void {
  const key = args.latin1(1);
  const old = store.peek(key);
  if (!store.set(key, args.latin1(2))) return reply.error(ERR.oom);
  replyValue(reply, old);
}

export function getdel(store: Lru, args: Args, reply: ReplySink): void {
  const key = args.latin1(1);
  const value = store.get(key);
  if (value !== undefined) store.delete(key);
  replyValue(reply, value);
}

/** GETEX key [EX s | PX ms | EXAT s | PXAT ms | PERSIST] */
export function getex(store: Lru, args: Args, reply: ReplySink): void {
  let expireAt = -1;
  for (let i = 2; i < args.count; i++) {
    const option = upperArg(args, i);
    if (option === 'PERSIST' && expireAt === -1) expireAt = 0;
    else if ((option === 'EX' || option === 'PX' || option === 'EXAT' || option === 'PXAT') && expireAt === -1 && i + 1 < args.count) {
      const n = integerArg(args, ++i);
      if (n === undefined) return reply.error(ERR.notInteger);
      expireAt = expiryFrom(option, n);
      if (n <= 0 || Number.isNaN(expireAt)) return reply.error(ERR.invalidExpire('getex'));
    } else return reply.error(ERR.syntax);
  }
  const key = args.latin1(1);
  const value = store.get(key);
  if (value !== undefined && expireAt >= 0) store.setExpiryOf(key, expireAt);
  replyValue(reply, value);
}

/** V8's longest string: a value may not grow past it. */
const MAX_VALUE_LENGTH = 2 ** 29 - 24;

export function append(store: Lru, args: Args, reply: ReplySink): void {
  const key = args.latin1(1);
  const old = store.peek(key) ?? '';
  if (old.length + args.length(2) > MAX_VALUE_LENGTH) return reply.error('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
  const value = old + args.latin1(2);
  if (!store.set(key, value, 0, true)) return reply.error(ERR.oom);
  reply.integer(value.length);
}

export function strlen(store: Lru, args: Args, reply: ReplySink): void {
  reply.integer(store.peek(args.latin1(1))?.length ?? 0);
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const INT64_TEXT = /^-?[1-9][0-9]{0,18}$|^0$/;

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
  const current = old === undefined ? 0n : int64(old);
  if (current === undefined) return reply.error(ERR.notInteger);
  const next = current + by;
  if (next > INT64_MAX || next < INT64_MIN) return reply.error(ERR.overflow);
  const text = next.toString();
  if (!store.set(key, text, 0, true)) return reply.error(ERR.oom);
  reply.integer(next);
}

export function incrbyfloat(store: Lru, args: Args, reply: ReplySink): void {
  const key = args.latin1(1);
  const by = float(args.latin1(2));
  if (by === undefined) return reply.error(ERR.notFloat);
  const old = store.peek(key);
  const current = old === undefined ? 0 : float(old);
  if (current === undefined) return reply.error(ERR.notFloat);
  const next = current + by;
  if (!Number.isFinite(next)) return reply.error(ERR.nanOrInfinity);
  const text = formatFloat(next);
  if (!store.set(key, text, 0, true)) return reply.error(ERR.oom);
  reply.bulk(text);
}

function int64(text: string): bigint | undefined {
  if (!INT64_TEXT.test(text)) return undefined;
  const n = BigInt(text);
  return n > INT64_MAX || n < INT64_MIN ? undefined : n;
}

function float(text: string): number | undefined {
  // Redis accepts what strtold accepts, without spaces; NaN is refused.
  if (text.length === 0 || text.length > 5000 || /\s/.test(text)) return undefined;
  const n = Number(text);
  return Number.isNaN(n) || (text !== 'inf' && text !== '-inf' && !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) ? undefined : n;
}

/**
 * Redis prints INCRBYFLOAT results from a long double in plain decimal, without exponent or
 * trailing zeros; a double is reliable to 15 significant digits, so print those (0.1 + 0.2 gives
 * "0.3" as Redis, 1e21 gives "1000000000000000000000").
 */
export function formatFloat(n: number): string {
  let text = n.toPrecision(15);
  const e = text.indexOf('e');
  if (e >= 0) text = plainDecimal(text.slice(0, e), Number(text.slice(e + 1)));
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** "1.5", 3 -> "1500": a mantissa and a power of ten written out. */
function plainDecimal(mantissa: string, exponent: number): string {
  const negative = mantissa.startsWith('-');
  const unsigned = negative ? mantissa.slice(1) : mantissa;
  const dot = unsigned.indexOf('.');
  const digits = unsigned.replace('.', '');
  const point = (dot < 0 ? unsigned.length : dot) + exponent;
  let text: string;
  if (point <= 0) text = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) text = digits + '0'.repeat(point - digits.length);
  else text = digits.slice(0, point) + '.' + digits.slice(point);
  return (negative ? '-' : '') + text;
}

/** Unix ms for an EX/PX/EXAT/PXAT amount; NaN when it overflows (Redis: invalid expire time). */
export function expiryFrom(unit: string, n: number): number {
  let at: number;
  switch (unit) {
    case 'EX':
      at = Date.now() + n * 1000;
      break;
    case 'PX':
      at = Date.now() + n;
      break;
    case 'EXAT':
      at = n * 1000;
      break;
    default:
      at = n;
  }
  return Number.isSafeInteger(at) ? at : NaN;
}

function replyValue(reply: ReplySink, value: string | undefined): void {
  if (value === undefined) reply.nil();
  else reply.bulk(value);
}
