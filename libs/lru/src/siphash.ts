import { randomBytes } from 'node:crypto';

/**
 * HalfSipHash-1-3 (Aumasson and Bernstein's SipHash on 32-bit words, as Linux uses for its hash
 * tables), keyed per process: the index's hash. A client who cannot know the key cannot pick keys
 * that collide in the index and so stall a worker (Redis keys its dict with SipHash for the same
 * reason). 32-bit arithmetic only, so V8 keeps it in registers.
 */

/** A 64-bit key as two u32 words. */
export interface HashKey {
  readonly k0: number;
  readonly k1: number;
}

/** A fresh random key. */
export function randomHashKey(): HashKey {
  const b = randomBytes(8);
  return { k0: b.readUInt32LE(0), k1: b.readUInt32LE(4) };
}

/** HalfSipHash-1-3 of buf[start, end) under (k0, k1), as a u32. */
export function hashBytes(buf: Uint8Array, start: number, end: number, k0: number, k1: number): number {
  let v0 = k0 | 0;
  let v1 = k1 | 0;
  let v2 = (0x6c796765 ^ k0) | 0;
  let v3 = (0x74656462 ^ k1) | 0;
  const len = end - start;
  const tail = end - (len & 3);
  let i = start;
  for (; i < tail; i += 4) {
    const m = buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
    v3 ^= m;
    // One SipRound (c = 1).
    v0 = (v0 + v1) | 0; v1 = (v1 << 5) | (v1 >>> 27); v1 ^= v0; v0 = (v0 << 16) | (v0 >>> 16);
    v2 = (v2 + v3) | 0; v3 = (v3 << 8) | (v3 >>> 24); v3 ^= v2;
    v0 = (v0 + v3) | 0; v3 = (v3 << 7) | (v3 >>> 25); v3 ^= v0;
    v2 = (v2 + v1) | 0; v1 = (v1 << 13) | (v1 >>> 19); v1 ^= v2; v2 = (v2 << 16) | (v2 >>> 16);
    v0 ^= m;
  }
  let b = len << 24;
  const left = end - i;
  if (left > 2) b |= buf[i + 2] << 16;
  if (left > 1) b |= buf[i + 1] << 8;
  if (left > 0) b |= buf[i];
  v3 ^= b;
  v0 = (v0 + v1) | 0; v1 = (v1 << 5) | (v1 >>> 27); v1 ^= v0; v0 = (v0 << 16) | (v0 >>> 16);
  v2 = (v2 + v3) | 0; v3 = (v3 << 8) | (v3 >>> 24); v3 ^= v2;
  v0 = (v0 + v3) | 0; v3 = (v3 << 7) | (v3 >>> 25); v3 ^= v0;
  v2 = (v2 + v1) | 0; v1 = (v1 << 13) | (v1 >>> 19); v1 ^= v2; v2 = (v2 << 16) | (v2 >>> 16);
  v0 ^= b;
  v2 ^= 0xff;
  // Three finalisation rounds (d = 3).
  for (let r = 0; r < 3; r++) {
    v0 = (v0 + v1) | 0; v1 = (v1 << 5) | (v1 >>> 27); v1 ^= v0; v0 = (v0 << 16) | (v0 >>> 16);
    v2 = (v2 + v3) | 0; v3 = (v3 << 8) | (v3 >>> 24); v3 ^= v2;
    v0 = (v0 + v3) | 0; v3 = (v3 << 7) | (v3 >>> 25); v3 ^= v0;
    v2 = (v2 + v1) | 0; v1 = (v1 << 13) | (v1 >>> 19); v1 ^= v2; v2 = (v2 << 16) | (v2 >>> 16);
  }
  return (v1 ^ v3) >>> 0;
}
