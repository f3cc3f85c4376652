import { shardOf, type Args } from '@kv/wire';
import type { CommandSpec } from '../types';

/** What keysOf needs of a command: Redis's key positions (CommandSpec has them). */
export type KeyPositions = Pick<CommandSpec, 'firstKey' | 'lastKey' | 'step'> & { readonly numkeys?: boolean; readonly numkeysAt?: number; readonly keysAfter?: string };

/**
 * The argument indexes of a command's keys, by Redis's convention: from `firstKey` to `lastKey`
 * (negative: counted from the end, -1 being the last argument) every `step`; none when
 * `firstKey` is 0. Indexes past the arguments given are left out (argc counts the name).
 */
export function* keysOf(spec: KeyPositions, args: { readonly count: number }): Generator<number, void, undefined> {
  const argc = args.count;
  if (spec.firstKey <= 0 || spec.step <= 0) return;
  const last = spec.lastKey < 0 ? argc + spec.lastKey : spec.lastKey;
  for (let i = spec.firstKey; i <= last && i < argc; i += spec.step) yield i;
}

/** keysOf as an array. */
export function keyIndexes(spec: KeyPositions, args: { readonly count: number }): number[] {
  return [...keysOf(spec, args)];
}

/** The index of a command's last key for `argc` arguments (below firstKey: none), for loops that allocate nothing. */
export function lastKeyIndex(spec: KeyPositions, argc: number): number {
  if (spec.firstKey <= 0 || spec.step <= 0) return -1;
  return Math.min(spec.lastKey < 0 ? argc + spec.lastKey : spec.lastKey, argc - 1);
}

/** A numkeys command's key count (argv[at]: 1, or BLMPOP's 2) when it is one (1 or more, with that many keys given); else 0. */
function keyCount(args: { readonly buf: Uint8Array; readonly starts: ArrayLike<number>; readonly ends: ArrayLike<number>; readonly count: number }, at = 1): number {
  let n = 0;
  if (at >= args.count) return 0;
  const end = args.ends[at];
  for (let i = args.starts[at]; i < end; i++) {
    const d = args.buf[i] - 0x30;
    if (d < 0 || d > 9 || n > 1e6) return 0;
    n = n * 10 + d;
  }
  return n >= 1 && n <= args.count - 1 - at ? n : 0;
}

type KeyArgs = { readonly buf: Uint8Array; readonly starts: ArrayLike<number>; readonly ends: ArrayLike<number>; readonly count: number };

/**
 * The argument index a one-key command runs by (its key's shard): its first key (argv[1], or
 * BITOP's argv[2]), or for a numkeys command its first key, 2 (with a bad count, 1: its handler answers the error wherever it runs).
 */
export function routeKeyIndex(spec: KeyPositions, args: KeyArgs): number {
  if (spec.keysAfter !== undefined) {
    const at = keywordAt(spec.keysAfter, args);
    return at > 0 ? at + 1 : 1;
  }
  // A key past argv[1] (XINFO STREAM key, BITOP's first key after its operation): with too few arguments (XINFO HELP), argv[1] (its handler answers).
  if (spec.numkeys !== true) return spec.firstKey > 1 && spec.firstKey < args.count ? spec.firstKey : 1;
  const at = spec.numkeysAt ?? 1;
  return keyCount(args, at) > 0 ? at + 1 : at;
}

/**
 * Where a command's keys are, numkeys commands' included: keys at first, first + step ... up to
 * last (a loop with nothing to allocate); none when first is 0 or past last. A numkeys command
 * with a bad count names argv[1].
 */
export function keySpan(spec: KeyPositions, args: KeyArgs): { first: number; last: number; step: number } {
  if (spec.keysAfter !== undefined) {
    // Unbalanced or without its keyword: argv[1], as a bad count (its handler answers the error).
    const at = keywordAt(spec.keysAfter, args);
    SPAN.first = at > 0 ? at + 1 : 1;
    SPAN.last = at > 0 ? at + (args.count - at - 1) / 2 : 1;
    SPAN.step = 1;
  } else if (spec.numkeys === true) {
    // A bad count: argv[1], the argument it runs by (routeKeyIndex), so a MULTI holds its worker and it answers Redis's error there.
    const at = spec.numkeysAt ?? 1;
    const n = keyCount(args, at);
    SPAN.first = n > 0 ? at + 1 : at;
    SPAN.last = n > 0 ? at + n : at;
    SPAN.step = 1;
  } else {
    SPAN.first = spec.firstKey;
    SPAN.last = lastKeyIndex(spec, args.count);
    SPAN.step = spec.step;
  }
  return SPAN;
}

/**
 * The index of the keyword its keys follow (the first from argv[1], in any case), when the
 * arguments after it are an even count of at least 2; else 0.
 */
