const MINUS = 0x2d;
const ZERO = 0x30;

/**
 * Redis's string2ll over b[start, end): an optional `-`, then `0` alone or digits without a
 * leading zero, within a signed 64-bit range. NaN where Redis refuses the text.
 */
export function parseLongLong(b: Buffer, start: number, end: number): number {
  if (end <= start) return NaN;
  if (end - start === 1 && b[start] === ZERO) return 0;
  let p = start;
  const negative = b[p] === MINUS;
  if (negative) p++;
  const digits = end - p;
  if (digits === 0 || digits > 19) return NaN;
  let d = b[p] - ZERO;
  if (d < 1 || d > 9) return NaN;
  let v = d;
  for (p++; p < end; p++) {
    d = b[p] - ZERO;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  if (digits === 19) {
    // Beyond 2^53 the double is inexact: compare the digits with the int64 bound instead.
    const text = b.latin1Slice(end - 19, end);
    if (text > (negative ? '9223372036854775808' : '9223372036854775807')) return NaN;
  }
  return negative ? -v : v;
}
