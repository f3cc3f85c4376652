/** Number of key-hash shards; the low 4 bits of the hash pick one. Fixed by the seed protocol. */
export const SHARD_COUNT = 16;

/** FNV-1a 32-bit over buf[start, end): the seed's key hash. */
export function fnv1a(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= buf[i];
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Shard of the key held in buf[start, end). */
export function shardOf(buf: Uint8Array, start: number, end: number): number {
  return fnv1a(buf, start, end) & (SHARD_COUNT - 1);
}

/** Shard of a key given as a latin1 string (one char per byte). */
export function shardOfString(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i) & 0xff;
    h = Math.imul(h, 0x01000193);
  }
  return h & (SHARD_COUNT - 1);
}
