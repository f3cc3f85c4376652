/**
 * Packed collections: a small list, set or sorted set held as one run of bytes inside its
 * entry's arena block (Redis's listpack and intset encodings: no object per element, every
 * element beside the next):
 *
 *   | packing u8 | count u32 | elements ... |
 *   LISTPACK   (a list; a set of strings)   element: varint length | bytes
 *   ZLISTPACK  (a small sorted set)          element: varint length | member | score f64,
 *                                           in order: score, then member's bytes
 *   INTSET16/32/64 (a set of integers)      count signed integers of 2, 4 or 8 bytes, ascending
 *   HLISTPACK  (a small hash)                field element, value element, ... in insertion
 *                                           order; count is elements (twice the fields)
 *
 * Numbers are little endian. A varint is 7 bits a byte, low bits first, the high bit set on
 * every byte but the last. Readers here never allocate for LISTPACK and ZLISTPACK; an INTSET64
 * element past 2^53 is read as a bigint.
 */
export const Packing = {
  LISTPACK: 1,
  ZLISTPACK: 2,
  HLISTPACK: 3,
  INTSET16: 0x12,
  INTSET32: 0x14,
  INTSET64: 0x18,
} as const;
export type Packing = (typeof Packing)[keyof typeof Packing];

/** Bytes before the first element. */
export const PACKED_HEADER = 5;
/** A sorted set element's score follows its member. */
export const SCORE_BYTES = 8;

export function packingAt(buf: Uint8Array, start: number): Packing {
  return buf[start] as Packing;
}

export function countAt(buf: Uint8Array, start: number): number {
  return (buf[start + 1] | (buf[start + 2] << 8) | (buf[start + 3] << 16) | (buf[start + 4] << 24)) >>> 0;
}

export function setCountAt(buf: Uint8Array, start: number, count: number): void {
  buf[start + 1] = count & 0xff;
  buf[start + 2] = (count >>> 8) & 0xff;
  buf[start + 3] = (count >>> 16) & 0xff;
  buf[start + 4] = count >>> 24;
}

export function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/** The length stored at p (an element's first byte). */
export function lengthAt(buf: Uint8Array, p: number): number {
  let b = buf[p];
  if (b < 0x80) return b;
  let n = b & 0x7f;
  let shift = 7;
  do {
    b = buf[++p];
    n += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b >= 0x80);
  return n;
}

/** Where the bytes of the element at p start. */
export function dataAt(buf: Uint8Array, p: number): number {
  return p + varintSize(lengthAt(buf, p));
}

/** Where the element after the one at p starts (`extra`: SCORE_BYTES in a ZLISTPACK, else 0). */
export function nextAt(buf: Uint8Array, p: number, extra: number): number {
  const n = lengthAt(buf, p);
  return p + varintSize(n) + n + extra;
}

export function writeVarint(buf: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[at++] = n;
  return at;
}

/** Bytes an element of `length` bytes takes (a ZLISTPACK's: add SCORE_BYTES). */
export function elementSize(length: number): number {
  return varintSize(length) + length;
}

/** Writes an element src[start, end) at `at`; returns where the next goes. */
export function writeElement(buf: Uint8Array, at: number, src: Uint8Array, start: number, end: number): number {
  at = writeVarint(buf, at, end - start);
  if (end - start < 64) for (let i = start; i < end; i++) buf[at++] = src[i];
  else {
    buf.set(src.subarray(start, end), at);
    at += end - start;
  }
  return at;
}

/** True when the element at p holds exactly src[start, end). */
export function elementEquals(buf: Uint8Array, p: number, src: Uint8Array, start: number, end: number): boolean {
  const n = lengthAt(buf, p);
  if (n !== end - start) return false;
  const d = p + varintSize(n);
  for (let i = 0; i < n; i++) if (buf[d + i] !== src[start + i]) return false;
  return true;
}

