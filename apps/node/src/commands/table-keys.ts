import * as bits from './bits';
import * as bitfield from './bitfield';
import { EVENTS, KEY_EVENTS } from './key-events';
import * as info from './key-info';
import * as moves from './key-moves';
import * as gatherRun from './gather-run';
import * as transfer from './key-transfer';
import * as sorting from './sort';
import * as ranges from './string-ranges';
import type { Entry, KeyPositions } from './table-entry';

/** Source and destination (of one shard: the handler checks, CROSSSLOT otherwise). */
const TWO: KeyPositions = [1, 2, 1];
const ONE: KeyPositions = [1, 1, 1];
const NONE: KeyPositions = [0, 0, 0];

/**
 * The key-space commands of issue 22's last part (table.ts places them): flags and arities as
 * Redis 7.0's.
 */
export const KEY_TABLE: readonly Entry[] = [
  { name: 'RENAME', arity: 3, plan: 'one-key', keys: TWO, handler: moves.rename, flags: ['write'], keyEvents: KEY_EVENTS.rename, movesAcross: 'rename' },
  { name: 'RENAMENX', arity: 3, plan: 'one-key', keys: TWO, handler: moves.renamenx, flags: ['write', 'fast'], keyEvents: KEY_EVENTS.rename, movesAcross: 'renamenx' },
  { name: 'COPY', arity: -3, plan: 'one-key', keys: TWO, handler: moves.copy, flags: ['write', 'denyoom'], keyEvents: KEY_EVENTS.copy, reads: [1, 1], movesAcross: 'copy' },
  // RENAME and COPY over keys of two shards: their steps on each owner (key-transfer.ts, the router's coord/key-move.ts);
  // ENTRYLOAD writes (a client blocked on its key wakes)
  { name: 'ENTRYDUMP', arity: 2, plan: 'internal', keys: NONE, handler: transfer.entrydump, flags: [] },
  // COPY's: ENTRYDUMP as a read (Redis's lookupKeyRead), so a missing source fires `keymiss`
  { name: 'ENTRYREAD', arity: 2, plan: 'internal', keys: NONE, handler: transfer.entrydump, flags: [], keyEvents: [], reads: [1, 1] },
  { name: 'ENTRYLOAD', arity: -7, plan: 'internal', keys: NONE, handler: transfer.entryload, flags: ['write'], keyEvents: KEY_EVENTS.entryload },
  { name: 'ENTRYDROP', arity: 3, plan: 'internal', keys: NONE, handler: transfer.entrydrop, flags: [], keyEvents: KEY_EVENTS.entrydrop },
  // every worker's random key, one of them at random (nil only when every worker is empty)
  { name: 'RANDOMKEY', arity: 1, plan: 'each-worker', keys: NONE, combine: 'random', workerHandler: info.randomkey, flags: ['readonly'] },
  { name: 'EXPIRETIME', arity: 2, plan: 'one-key', keys: ONE, handler: info.expiretime, flags: ['readonly', 'fast'] },
  { name: 'PEXPIRETIME', arity: 2, plan: 'one-key', keys: ONE, handler: info.pexpiretime, flags: ['readonly', 'fast'] },
  // OBJECT (apps/router/src/commands/object.ts): HELP and the checks there, its step on the key's owner; from a script, coord/script-calls.ts objectCall
  { name: 'OBJECT', arity: -2, plan: 'connection', keys: NONE, flags: [], inScript: true },
  { name: 'OBJECTSTEP', arity: 3, plan: 'internal', keys: NONE, handler: info.objectStep, flags: [] },
  // strings by range and by bit (string-ranges.ts, bits.ts); LCS and BITOP over several shards run gathered
  { name: 'GETRANGE', arity: 4, plan: 'one-key', keys: ONE, handler: ranges.getrange, flags: ['readonly'] },
  { name: 'SUBSTR', arity: 4, plan: 'one-key', keys: ONE, handler: ranges.getrange, flags: ['readonly'] },
  { name: 'SETRANGE', arity: 4, plan: 'one-key', keys: ONE, handler: ranges.setrange, flags: ['write', 'denyoom'], event: EVENTS.setrange },
  { name: 'LCS', arity: -3, plan: 'one-key', keys: TWO, handler: ranges.lcs, flags: ['readonly'], keyEvents: [], reads: [1, 2], gathers: true },
  { name: 'SETBIT', arity: 4, plan: 'one-key', keys: ONE, handler: bits.setbit, flags: ['write', 'denyoom'], event: EVENTS.setbit },
  { name: 'GETBIT', arity: 3, plan: 'one-key', keys: ONE, handler: bits.getbit, flags: ['readonly', 'fast'] },
  { name: 'BITCOUNT', arity: -2, plan: 'one-key', keys: ONE, handler: bits.bitcount, flags: ['readonly'] },
  { name: 'BITPOS', arity: -3, plan: 'one-key', keys: ONE, handler: bits.bitpos, flags: ['readonly'] },
  { name: 'BITFIELD', arity: -2, plan: 'one-key', keys: ONE, handler: bitfield.bitfield, flags: ['write', 'denyoom'], event: EVENTS.setbit, readsKey: true },
  { name: 'BITFIELD_RO', arity: -2, plan: 'one-key', keys: ONE, handler: bitfield.bitfieldRo, flags: ['readonly', 'fast'] },
  // BITOP operation destkey key ...: runs on destkey's shard (its first key, argv[2])
  { name: 'BITOP', arity: -4, plan: 'one-key', keys: [2, -1, 1], handler: bits.bitop, flags: ['write', 'denyoom'], keyEvents: KEY_EVENTS.bitop, reads: [3, -1], gathers: true },
  // SORT's STORE destination is found as Redis's sortGetKeys does (`storeOption`); of another shard, run gathered. BY and GET patterns keep to the key's shard (sort.ts)
  { name: 'SORT', arity: -2, plan: 'one-key', keys: ONE, handler: sorting.sort, flags: ['write', 'denyoom', 'movablekeys'], keyEvents: KEY_EVENTS.sortstore, reads: [1, 1], storeOption: true, gathers: true },
  { name: 'SORT_RO', arity: -2, plan: 'one-key', keys: ONE, handler: sorting.sortRo, flags: ['readonly', 'movablekeys'] },
  // A command over keys of several shards (`gathers`), gathered (gather-run.ts, the router's coord/gathered.ts): the run on
  // its first key's shard, its changes written back to other workers' keys (ENTRYPUT, ENTRYGONE: no event, the run fired them), and
  // ENTRYDUMP for a read-only command (ENTRYPEEK: a tracking client's read remembered, no keymiss: the run fires it)
  { name: 'XRUN', arity: -4, plan: 'internal', keys: NONE, workerHandler: gatherRun.xrun, flags: [] },
  { name: 'ENTRYPUT', arity: -5, plan: 'internal', keys: NONE, handler: gatherRun.entryput, flags: ['write'] },
  { name: 'ENTRYGONE', arity: 2, plan: 'internal', keys: NONE, handler: gatherRun.entrygone, flags: ['write'] },
  { name: 'ENTRYPEEK', arity: 2, plan: 'internal', keys: ONE, handler: transfer.entrydump, flags: ['readonly'], keyEvents: [] },
  // A blocking command over keys of several workers waits on each owner with a watch (coord/gathered-wait.ts)
  { name: 'BWAITLIST', arity: -3, plan: 'internal', keys: NONE, handler: gatherRun.bwaitlist, flags: ['blocking'], blocking: { timeout: -1, keys: 'all', takes: 'list', side: 'none', watch: true } },
  { name: 'BWAITZSET', arity: -3, plan: 'internal', keys: NONE, handler: gatherRun.bwaitzset, flags: ['blocking'], blocking: { timeout: -1, keys: 'all', takes: 'zset', side: 'none', watch: true } },
];

export { useCommandLookup } from './gather-run';
