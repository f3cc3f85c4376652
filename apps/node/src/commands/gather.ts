import { shardOf, type Args } from '@kv/wire';
import type { ReplySink } from '../types';
import { ERR } from '../errors';

/**
 * A command over keys of several shards (the table's `gathers`: SMOVE, LMOVE, SINTERSTORE, ZUNION,
 * LMPOP, BITOP, LCS, XREAD ...) runs gathered (gather-run.ts, XRUN): every other shard's key is
 * copied into its first key's shard for the moment it runs. While it runs, the handlers' one-shard
 * checks pass (GATHERED); elsewhere keys of two shards answer CROSSSLOT (a script's undeclared key).
 */
export const GATHERED = { on: false };

type KeyArgs = Pick<Args, 'buf' | 'starts' | 'ends' | 'count'>;

/** True when the keys at first, first + step ... up to last are of one shard (or a gathered run has them all here); else CROSSSLOT was answered. */
export function keysTogether(args: KeyArgs, first: number, last: number, reply: ReplySink, step = 1): boolean {
  if (GATHERED.on || first >= args.count) return true;
  const shard = shardOf(args.buf, args.starts[first], args.ends[first]);
  for (let k = first + step; k <= last && k < args.count; k += step) {
    if (shardOf(args.buf, args.starts[k], args.ends[k]) !== shard) {
      reply.error(ERR.crossShard);
      return false;
    }
  }
  return true;
}
