/** Number of key-hash shards; the low 4 bits of the hash pick one. Fixed by the seed protocol. */
export const SHARD_COUNT = 16;

const OFFSET = 0x811c9dc5;
const PRIME = 0x01000193;
const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }

/** FNV-1a 32-bit over buf[start, end): the seed's key hash. */
export function fnv1a(buf: Uint8Array, start: number, end: number): number {
  let h = OFFSET;
  for (let i = start; i < end; i++) {
    h ^= buf[i];
    h = Math.imul(h, PRIME);
  }
  return h >>> 0;
}

/**
 * Shard of the key held in buf[start, end): FNV-1a of its hash tag, else of the whole key.
 *
 * Hash tags as Redis Cluster and twemproxy have them: when the key holds a `{`, and a `}` comes
 * after that first `{` with at least one byte between, only the bytes between the two are hashed,
 * so `{user1}.name` and `{user1}.mail` land on one shard (one worker: multi-key commands over
 * them need no other worker). `{}x`, `{x` and keys without `{` hash whole, as before.
 *
 * One pass: the whole-key hash runs up to the first `{`; from there the tag's hash runs alone
 * until its `}`, and only a key whose tag turns out empty or unclosed hashes the rest of the key.
 */
export function shardOf(buf: Uint8Array, start: number, end: number): number {
  let h = OFFSET;
  let i = start;
  // Kept this shape on purpose: a return (or call) inside the loop made V8's loop 3-4x slower.
  for (; i < end; i++) {
    const c = buf[i];
    h ^= c;
    h = Math.imul(h, PRIME);
    if (c === OPEN) break;
  }
  if (i === end) return h & (SHARD_COUNT - 1);
  return taggedShard(buf, i + 1, end, h);
}

/** After the first `{` (the whole-key hash `h` includes it): the tag's shard, or the whole key's. */
function taggedShard(buf: Uint8Array, from: number, end: number, h: number): number {
  let t = OFFSET;
  for (let i = from; i < end; i++) {
    const c = buf[i];
    if (c === CLOSE) {
      if (i > from) return t & (SHARD_COUNT - 1);
      break;
    }
    t = Math.imul(t ^ c, PRIME);
  }
  for (let i = from; i < end; i++) h = Math.imul(h ^ buf[i], PRIME);
  return h & (SHARD_COUNT - 1);
}

/** Shard of a key given as a latin1 string (one char per byte); the same rule as shardOf. */
export function shardOfString(key: string): number {
  let h = OFFSET;
  const end = key.length;
  let i = 0;
  for (; i < end; i++) {
    const c = key.charCodeAt(i) & 0xff;
    h ^= c;
    h = Math.imul(h, PRIME);
    if (c === OPEN) break;
  }
  if (i === end) return h & (SHARD_COUNT - 1);
  return taggedShardOfString(key, i + 1, h);
}

function taggedShardOfString(key: string, from: number, h: number): number {
  const end = key.length;
  let t = OFFSET;
  for (let i = from; i < end; i++) {
    const c = key.charCodeAt(i) & 0xff;
    if (c === CLOSE) {
      if (i > from) return t & (SHARD_COUNT - 1);
      break;
    }
    t = Math.imul(t ^ c, PRIME);
  }
  for (let i = from; i < end; i++) h = Math.imul(h ^ (key.charCodeAt(i) & 0xff), PRIME);
  return h & (SHARD_COUNT - 1);
}

