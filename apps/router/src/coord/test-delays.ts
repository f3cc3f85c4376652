/**
 * Delays only tests set (a worker's environment), to make a window of a blocking command over
 * several workers wide enough to hit on purpose; 0 (none) otherwise:
 * - KV_TEST_TRY_DELAY_MS: a blocking try (gathered.ts, `undoable`) waits this long before its XRUN
 *   and again after it (a client leaving then must get nothing popped);
 * - KV_TEST_WATCH_DELAY_MS: an XREAD BLOCK (gathered-wait.ts) waits this long after its empty try
 *   before arming its watches (an entry added then must still wake it).
 */
export const TRY_DELAY_MS = Number(process.env.KV_TEST_TRY_DELAY_MS) || 0;
export const WATCH_DELAY_MS = Number(process.env.KV_TEST_WATCH_DELAY_MS) || 0;
