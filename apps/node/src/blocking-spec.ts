import type { Lru } from '@kv/lru';
import type { Args } from '@kv/wire';

/** Where an argument's error is answered (a ReplySink; named so here to keep this file free of reply.ts). */
type ErrorSink = { error(message: string): void };

/** Its timeout's argument index (negative: from the end); the keys it waits on: all but the timeout, the source, a numkeys list, or XREAD's STREAMS keys. */
export interface BlockingSpec {
  readonly timeout: number;
  readonly keys: 'all' | 'source' | 'numkeys' | 'streams';
  /** The type a waited key must hold for the waiter to be served from it. */
  readonly takes: 'list' | 'zset' | 'stream';
  /** The wait in ms when its timeout is an option (XREAD's BLOCK): -1 when it does not wait, undefined after answering an error. */
  readonly waitMs?: (args: Args, reply: ErrorSink) => number | undefined;
  /** The arguments it waits with, when they must be fixed now (XREAD's `$`: the last id at the time it blocks). */
  readonly kept?: (storeOf: (shard: number) => Lru | undefined, args: Args) => Args;
  /** The arguments it is served with when `key` woke it (XREAD: that stream alone, as Redis answers a woken reader; BLPOP: that key first). */
  readonly servedFor?: (args: Args, key: string) => Args;
  /** True when a script may not call it so (XREAD with BLOCK: Redis refuses it in a script). */
  readonly refusedInScript?: (args: Args) => boolean;
  /** The end it pops from, to push an element back there (a reply its client left before reading): BLMPOP's argument; none for a move (the element is in the destination); `scores`: members and scores, added back (a sorted set). */
  readonly side: 'left' | 'right' | 'arg' | 'none' | 'scores';
  /** A watch (BWAITLIST ...): served without taking anything, so the key's next waiters wait for the command it wakes (gather-run.ts). */
  readonly watch?: boolean;
}
