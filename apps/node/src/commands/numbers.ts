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

const MINUS = 0x2d;
const ZERO = 0x30;

/**
 * The int64 buf[start, end) holds, as string2ll reads it: a number when it is within 2^53 (no
 * allocation: INCR's usual case), a bigint past that; undefined when it holds none.
 */
export function int64Bytes(buf: Uint8Array, start: number, end: number): number | bigint | undefined {
  const length = end - start;
  if (length === 0 || length > 20) return undefined;
  let p = start;
  const negative = buf[p] === MINUS;
  if (negative && ++p === end) return undefined;
  if (buf[p] === ZERO && (end - p > 1 || negative)) return undefined;
  if (end - p > 15) {
    for (let i = p; i < end; i++) if (buf[i] < ZERO || buf[i] > ZERO + 9) return undefined;
    return int64(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).latin1Slice(start, end));
  }
  let n = 0;
  for (; p < end; p++) {
    const d = buf[p] - ZERO;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return negative ? -n : n;
}
