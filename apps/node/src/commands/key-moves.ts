import { shardOf, type Args } from '@kv/wire';
import type { Lru } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import { integerArg, upperArg } from './args';
import { peekArg, readArg } from './keyarg';

/**
 * RENAME, RENAMENX and COPY (Redis 7.0's db.c), for a value of any kind: the store moves or copies
 * the entry whole (Lru.renameEntry, Lru.copyEntry), so a kind's own code is not involved. These
 * handlers run for keys of one shard (keys sharing a hash tag always are); keys of two shards run
 * as the router's plan over both owners (coord/key-move.ts, key-transfer.ts's steps), and reach
 * here only through a path that cannot hold both (then CROSSSLOT, before anything is read). RENAME carries the TTL; so does
 * COPY, as Redis's does. There is one database: COPY ... DB n answers Redis's error for a
 * database that does not exist unless n is 0.
 */

function oneShard(args: Args, reply: ReplySink): boolean {
  if (shardOf(args.buf, args.starts[1], args.ends[1]) === shardOf(args.buf, args.starts[2], args.ends[2])) return true;
  reply.error(ERR.crossShard);
  return false;
}

function sameKey(args: Args): boolean {
  return args.buf.compare(args.buf, args.starts[1], args.ends[1], args.starts[2], args.ends[2]) === 0;
}

export function rename(store: Lru, args: Args, reply: ReplySink): void {
  renameKey(store, args, reply, false);
}

export function renamenx(store: Lru, args: Args, reply: ReplySink): void {
  renameKey(store, args, reply, true);
}

/** RENAME / RENAMENX source destination: a missing source is an error; one renamed to itself changes nothing. */
function renameKey(store: Lru, args: Args, reply: ReplySink, nx: boolean): void {
  if (!oneShard(args, reply)) return;
  const source = peekArg(store, args, 1);
  if (source < 0) return reply.error(ERR.noSuchKey);
  if (sameKey(args) || (nx && peekArg(store, args, 2) >= 0)) return nx ? reply.integer(0) : reply.ok();
  if (store.renameEntry(source, args.buf, args.starts[2], args.ends[2]) < 0) return reply.error(ERR.oom);
  if (nx) reply.integer(1);
  else reply.ok();
}

/** COPY's options from argv[3] on ([DB 0] [REPLACE]): whether it replaces, or the error to answer. */
export function copyOptions(args: Args): boolean | string {
  let replace = false;
  for (let i = 3; i < args.count; i++) {
    const option = upperArg(args, i);
    if (option === 'REPLACE') replace = true;
    else if (option === 'DB' && i + 1 < args.count) {
      const db = integerArg(args, ++i);
      if (db === undefined) return ERR.notInteger;
      if (db < -0x80000000 || db > 0x7fffffff) return ERR.outOfIntRange;
      if (db !== 0) return ERR.dbOutOfRange;
    } else return ERR.syntax;
  }
  return replace;
}

/** COPY source destination [DB 0] [REPLACE]: 1 when copied; 0 for a missing source or (without REPLACE) an existing destination. */
export function copy(store: Lru, args: Args, reply: ReplySink): void {
  if (!oneShard(args, reply)) return;
  const replace = copyOptions(args);
  if (typeof replace === 'string') return reply.error(replace);
  if (sameKey(args)) return reply.error(ERR.sameObject);
  const source = readArg(store, args, 1);
  if (source < 0 || (!replace && peekArg(store, args, 2) >= 0)) return reply.integer(0);
  if (store.copyEntry(source, args.buf, args.starts[2], args.ends[2]) < 0) return reply.error(ERR.oom);
  reply.integer(1);
}
