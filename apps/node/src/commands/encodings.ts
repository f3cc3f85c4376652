import type { HashReader } from '@kv/lru';

/**
 * The thresholds of Redis's small encodings that change what a client sees here, settable by
 * CONFIG SET (hash-max-listpack-entries and -value, and their old ziplist names): a worker's copy,
 * set by its router as the settings change.
 */
export const ENCODINGS = {
  /** A hash of at most this many fields may be small (Redis's default, 128). */
  hashMaxListpackEntries: 128,
  /** ... and none of its fields or values longer than this many bytes (Redis's default, 64). */
  hashMaxListpackValue: 64,
};

/** True when Redis would keep `hash` in its small encoding (a listpack), which HSCAN answers whole. */
export function hashIsSmall(hash: HashReader): boolean {
  if (hash.size > ENCODINGS.hashMaxListpackEntries) return false;
  const most = ENCODINGS.hashMaxListpackValue;
  let small = true;
  hash.forEach((field, value) => {
    if (field.length > most || value.length > most) small = false;
  });
  return small;
}

/** True when a hash of these pairs (field, value, ...) is kept packed: Redis's listpack thresholds. */
export function hashFitsPacked(flat: readonly string[]): boolean {
  if (flat.length > 2 * ENCODINGS.hashMaxListpackEntries) return false;
  const most = ENCODINGS.hashMaxListpackValue;
  for (const text of flat) if (text.length > most) return false;
  return true;
}
