import { KEY_EVENTS } from './key-events';
import * as moves from './key-moves';
import type { Entry, KeyPositions } from './table-entry';

/** Source and destination (of one shard: the handler checks, CROSSSLOT otherwise). */
const TWO: KeyPositions = [1, 2, 1];

/**
 * The key-space commands of issue 22's last part (table.ts places them): flags and arities as
 * Redis 7.0's.
 */
export const KEY_TABLE: readonly Entry[] = [
  { name: 'RENAME', arity: 3, plan: 'one-key', keys: TWO, handler: moves.rename, flags: ['write'], keyEvents: KEY_EVENTS.rename },
  { name: 'RENAMENX', arity: 3, plan: 'one-key', keys: TWO, handler: moves.renamenx, flags: ['write', 'fast'], keyEvents: KEY_EVENTS.rename },
  { name: 'COPY', arity: -3, plan: 'one-key', keys: TWO, handler: moves.copy, flags: ['write', 'denyoom'], keyEvents: KEY_EVENTS.copy, readsKey: true },
];
