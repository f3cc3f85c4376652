import { SHARD_COUNT, type Args } from '@kv/wire';
import type { Lru } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import type { WorkerShards } from '../types';
import { integerArg, upperArg } from './args';
import { compileGlob, type Glob } from './glob';

/**
 * KEYS and SCAN. Lists cross processes as one ARRAY reply (reply.array): KEYS
 * answers every key of this worker that matches, the router concatenates the workers' lists; SCAN
 * answers [next cursor, keys...] for one shard, the router walks the shards in order.
 *
 * SCAN's cursor is `shard * 2^32 + slot`: a position among one shard's LRU slots (Lru.scanSlots).
 * An entry never changes slot while it lives, so walking the shards 0..15, each from slot 0 to its
 * end, returns every key that existed throughout exactly once, whatever happens meanwhile.
 */

/** KEYS pattern: this worker's unexpired keys that match. */
export function keys(shards: WorkerShards, args: Args, reply: ReplySink): void {
  const glob = compileGlob(args.latin1(1));
  const out: string[] = [];
  const now = Date.now();
  for (const shard of shards.owned) {
    const from = out.length;
    shards.store(shard)!.scanSlots(0, Infinity, out, now);
    if (!glob.matchAll) keepMatching(out, from, glob);
  }
  reply.array(out);
}

const SHARD_SPAN = 2 ** 32;
/** Redis's default COUNT. */
const DEFAULT_COUNT = 10;

export interface ScanRequest {
  /** Shard the cursor points into; SHARD_COUNT or more: past the last one (the walk is over). */
  shard: number;
  /** Slot within the shard to go on from. */
  slot: number;
  count: number;
  /** MATCH pattern; null when absent (an empty pattern matches only the empty key). */
  match: string | null;
  /** TYPE filter, as given; null when absent. */
  type: string | null;
}

/** Parses `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]` as Redis does; a string is the error reply. */
export function parseScan(args: Args): ScanRequest | string {
  const at = cursorAt(args.latin1(1));
  if (at === undefined) return ERR.invalidCursor;
  const request: ScanRequest = { shard: at.shard, slot: at.slot, count: DEFAULT_COUNT, match: null, type: null };
  for (let i = 2; i < args.count; i += 2) {
    const option = upperArg(args, i);
    if (i + 1 >= args.count) return ERR.syntax;
    if (option === 'COUNT') {
      const count = countArg(args, i + 1);
      if (count === undefined) return ERR.notInteger;
      if (count < 1) return ERR.syntax;
      request.count = count;
    } else if (option === 'MATCH') {
      request.match = args.latin1(i + 1);
    } else if (option === 'TYPE') {
      request.type = args.latin1(i + 1);
    } else {
      return ERR.syntax;
    }
  }
  return request;
}

/**
 * The cursor as Redis's strtoul reads it: optional sign, decimal digits, nothing else; the empty
 * string is 0 and a negative number wraps around 2^64 (so it lies past every shard). Undefined
 * when it is not a cursor. Values past our cursor space come back as is: the walk is over.
 */
export function parseCursor(text: string): number | undefined {
  const m = /^([+-]?)(\d*)$/.exec(text);
  if (m === null || (m[2] === '' && m[1] !== '')) return undefined;
  if (m[2] === '') return 0;
  const n = BigInt(m[2]);
  if (n > 0xffff_ffff_ffff_ffffn) return undefined;
  if (m[1] === '-' && n !== 0n) return Number(2n ** 64n - n);
  return Number(n);
}

/** Where a cursor points: shard and slot; shard SHARD_COUNT for any cursor past the last shard. Undefined if invalid. */
export function cursorAt(text: string): { shard: number; slot: number } | undefined {
  const cursor = parseCursor(text);
  if (cursor === undefined) return undefined;
  if (cursor >= SHARD_COUNT * SHARD_SPAN) return { shard: SHARD_COUNT, slot: 0 };
  return { shard: Math.floor(cursor / SHARD_SPAN), slot: cursor % SHARD_SPAN };
}

/** COUNT's value: an int64 as Redis reads it (values past 2^53 are clamped; any count that big is the same). */
function countArg(args: Args, i: number): number | undefined {
  const n = integerArg(args, i);
  if (n !== undefined) return n;
  const text = args.latin1(i);
  if (!/^-?[1-9]\d{15,18}$/.test(text)) return undefined;
  const big = BigInt(text);
  if (big > 0x7fff_ffff_ffff_ffffn || big < -0x8000_0000_0000_0000n) return undefined;
  return big > 0n ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
}

/** The cursor that points at `slot` of `shard`, as the client sees it; "0" past the last shard. */
export function cursorText(shard: number, slot: number): string {
  return shard >= SHARD_COUNT ? '0' : String(shard * SHARD_SPAN + slot);
}

/**
 * SCAN on the one shard the cursor points into (this worker owns it: the router sends it here).
 * Replies [next cursor, keys...]; the next cursor is the next shard's start once this
 * shard is done, "0" after the last shard.
 */
export function scan(shards: WorkerShards, args: Args, reply: ReplySink): void {
  const request = parseScan(args);
  if (typeof request === 'string') return reply.error(request);
  if (request.shard >= SHARD_COUNT) return reply.array(['0']);
  const store = shards.store(request.shard);
  if (store === undefined) return reply.error(ERR.cursorNotOwned);
  const out = ['0'];
  const next = store.scanSlots(request.slot, request.count, out);
  if (request.match !== null) {
    const glob = compileGlob(request.match);
    if (!glob.matchAll) keepMatching(out, 1, glob);
  }
  // TYPE, after COUNT and MATCH as in Redis: the type name compared case-insensitively.
  if (request.type !== null) keepType(out, store, request.type.toLowerCase());
  out[0] = next === -1 ? cursorText(request.shard + 1, 0) : cursorText(request.shard, next);
  reply.array(out);
}

/** Drops from out[1..] the keys whose type (TYPE's name) is not `type`, keeping order. */
function keepType(out: string[], store: Lru, type: string): void {
  let w = 1;
  for (let r = 1; r < out.length; r++) {
    const slot = store.peekKey(out[r]);
    if (slot >= 0 && store.typeName(slot) === type) out[w++] = out[r];
  }
  out.length = w;
}

/** Drops from out[from..] the keys the pattern does not match, keeping order. */
function keepMatching(out: string[], from: number, glob: Glob): void {
  let w = from;
  for (let r = from; r < out.length; r++) if (glob.matches(out[r])) out[w++] = out[r];
  out.length = w;
}
