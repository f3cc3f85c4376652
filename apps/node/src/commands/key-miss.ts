import type { KeyspaceEvents } from '../types';

/**
 * `keymiss` for a key a handler reads beyond its key positions (SORT's BY and GET keys), as
 * Redis's lookupKeyRead fires it: key-events.ts's runNotified gives the worker's notifications
 * (and the class bit) before each command runs; this file imports nothing of it (no cycle).
 */
export const MISSES = { events: null as KeyspaceEvents | null, bit: 0 };

/** The key (latin1) was missing. */
export function keyMissed(key: string): void {
  const events = MISSES.events;
  if (events === null || (events.flags & MISSES.bit) === 0) return;
  const bytes = Buffer.from(key, 'latin1');
  events.fire(MISSES.bit, 'keymiss', bytes, 0, bytes.length);
}
