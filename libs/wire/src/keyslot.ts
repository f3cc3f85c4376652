/**
 * Where a key lives: Redis Cluster's rule. CRC16 (CCITT, XMODEM: polynomial 0x1021, initial 0)
 * of the key, or of its hash tag, modulo 16384 slots; the 16 shards are 16 ranges of 1,024 slots
 * (shard = slot >> 10), so the cluster protocol can later map slots to shards as they are.
 *
 * Hash tags as Redis Cluster and twemproxy have them: when the key holds a `{`, and a `}` comes
 * after that first `{` with at least one byte between, only the bytes between the two are hashed,
 * so `{user1}.name` and `{user1}.mail` land in one slot (one worker: multi-key commands over them
 * need no other worker). `{}x`, `{x` and keys without `{` hash whole.
 */

/** Number of key-hash shards. Fixed by the seed protocol. */
export const SHARD_COUNT = 16;
/** Redis Cluster's hash slots. */
export const SLOT_COUNT = 16384;
/** Slots per shard: a shard is the slots [shard * SLOTS_PER_SHARD, (shard + 1) * SLOTS_PER_SHARD). */
export const SLOTS_PER_SHARD = SLOT_COUNT / SHARD_COUNT;
const SHARD_SHIFT = 10;

const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }

const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
    table[i] = crc & 0xffff;
  }
  return table;
})();

/** CRC16-CCITT (XMODEM) of buf[start, end), as Redis's crc16(). */
export function crc16(buf: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) ^ TABLE[((crc >>> 8) ^ buf[i]) & 0xff]) & 0xffff;
  return crc;
}

/**
 * Hash slot of the key in buf[start, end), as Redis's keyHashSlot. One pass: the whole-key CRC
 * runs up to the first `{`; from there the tag's CRC runs alone until its `}`, and only a key
 * whose tag turns out empty or unclosed goes on with the whole key's.
 */
export function keySlot(buf: Uint8Array, start: number, end: number): number {
  let crc = 0;
  let i = start;
  // Kept this shape on purpose: a return (or call) inside the loop made V8's loop 3-4x slower.
  for (; i < end; i++) {
    const c = buf[i];
    crc = ((crc << 8) ^ TABLE[((crc >>> 8) ^ c) & 0xff]) & 0xffff;
    if (c === OPEN) break;
  }
  if (i === end) return crc & (SLOT_COUNT - 1);
  return taggedSlot(buf, i + 1, end, crc);
}

/** After the first `{` (the whole-key CRC `crc` includes it): the tag's slot, or the whole key's. */
function taggedSlot(buf: Uint8Array, from: number, end: number, crc: number): number {
  let t = 0;
  for (let i = from; i < end; i++) {
    const c = buf[i];
    if (c === CLOSE) {
      if (i > from) return t & (SLOT_COUNT - 1);
      break;
    }
    t = ((t << 8) ^ TABLE[((t >>> 8) ^ c) & 0xff]) & 0xffff;
  }
  for (let i = from; i < end; i++) crc = ((crc << 8) ^ TABLE[((crc >>> 8) ^ buf[i]) & 0xff]) & 0xffff;
  return crc & (SLOT_COUNT - 1);
}

/** Shard of the key held in buf[start, end): its slot's range. */
export function shardOf(buf: Uint8Array, start: number, end: number): number {
  return keySlot(buf, start, end) >>> SHARD_SHIFT;
}

/** Hash slot of a key given as a latin1 string (one char per byte); the same rule as keySlot. */
export function keySlotOfString(key: string): number {
  let from = 0;
  let to = key.length;
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) {
      from = open + 1;
      to = close;
    }
  }
  let crc = 0;
  for (let i = from; i < to; i++) crc = ((crc << 8) ^ TABLE[((crc >>> 8) ^ key.charCodeAt(i)) & 0xff]) & 0xffff;
  return crc & (SLOT_COUNT - 1);
}

/** Shard of a key given as a latin1 string. */
export function shardOfString(key: string): number {
  return keySlotOfString(key) >>> SHARD_SHIFT;
}
