import { EVENTS, KEY_EVENTS } from './key-events';
import type { Entry, KeyPositions } from './table-entry';
import * as algebra from './zset-algebra';
import * as pop from './zset-pop';
import * as ranges from './zset-ranges';
import * as zsets from './zsets';

const ONE: KeyPositions = [1, 1, 1];
/** ZRANGESTORE's destination and source (of one shard: the handler checks). */
const TWO: KeyPositions = [1, 2, 1];
const NONE: KeyPositions = [0, 0, 0];
const W = ['write', 'denyoom'];
const R = ['readonly', 'fast'];

/**
 * The sorted set commands' entries of the command table (table.ts places them): their flags and
 * arities as Redis 7.0's. Commands over several keys run on the shard of their first key (the
 * destination of a STORE form; the first counted key of a numkeys one) and answer CROSSSLOT for
 * keys of other shards.
 */
export const ZSET_TABLE: readonly Entry[] = [
  { name: 'ZADD', arity: -4, plan: 'one-key', keys: ONE, handler: zsets.zadd, flags: [...W, 'fast'], event: EVENTS.zadd },
  { name: 'ZINCRBY', arity: 4, plan: 'one-key', keys: ONE, handler: zsets.zincrby, flags: [...W, 'fast'], event: EVENTS.zincr },
  { name: 'ZREM', arity: -3, plan: 'one-key', keys: ONE, handler: zsets.zrem, flags: ['write', 'fast'], event: EVENTS.zrem },
  { name: 'ZCARD', arity: 2, plan: 'one-key', keys: ONE, handler: zsets.zcard, flags: R },
  { name: 'ZSCORE', arity: 3, plan: 'one-key', keys: ONE, handler: zsets.zscore, flags: R },
  { name: 'ZMSCORE', arity: -3, plan: 'one-key', keys: ONE, handler: zsets.zmscore, flags: R },
  { name: 'ZRANK', arity: 3, plan: 'one-key', keys: ONE, handler: zsets.zrank, flags: R },
  { name: 'ZREVRANK', arity: 3, plan: 'one-key', keys: ONE, handler: zsets.zrevrank, flags: R },
  { name: 'ZCOUNT', arity: 4, plan: 'one-key', keys: ONE, handler: ranges.zcount, flags: R },
  { name: 'ZLEXCOUNT', arity: 4, plan: 'one-key', keys: ONE, handler: ranges.zlexcount, flags: R },
  { name: 'ZRANGE', arity: -4, plan: 'one-key', keys: ONE, handler: ranges.zrange, flags: ['readonly'] },
  { name: 'ZREVRANGE', arity: -4, plan: 'one-key', keys: ONE, handler: ranges.zrevrange, flags: ['readonly'] },
  { name: 'ZRANGEBYSCORE', arity: -4, plan: 'one-key', keys: ONE, handler: ranges.zrangebyscore, flags: ['readonly'] },
  { name: 'ZREVRANGEBYSCORE', arity: -4, plan: 'one-key', keys: ONE, handler: ranges.zrevrangebyscore, flags: ['readonly'] },
  { name: 'ZRANGEBYLEX', arity: -4, plan: 'one-key', keys: ONE, handler: ranges.zrangebylex, flags: ['readonly'] },
  { name: 'ZREVRANGEBYLEX', arity: -4, plan: 'one-key', keys: ONE, handler: ranges.zrevrangebylex, flags: ['readonly'] },
  { name: 'ZPOPMIN', arity: -2, plan: 'one-key', keys: ONE, handler: zsets.zpopmin, flags: ['write', 'fast'], event: EVENTS.zpopmin },
  { name: 'ZPOPMAX', arity: -2, plan: 'one-key', keys: ONE, handler: zsets.zpopmax, flags: ['write', 'fast'], event: EVENTS.zpopmax },
  { name: 'ZREMRANGEBYRANK', arity: 4, plan: 'one-key', keys: ONE, handler: ranges.zremrangebyrank, flags: ['write'], event: EVENTS.zremrangebyrank },
  { name: 'ZREMRANGEBYSCORE', arity: 4, plan: 'one-key', keys: ONE, handler: ranges.zremrangebyscore, flags: ['write'], event: EVENTS.zremrangebyscore },
  { name: 'ZREMRANGEBYLEX', arity: 4, plan: 'one-key', keys: ONE, handler: ranges.zremrangebylex, flags: ['write'], event: EVENTS.zremrangebylex },
  { name: 'ZRANGESTORE', arity: -5, plan: 'one-key', keys: TWO, handler: ranges.zrangestore, flags: W, keyEvents: KEY_EVENTS.zrangestore, reads: [2, 2], gathers: true },
  { name: 'ZMPOP', arity: -4, plan: 'one-key', keys: NONE, numkeys: true, handler: pop.zmpop, flags: ['write', 'movablekeys'], keyEvents: KEY_EVENTS.zmpop, gathers: true },
  { name: 'ZRANDMEMBER', arity: -2, plan: 'one-key', keys: ONE, handler: pop.zrandmember, flags: ['readonly'] },
  { name: 'ZUNION', arity: -3, plan: 'one-key', keys: NONE, numkeys: true, handler: algebra.zunion, flags: ['readonly', 'movablekeys'], gathers: true },
  { name: 'ZINTER', arity: -3, plan: 'one-key', keys: NONE, numkeys: true, handler: algebra.zinter, flags: ['readonly', 'movablekeys'], gathers: true },
  { name: 'ZDIFF', arity: -3, plan: 'one-key', keys: NONE, numkeys: true, handler: algebra.zdiff, flags: ['readonly', 'movablekeys'], gathers: true },
  { name: 'ZINTERCARD', arity: -3, plan: 'one-key', keys: NONE, numkeys: true, handler: algebra.zintercard, flags: ['readonly', 'movablekeys'], gathers: true },
  { name: 'ZUNIONSTORE', arity: -4, plan: 'one-key', keys: ONE, handler: algebra.zunionstore, flags: [...W, 'movablekeys'], keyEvents: KEY_EVENTS.zunionstore, reads: { numkeysAt: 2 }, gathers: true },
  { name: 'ZINTERSTORE', arity: -4, plan: 'one-key', keys: ONE, handler: algebra.zinterstore, flags: [...W, 'movablekeys'], keyEvents: KEY_EVENTS.zinterstore, reads: { numkeysAt: 2 }, gathers: true },
  { name: 'ZDIFFSTORE', arity: -4, plan: 'one-key', keys: ONE, handler: algebra.zdiffstore, flags: [...W, 'movablekeys'], keyEvents: KEY_EVENTS.zdiffstore, reads: { numkeysAt: 2 }, gathers: true },
  { name: 'ZSCAN', arity: -3, plan: 'one-key', keys: ONE, handler: zsets.zscan, flags: ['readonly'] },
];