/** memcmp order of the element at p against src[start, end): negative, 0 or positive. */
export function compareElement(buf: Uint8Array, p: number, src: Uint8Array, start: number, end: number): number {
  const n = lengthAt(buf, p);
  const d = p + varintSize(n);
  const m = end - start;
  const common = n < m ? n : m;
  for (let i = 0; i < common; i++) {
    const diff = buf[d + i] - src[start + i];
    if (diff !== 0) return diff;
  }
  return n - m;
}

const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);

export function readScore(buf: Uint8Array, at: number): number {
  for (let i = 0; i < 8; i++) F64_BYTES[i] = buf[at + i];
  return F64[0];
}

export function writeScore(buf: Uint8Array, at: number, score: number): number {
  F64[0] = score;
  for (let i = 0; i < 8; i++) buf[at + i] = F64_BYTES[i];
  return at + 8;
}

/** The score of the ZLISTPACK element at p. */
export function scoreOf(buf: Uint8Array, p: number): number {
  const n = lengthAt(buf, p);
  return readScore(buf, p + varintSize(n) + n);
}

/** An INTSET's element width in bytes. */
export function intWidth(packing: Packing): number {
  return packing & 0xf;
}

/** The INTSET element i (a number, or a bigint past 2^53). */
export function intAt(buf: Buffer, start: number, i: number, width: number): number | bigint {
  const at = start + PACKED_HEADER + i * width;
  if (width === 2) return buf.readInt16LE(at);
  if (width === 4) return buf.readInt32LE(at);
  const n = buf.readBigInt64LE(at);
  return n >= -(2n ** 53n) && n <= 2n ** 53n ? Number(n) : n;
}

/** The narrowest INTSET width that holds n. */
export function widthFor(n: number | bigint): number {
  if (n >= -32768 && n <= 32767) return 2;
  if (n >= -2147483648 && n <= 2147483647) return 4;
  return 8;
}

export function writeInt(buf: Buffer, at: number, n: number | bigint, width: number): void {
  if (width === 2) buf.writeInt16LE(Number(n), at);
  else if (width === 4) buf.writeInt32LE(Number(n), at);
  else buf.writeBigInt64LE(BigInt(n), at);
}

/**
 * Builds one packed value at a time (a new collection, or one rewritten whole), in its own
 * buffer; the store copies it into the arena. One per process: built and stored at once.
 */
export class PackWriter {
  buf = Buffer.allocUnsafeSlow(4096);
  length = 0;
  count = 0;

  begin(packing: Packing): this {
    this.buf[0] = packing;
    this.length = PACKED_HEADER;
    this.count = 0;
    return this;
  }

  ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const bigger = Buffer.allocUnsafeSlow(size);
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }

  element(src: Uint8Array, start: number, end: number): this {
    this.ensure(elementSize(end - start));
    this.length = writeElement(this.buf, this.length, src, start, end);
    this.count++;
    return this;
  }

  elementString(text: string): this {
    this.ensure(5 + text.length);
    this.length = writeVarint(this.buf, this.length, text.length);
    this.length += this.buf.latin1Write(text, this.length, text.length);
    this.count++;
    return this;
  }

  /** A sorted set element: member src[start, end) and its score. */
  scored(src: Uint8Array, start: number, end: number, score: number): this {
    this.element(src, start, end);
    this.length = writeScore(this.buf, this.length, score);
    return this;
  }

  scoredString(member: string, score: number): this {
    this.ensure(5 + member.length + SCORE_BYTES);
    this.elementString(member);
    this.length = writeScore(this.buf, this.length, score);
    return this;
  }

  /** Raw bytes of elements already packed (copied from another packed value). */
  raw(src: Uint8Array, start: number, end: number, elements: number): this {
    this.ensure(end - start);
    this.buf.set(src.subarray(start, end), this.length);
    this.length += end - start;
    this.count += elements;
    return this;
  }

  int(n: number | bigint, width: number): this {
    this.ensure(width);
    writeInt(this.buf, this.length, n, width);
    this.length += width;
    this.count++;
    return this;
  }

  /** Ends the value: its count is written; its bytes are buf[0, length). */
  finish(): number {
    setCountAt(this.buf, 0, this.count);
    return this.length;
  }
}

export const PACK = new PackWriter();
