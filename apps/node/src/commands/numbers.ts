/**
 * int64 text as Redis reads it (string2ll), for the string and hash commands alike; floats are
 * Redis's long doubles (long-double.ts).
 */

export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;
/** string2ll's form: no sign but '-', no leading zeros, no "-0", at most 19 digits. */
const INT64_TEXT = /^-?[1-9][0-9]{0,18}$|^0$/;

/** The int64 a text holds, as Redis's string2ll reads it; undefined when it holds none. */
export function int64(text: string): bigint | undefined {
  if (!INT64_TEXT.test(text)) return undefined;
  const n = BigInt(text);
  return n > INT64_MAX || n < INT64_MIN ? undefined : n;
}
