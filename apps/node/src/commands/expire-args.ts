import type { Args } from '@kv/wire';
import { integerArg } from './args';
import { INT64_MAX, INT64_MIN, int64 } from './numbers';

/**
 * Expiry times from arguments, with Redis 7's checks and errors to the letter. Redis reads the
 * amount as an int64 and computes in int64 milliseconds, so its limits are int64's: an amount
 * that is an int64 but overflows once made milliseconds or added to now is `invalid expire time`,
 * not `not an integer` (the amounts past JS's safe integers take the BigInt path here; the
 * common small ones stay in plain numbers). A time computed here may be far past any real date
 * (PEXPIREAT 9223372036854770000 is accepted, as in Redis); it is kept as a double.
 */

/** The argument is not an int64: `ERR value is not an integer or out of range`. */
export const NOT_INTEGER = -1;
/** The time is out of range: `ERR invalid expire time in '<command>' command`. */
export const INVALID = -2;

export type ExpiryUnit = 'EX' | 'PX' | 'EXAT' | 'PXAT';

const MS_PER_S = 1000n;

/**
 * SET's, SETEX's, PSETEX's and GETEX's expiry (t_string.c getExpireMillisecondsOrReply): the
 * amount must be positive, and in ms (plus now for EX and PX) within int64. Unix ms, or
 * NOT_INTEGER / INVALID.
 */
export function setExpiryAt(args: Args, i: number, unit: ExpiryUnit, now = Date.now()): number {
  const n = integerArg(args, i);
  const relative = unit === 'EX' || unit === 'PX';
  const seconds = unit === 'EX' || unit === 'EXAT';
  if (n !== undefined) {
    // A safe integer of seconds is under int64's ms limit, even with now added: only the sign can fail.
    if (n <= 0) return INVALID;
    return (seconds ? n * 1000 : n) + (relative ? now : 0);
  }
  const big = int64(args.latin1(i));
  if (big === undefined) return NOT_INTEGER;
  if (big <= 0n || (seconds && big > INT64_MAX / MS_PER_S)) return INVALID;
  const ms = (seconds ? big * MS_PER_S : big) + (relative ? BigInt(now) : 0n);
  return ms > INT64_MAX ? INVALID : Number(ms);
}

/**
 * EXPIRE's, PEXPIRE's, EXPIREAT's and PEXPIREAT's time (expire.c expireGenericCommand): any
 * int64, negative included (a time in the past deletes the key), whose ms and then ms + now (for
 * EXPIRE and PEXPIRE) stay within int64. Unix ms (possibly negative), or NOT_INTEGER / INVALID as
 * a second value: [time, status].
 */
export function expireTimeAt(args: Args, i: number, unit: ExpiryUnit, now = Date.now()): [at: number, status: number] {
  const n = integerArg(args, i);
  const relative = unit === 'EX' || unit === 'PX';
  const seconds = unit === 'EX' || unit === 'EXAT';
  // As above, a safe integer cannot overflow (|n| x 1000 + now is under 2^63).
  if (n !== undefined) return [(seconds ? n * 1000 : n) + (relative ? now : 0), 0];
  const big = int64(args.latin1(i));
  if (big === undefined) return [0, NOT_INTEGER];
  if (seconds && (big > INT64_MAX / MS_PER_S || big < INT64_MIN / MS_PER_S)) return [0, INVALID];
  const ms = seconds ? big * MS_PER_S : big;
  const base = relative ? BigInt(now) : 0n;
  if (ms > INT64_MAX - base) return [0, INVALID];
  return [Number(ms + base), 0];
}
