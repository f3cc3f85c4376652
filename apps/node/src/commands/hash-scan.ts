import { TREE, type Args } from '@kv/wire';
import { LruHash, type HashReader, type Lru } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import { upperArg } from './args';
import { compileGlob } from './glob';
import { readHash } from './hashes';
import { int64 } from './numbers';
import { parseCursor } from './scan';
import { hashIsSmall } from './encodings';
import { keyScanOptions } from './scan-options';

/** HRANDFIELD and HSCAN: a hash's fields at random, and walked by cursor (t_hash.c, db.c). */

/**
 * A negative count asks for that many fields with repeats; past this many the reply would be
 * built whole in memory (Redis streams it until the client's output limit), so it is refused as
 * out of range instead. Distinct fields (a positive count) are at most the hash's size anyway.
 */
export const MAX_RANDOM_REPLY = 1_000_000;
const LONG_MAX = 9223372036854775807n;

/**
 * HRANDFIELD key [count [WITHVALUES]]: one field (nil when no key), or `count` distinct fields
 * (the whole hash in order when count >= its size), or for a negative count that many picked
 * with repeats. WITHVALUES answers field, value, field, value ... as a flat array in RESP2 and as
 * [field, value] pairs in RESP3, as Redis 7. The count and option are checked before the key, as Redis.
 */
export function hrandfield(store: Lru, args: Args, reply: ReplySink): void {
  if (args.count === 2) {
    const hash = readHash(store, args, reply);
    if (hash === null) return;
    if (hash === undefined) return reply.nil();
    return reply.bulk(hash.fieldAt(hash.randomPosition()));
  }
  const count = int64(args.latin1(2));
  if (count === undefined) return reply.error(ERR.notInteger);
  if (count < -LONG_MAX) return reply.error(ERR.outOfRangeBetween);
  if (args.count > 4 || (args.count === 4 && upperArg(args, 3) !== 'WITHVALUES')) return reply.error(ERR.syntax);
  const withValues = args.count === 4;
  if (withValues && (count < -LONG_MAX / 2n || count > LONG_MAX / 2n)) return reply.error(ERR.outOfRange);
  const hash = readHash(store, args, reply);
  if (hash === null) return;
  if (hash === undefined || count === 0n) return reply.array([]);
  const out: string[] = [];
  if (count < 0n) {
    if (-count > BigInt(MAX_RANDOM_REPLY)) return reply.error(ERR.outOfRange);
    for (let n = Number(-count); n > 0; n--) pick(hash, hash.randomPosition(), withValues, out);
  } else if (count >= BigInt(hash.size)) {
    hash.appendTo(out, true, withValues);
  } else {
    // Distinct fields: a partial Fisher-Yates shuffle of the positions.
    const positions = hash.positions();
    const wanted = Number(count);
    for (let i = 0; i < wanted; i++) {
      const j = i + Math.floor(Math.random() * (positions.length - i));
      const at = positions[j];
      positions[j] = positions[i];
      pick(hash, at, withValues, out);
    }
  }
  if (!withValues) return reply.array(out);
  TREE.begin().pairs(out.length / 2);
  for (const text of out) TREE.bulk(text);
  reply.tree(TREE.buf, 0, TREE.length);
}

function pick(hash: HashReader, position: number, withValues: boolean, out: string[]): void {
  out.push(hash.fieldAt(position));
  if (withValues) out.push(hash.valueAt(position));
}

/**
 * Up to this many fields (hash-max-listpack-entries' default; encodings.ts has the setting), a
 * hash answers HSCAN whole with cursor 0 whatever the cursor and COUNT, as Redis answers a hash
 * in its small encoding.
 */
export const HSCAN_WHOLE = 128;

/**
 * HSCAN key cursor [MATCH pattern] [COUNT count]: [next cursor, [field, value, ...]]. The cursor
 * is checked first, then the key (no key: cursor 0 and nothing), then the options, as Redis.
 * A bigger hash is walked by insertion number (LruHash.scan), COUNT fields a call before MATCH
 * filters them, so a field present from the first call to the last is returned once.
 */
export function hscan(store: Lru, args: Args, reply: ReplySink): void {
  const cursor = parseCursor(args.latin1(2));
  if (cursor === undefined) return reply.error(ERR.invalidCursor);
  const hash = readHash(store, args, reply);
  if (hash === null) return;
  if (hash === undefined) return reply.cursor('0', []);
  const options = keyScanOptions(args, reply);
  if (options === null) return;
  const { count, match } = options;
  const out: string[] = [];
  let next = 0;
  // A packed hash is small by Redis's rules when it was last written (a listpack stays one until then).
  if (hash instanceof LruHash && !hashIsSmall(hash)) next = hash.scan(cursor, count, out);
  else hash.appendTo(out, true, true);
  if (match !== null) {
    const glob = compileGlob(match);
    if (!glob.matchAll) {
      let w = 0;
      for (let r = 0; r < out.length; r += 2) {
        if (!glob.matches(out[r])) continue;
        out[w++] = out[r];
        out[w++] = out[r + 1];
      }
      out.length = w;
    }
  }
  reply.cursor(String(next), out);
}

