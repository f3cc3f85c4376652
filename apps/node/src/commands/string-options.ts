import type { Args } from '@kv/wire';
import { ERR } from '../reply';
import { INVALID, NOT_INTEGER, setExpiryAt, type ExpiryUnit } from './expire-args';

/**
 * SET's and GETEX's options, as Redis's parseExtendedStringArgumentsOrReply reads them: every
 * option is checked first (a bad one is `syntax error`), the expiry amount only afterwards (by
 * expiryOf), so `SET k v EX abc NOPE` is a syntax error and `GETEX missing EX abc` answers nil.
 * An expiry option may be repeated (the last one counts) but not mixed with another unit.
 *
 * The parsed options are one number, so that a SET allocates nothing for them: the flags below
 * in the low bits, the expiry unit (an index into UNITS) from bit 5, the amount's argument index
 * from bit 8.
 */

export const NX = 1;
export const XX = 2;
export const GET = 4;
export const KEEPTTL = 8;
export const PERSIST = 16;

const UNITS: readonly (ExpiryUnit | null)[] = [null, 'EX', 'PX', 'EXAT', 'PXAT'];
const UNIT_SHIFT = 5;
const AT_SHIFT = 8;

/** Parses args[from...]: SET's options when `set`, else GETEX's; a string is the error to answer. */
export function parseStringOptions(args: Args, from: number, set: boolean): number | string {
  let flags = 0;
  let unit = 0;
  let amountAt = 0;
  for (let i = from; i < args.count; i++) {
    const option = args.latin1(i).toUpperCase();
    if (set && option === 'NX' && !(flags & XX)) flags |= NX;
    else if (set && option === 'XX' && !(flags & NX)) flags |= XX;
    else if (set && option === 'GET') flags |= GET;
    else if (set && option === 'KEEPTTL' && unit === 0) flags |= KEEPTTL;
    else if (!set && option === 'PERSIST' && unit === 0) flags |= PERSIST;
    else {
      const given = UNITS.indexOf(option as ExpiryUnit);
      if (given <= 0 || (unit !== 0 && unit !== given) || flags & (KEEPTTL | PERSIST) || i + 1 >= args.count) return ERR.syntax;
      unit = given;
      amountAt = ++i;
    }
  }
  return flags | (unit << UNIT_SHIFT) | (amountAt << AT_SHIFT);
}

/** The expiry parsed options ask for, Unix ms; 0 for none; or the error to answer. */
export function expiryOf(args: Args, options: number, command: string): number | string {
  const unit = UNITS[(options >> UNIT_SHIFT) & 7];
  if (unit === null) return 0;
  const at = setExpiryAt(args, options >>> AT_SHIFT, unit);
  if (at === NOT_INTEGER) return ERR.notInteger;
  if (at === INVALID) return ERR.invalidExpire(command);
  return at;
}

/** True when the parsed options name an expiry. */
export function hasExpiry(options: number): boolean {
  return ((options >> UNIT_SHIFT) & 7) !== 0;
}
