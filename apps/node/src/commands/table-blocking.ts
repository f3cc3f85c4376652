import * as blocking from './blocking';
import * as zsets from './blocking-zsets';
import { KEY_EVENTS } from './key-events';
import type { Entry, KeyPositions } from './table-entry';

/** Two keys, source and destination (of one shard: the handler checks). */
const TWO: KeyPositions = [1, 2, 1];
const NONE: KeyPositions = [0, 0, 0];
const W = ['write', 'denyoom'];

/**
 * The blocking list and sorted set commands' entries of the command table (table.ts places them), flags and
 * arities as Redis 7.0's: each handler is the non-blocking form; the waiting is ShardSet.block's
 * (shards/blocked.ts), by the `blocking` field. Their keys share one shard (CROSSSLOT otherwise).
 * They fire their non-blocking forms' events, at once or when served (`keyEvents`).
 */
export const BLOCKING_TABLE: readonly Entry[] = [
  { name: 'BLPOP', arity: -3, plan: 'one-key', keys: [1, -2, 1], handler: blocking.blpop, flags: ['write', 'noscript', 'blocking'], blocking: { timeout: -1, keys: 'all', takes: 'list', side: 'left', servedFor: blocking.servedFromKey }, keyEvents: KEY_EVENTS.blpop },
  { name: 'BRPOP', arity: -3, plan: 'one-key', keys: [1, -2, 1], handler: blocking.brpop, flags: ['write', 'noscript', 'blocking'], blocking: { timeout: -1, keys: 'all', takes: 'list', side: 'right', servedFor: blocking.servedFromKey }, keyEvents: KEY_EVENTS.brpop },
  { name: 'BRPOPLPUSH', arity: 4, plan: 'one-key', keys: TWO, handler: blocking.brpoplpush, flags: [...W, 'noscript', 'blocking'], blocking: { timeout: 3, keys: 'source', takes: 'list', side: 'none' }, keyEvents: KEY_EVENTS.rpoplpush },
  { name: 'BLMOVE', arity: 6, plan: 'one-key', keys: TWO, handler: blocking.blmove, flags: [...W, 'noscript', 'blocking'], blocking: { timeout: 5, keys: 'source', takes: 'list', side: 'none' }, keyEvents: KEY_EVENTS.lmove },
  { name: 'BLMPOP', arity: -5, plan: 'one-key', keys: NONE, numkeys: true, numkeysAt: 2, handler: blocking.blmpop, flags: ['write', 'blocking', 'movablekeys'], blocking: { timeout: 1, keys: 'numkeys', takes: 'list', side: 'arg', servedFor: blocking.mpopServedFromKey }, keyEvents: KEY_EVENTS.lmpop },
  { name: 'BZPOPMIN', arity: -3, plan: 'one-key', keys: [1, -2, 1], handler: zsets.bzpopmin, flags: ['write', 'noscript', 'blocking', 'fast'], blocking: { timeout: -1, keys: 'all', takes: 'zset', side: 'scores', servedFor: blocking.servedFromKey }, keyEvents: KEY_EVENTS.bzpopmin },
  { name: 'BZPOPMAX', arity: -3, plan: 'one-key', keys: [1, -2, 1], handler: zsets.bzpopmax, flags: ['write', 'noscript', 'blocking', 'fast'], blocking: { timeout: -1, keys: 'all', takes: 'zset', side: 'scores', servedFor: blocking.servedFromKey }, keyEvents: KEY_EVENTS.bzpopmax },
  { name: 'BZMPOP', arity: -5, plan: 'one-key', keys: NONE, numkeys: true, numkeysAt: 2, handler: zsets.bzmpop, flags: ['write', 'blocking', 'movablekeys'], blocking: { timeout: 1, keys: 'numkeys', takes: 'zset', side: 'scores', servedFor: blocking.mpopServedFromKey }, keyEvents: KEY_EVENTS.zmpop },
];