function keywordAt(keyword: string, args: KeyArgs): number {
  const { buf, starts, ends } = args;
  for (let i = 1; i < args.count; i++) {
    if (ends[i] - starts[i] !== keyword.length) continue;
    let same = true;
    for (let j = 0; j < keyword.length && same; j++) same = (buf[starts[i] + j] & 0xdf) === keyword.charCodeAt(j);
    if (!same) continue;
    const rest = args.count - i - 1;
    return rest >= 2 && rest % 2 === 0 ? i : 0;
  }
  return 0;
}

/** keySpan's answer: one object, reused (read it at once). */
const SPAN = { first: 0, last: -1, step: 1 };

/**
 * True for RENAME or COPY (`movesAcross`) over keys of two shards: a plan over both owners runs it
 * (the router's coord/key-move.ts); or for a gathering command over keys of several (coord/gathered.ts),
 * a blocking one too when it will not wait (`unblocked`: in MULTI/EXEC or a script).
 */
export function movesAcross(spec: CommandSpec, args: KeyArgs, unblocked = false): boolean {
  if (spec.gathers === true || (unblocked && spec.blocking !== undefined)) return gathersAcross(spec, args, unblocked);
  return spec.movesAcross !== undefined && args.count > 2 && shardOf(args.buf, args.starts[1], args.ends[1]) !== shardOf(args.buf, args.starts[2], args.ends[2]);
}

/** The argument indexes of every key a gathering command touches, its key positions and the keys it reads (ZUNIONSTORE's sources), first key first. */
export function gatheredKeys(spec: CommandSpec, args: KeyArgs): number[] {
  const out: number[] = [];
  const { first, last, step } = keySpan(spec, args);
  for (let k = first; k > 0 && k <= last && k < args.count; k += step) out.push(k);
  const store = spec.storeOption === true ? sortStoreAt(args) : 0;
  if (store > 0 && !out.includes(store)) out.push(store);
  const reads = spec.reads;
  if (reads !== undefined && 'numkeysAt' in reads) {
    const n = countAt(args, reads.numkeysAt);
    for (let k = reads.numkeysAt + 1; k <= reads.numkeysAt + n; k++) if (!out.includes(k)) out.push(k);
  }
  return out;
}

/** The count at argument `at` when it is one with that many arguments after it; else 0. */
function countAt(args: KeyArgs, at: number): number {
  if (at >= args.count) return 0;
  let n = 0;
  for (let i = args.starts[at]; i < args.ends[at]; i++) {
    const d = args.buf[i] - 0x30;
    if (d < 0 || d > 9 || n > 1e6) return 0;
    n = n * 10 + d;
  }
  return n <= args.count - 1 - at ? n : 0;
}

/**
 * True for a gathering command (the table's `gathers`) whose keys are of more than one shard, and
 * that will not wait (XREAD without BLOCK; any blocking one when `unblocked`: in MULTI/EXEC or a script).
 */
export function gathersAcross(spec: CommandSpec, args: KeyArgs, unblocked = false): boolean {
  const blocking = spec.blocking;
  if (!unblocked && blocking !== undefined && (blocking.refusedInScript === undefined || blocking.refusedInScript(args as Args))) return false;
  // Nothing allocated: a same-shard command pays one hash of each key here.
  const { first, last, step } = keySpan(spec, args);
  if (first <= 0 || first >= args.count) return false;
  const shard = shardOf(args.buf, args.starts[first], args.ends[first]);
  for (let k = first + step; k <= last && k < args.count; k += step) if (shardOf(args.buf, args.starts[k], args.ends[k]) !== shard) return true;
  const store = spec.storeOption === true ? sortStoreAt(args) : 0;
  if (store > 0 && shardOf(args.buf, args.starts[store], args.ends[store]) !== shard) return true;
  const reads = spec.reads;
  if (reads === undefined || !('numkeysAt' in reads)) return false;
  const n = countAt(args, reads.numkeysAt);
  for (let k = reads.numkeysAt + 1; k <= reads.numkeysAt + n; k++) if (shardOf(args.buf, args.starts[k], args.ends[k]) !== shard) return true;
  return false;
}

/**
 * SORT's destination: the argument after its last STORE, skipping LIMIT's two and BY's and GET's
 * one, as Redis's sortGetKeys (0: none).
 */
export function sortStoreAt(args: KeyArgs): number {
  let at = 0;
  for (let i = 2; i < args.count; i++) {
    if (isWord(args, i, 'LIMIT')) i += 2;
    else if (isWord(args, i, 'GET') || isWord(args, i, 'BY')) i += 1;
    else if (isWord(args, i, 'STORE') && i + 1 < args.count) at = i + 1;
  }
  return at;
}

/** True when argument i is `word` (upper case) in any case. */
function isWord(args: KeyArgs, i: number, word: string): boolean {
  const start = args.starts[i];
  if (args.ends[i] - start !== word.length) return false;
  for (let j = 0; j < word.length; j++) if ((args.buf[start + j] & 0xdf) !== word.charCodeAt(j)) return false;
  return true;
}
