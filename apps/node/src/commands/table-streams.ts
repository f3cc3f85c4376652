import { EVENTS } from './key-events';
import { xinfo } from './stream-info';
import { bwaitstream, xrange, xread, xreadBlocks, xreadKept, xreadServedFor, xreadWaitMs, xrevrange } from './stream-read';
import * as streams from './streams';
import type { Entry, KeyPositions } from './table-entry';

const ONE: KeyPositions = [1, 1, 1];
const NONE: KeyPositions = [0, 0, 0];

/**
 * The stream commands' entries of the command table (table.ts places them), flags and arities as
 * Redis 7.0's. XREAD's keys follow STREAMS (`keysAfter`) and share one shard (CROSSSLOT
 * otherwise); with BLOCK it waits as the blocking list commands do (its `blocking` field). XINFO
 * runs on its key's shard, argv[2]. The consumer group commands are here to answer that this
 * server has no consumer groups.
 */
export const STREAM_TABLE: readonly Entry[] = [
  { name: 'XADD', arity: -5, plan: 'one-key', keys: ONE, handler: streams.xadd, flags: ['write', 'denyoom', 'fast'], event: EVENTS.xadd },
  { name: 'XTRIM', arity: -4, plan: 'one-key', keys: ONE, handler: streams.xtrim, flags: ['write'], event: EVENTS.xtrim },
  { name: 'XDEL', arity: -3, plan: 'one-key', keys: ONE, handler: streams.xdel, flags: ['write', 'fast'], event: EVENTS.xdel },
  { name: 'XSETID', arity: -3, plan: 'one-key', keys: ONE, handler: streams.xsetid, flags: ['write', 'denyoom', 'fast'], event: EVENTS.xsetid },
  { name: 'XLEN', arity: 2, plan: 'one-key', keys: ONE, handler: streams.xlen, flags: ['readonly', 'fast'] },
  { name: 'XRANGE', arity: -4, plan: 'one-key', keys: ONE, handler: xrange, flags: ['readonly'] },
  { name: 'XREVRANGE', arity: -4, plan: 'one-key', keys: ONE, handler: xrevrange, flags: ['readonly'] },
  {
    name: 'XREAD',
    arity: -4,
    plan: 'one-key',
    keys: NONE,
    keysAfter: 'STREAMS',
    handler: xread,
    gathers: true,
    flags: ['readonly', 'blocking', 'movablekeys'],
    blocking: { timeout: 0, keys: 'streams', takes: 'stream', side: 'none', waitMs: xreadWaitMs, kept: xreadKept, servedFor: xreadServedFor, refusedInScript: xreadBlocks },
  },
  // XREAD BLOCK over streams of several workers: a watch on each owner (coord/gathered-wait.ts)
  { name: 'BWAITSTREAM', arity: -6, plan: 'internal', keys: NONE, keysAfter: 'STREAMS', handler: bwaitstream, flags: ['blocking'], blocking: { timeout: 0, keys: 'streams', takes: 'stream', side: 'none', waitMs: xreadWaitMs, kept: xreadKept, watch: true } },
  { name: 'XINFO', arity: -2, plan: 'one-key', keys: [2, 2, 1], handler: xinfo, flags: ['readonly'] },
  { name: 'XGROUP', arity: -2, plan: 'one-key', keys: NONE, handler: streams.noGroups, flags: ['write'] },
  { name: 'XREADGROUP', arity: -7, plan: 'one-key', keys: NONE, handler: streams.noGroups, flags: ['write', 'movablekeys'] },
  { name: 'XACK', arity: -4, plan: 'one-key', keys: ONE, handler: streams.noGroups, flags: ['write', 'fast'] },
  { name: 'XCLAIM', arity: -6, plan: 'one-key', keys: ONE, handler: streams.noGroups, flags: ['write', 'fast'] },
  { name: 'XAUTOCLAIM', arity: -6, plan: 'one-key', keys: ONE, handler: streams.noGroups, flags: ['write', 'fast'] },
  { name: 'XPENDING', arity: -3, plan: 'one-key', keys: ONE, handler: streams.noGroups, flags: ['readonly'] },
];
