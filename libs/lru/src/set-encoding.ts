/**
 * The integer src[start, end) holds as Redis's string2ll reads it (an INTSET member's test,
 * isSdsRepresentableAsLongLong): an optional '-', no leading zero (nor "-0"), at most 19 digits
 * within int64. A number within 2^53, a bigint past it; undefined when it holds none.
 */
export function integerOf(src: Uint8Array, start: number, end: number): number | bigint | undefined {
  const length = end - start;
  if (length === 0 || length > 20) return undefined;
  let p = start;
  const negative = src[p] === 0x2d;
  if (negative && ++p === end) return undefined;
  if (src[p] === 0x30 && (end - p > 1 || negative)) return undefined;
  let n = 0;
  for (let i = p; i < end; i++) {
    const d = src[i] - 0x30;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  if (end - p <= 15) return negative ? -n : n;
  let big = 0n;
  for (let i = p; i < end; i++) big = big * 10n + BigInt(src[i] - 0x30);
  if (negative) big = -big;
  if (big > 9223372036854775807n || big < -9223372036854775808n) return undefined;
  return big >= -(2n ** 53n) && big <= 2n ** 53n ? Number(big) : big;
}
