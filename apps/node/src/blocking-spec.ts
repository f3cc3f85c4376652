/** Its timeout's argument index (negative: from the end); the keys it waits on: all but the timeout, the source, or a numkeys list. */
export interface BlockingSpec {
  readonly timeout: number;
  readonly keys: 'all' | 'source' | 'numkeys';
  /** The type a waited key must hold for the waiter to be served from it. */
  readonly takes: 'list' | 'zset';
  /** The end it pops from, to push an element back there (a reply its client left before reading): BLMPOP's argument; none for a move (the element is in the destination); `scores`: members and scores, added back (a sorted set). */
  readonly side: 'left' | 'right' | 'arg' | 'none' | 'scores';
}
