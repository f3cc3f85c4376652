import type { ByteRanges } from './object';

/**
 * A stream block's packed entries (stream-block.ts): varints, an entry's packed size, and the
 * check that packed fields are well formed (a hand-over's bytes are checked before use).
 */

/** The first data buffer of a block, and the size it doubles from. */
export const FIRST_DATA = 64;

/** The packed bytes of the fields and values at fields[from, to). */
export function entryBytes(fields: ByteRanges, from: number, to: number): number {
  let bytes = varintLength(to - from + 1);
  for (let k = from; k < to; k++) {
    const length = fields.ends[k] - fields.starts[k];
    bytes += varintLength(length) + length;
  }
  return bytes;
}

export function dataSizeFor(size: number, need: number): number {
  let next = Math.max(size, FIRST_DATA);
  while (next < need) next *= 2;
  return next;
}

function varintLength(n: number): number {
  let bytes = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    bytes++;
  }
  return bytes;
}

export function writeVarint(buf: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[at++] = n;
  return at;
}

export const VARINT = { value: 0, next: 0 };

/** The varint at buf[at] and where it ends (one object, reused: read it at once). */
export function readVarint(buf: Buffer, at: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (;;) {
    const byte = buf[at++];
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) break;
    scale *= 128;
  }
  VARINT.value = value;
  VARINT.next = at;
  return VARINT;
}

/**
 * The pairs of the packed fields at buf[start, end) when they are well formed and fill it exactly,
 * else -1. An entry with the first entry's names (its header odd) must have `firstPairs` values
 * (-1: this is the first entry, which cannot).
 */
export function fieldsFit(buf: Buffer, start: number, end: number, firstPairs: number): number {
  if (start >= end) return -1;
  let at = start;
  const read = (): number => {
    let value = 0;
    let scale = 1;
    for (let k = 0; k < 5; k++) {
      if (at >= end) return -1;
      const byte = buf[at++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    return -1;
  };
  const header = read();
  const pairs = header >> 1;
  const same = (header & 1) === 1;
  if (header < 2 || (same && pairs !== firstPairs)) return -1;
  for (let k = same ? pairs : pairs * 2; k > 0; k--) {
    const length = read();
    if (length < 0 || at + length > end) return -1;
    at += length;
  }
  return at === end ? pairs : -1;
}
