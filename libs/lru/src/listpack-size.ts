/**
 * The bytes Redis 7.0's listpack (listpack.c) takes for an element, to decide where a stream
 * block ends as Redis decides where a node ends (stream-node-max-bytes is over lpBytes): an
 * integer or a string that reads as one (lpStringToInt64) takes its integer encoding (1 to 9
 * bytes), another string its length's header (1, 2 or 5 bytes) and its bytes; each element also
 * takes its backlen (1 to 5 bytes).
 */
export const LP_EMPTY = 7; // a 6-byte header and the EOF byte

function backlen(l: number): number {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

function intEncoding(v: number | bigint): number {
  if (v >= 0 && v <= 127) return 1;
  if (v >= -4096 && v <= 4095) return 2;
  if (v >= -32768 && v <= 32767) return 3;
  if (v >= -8388608 && v <= 8388607) return 4;
  if (v >= -2147483648 && v <= 2147483647) return 5;
  return 9;
}

/** An integer element's bytes. */
export function lpIntSize(v: number | bigint): number {
  const e = intEncoding(v);
  return e + backlen(e);
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** A string element's bytes: buf[start, end), as an integer when lpStringToInt64 reads one. */
export function lpStringSize(buf: Uint8Array, start: number, end: number): number {
  const value = lpStringInt(buf, start, end);
  if (value !== null) return lpIntSize(value);
  const n = end - start;
  const e = n < 64 ? 1 + n : n < 4096 ? 2 + n : 5 + n;
  return e + backlen(e);
}

/** lpStringToInt64: "0", or an optional '-' then 1-9 then digits, within int64 and under 21 bytes; else null. */
function lpStringInt(buf: Uint8Array, start: number, end: number): number | bigint | null {
  const n = end - start;
  if (n === 0 || n >= 21) return null;
  if (n === 1 && buf[start] === 0x30) return 0;
  let p = start;
  const negative = buf[p] === 0x2d;
  if (negative && ++p === end) return null;
  if (buf[p] < 0x31 || buf[p] > 0x39) return null;
  for (let i = p + 1; i < end; i++) if (buf[i] < 0x30 || buf[i] > 0x39) return null;
  if (end - p <= 15) {
    let v = 0;
    for (let i = p; i < end; i++) v = v * 10 + (buf[i] - 0x30);
    return negative ? -v : v;
  }
  let v = 0n;
  for (let i = p; i < end; i++) v = v * 10n + BigInt(buf[i] - 0x30);
  if (negative) v = -v;
  return v > INT64_MAX || v < INT64_MIN ? null : v;
}

const TWO32 = 4294967296;
const U64 = 1n << 64n;

/** a - b of two u64s given as (hi, lo) words, as Redis stores it: wrapped to int64 (lpAppendInteger's int64_t). */
export function u64Delta(aHi: number, aLo: number, bHi: number, bLo: number): number | bigint {
  if (aHi < 2 ** 21 && bHi < 2 ** 21) return aHi * TWO32 + aLo - (bHi * TWO32 + bLo);
  let d = (((BigInt(aHi) << 32n) | BigInt(aLo)) - ((BigInt(bHi) << 32n) | BigInt(bLo)) + U64) % U64;
  if (d > INT64_MAX) d -= U64;
  return d;
}
