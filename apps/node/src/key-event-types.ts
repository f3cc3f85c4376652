/** Keyspace notifications' types (types.ts re-exports them); imports nothing, as types.ts. */

/**
 * What a write command fires on its key (a table field, `event`; commands/key-events.ts): its
 * class (a NOTIFY bit) and event name; `ttl` `'also'` adds Redis's `expire` when it set a new TTL
 * (SET EX, SETEX), `'only'` makes the event the TTL's (`expire` when it has one, else `persist`:
 * EXPIRE, GETEX, PERSIST).
 */
export interface KeyEvent {
  readonly type: number;
  readonly name: string;
  readonly ttl?: 'also' | 'only';
  /** The name instead when the command's leading options (from argv[2]) include INCR (ZADD INCR: `zincr`). */
  readonly incrName?: string;
  /** A second event after it when `fired()` says so (XADD that trimmed: `xtrim`). */
  readonly then?: { readonly type: number; readonly name: string; readonly fired: () => boolean };
}

/**
 * One of the notifications a command over several keys fires (CommandSpec.keyEvents), on the key
 * at argument `at` (or, `counted`, on each key a numkeys command counts), when that key changed.
 * Its type NOTIFY.NEW places the store's `new` for that key (by default it comes just before the
 * key's first event).
 */
export interface KeyEventAt {
  /** The key's argument index. */
  readonly at: number;
  /** Instead of `at`: the index this finds in the arguments, 0 for none (SORT's STORE destination). */
  readonly atOf?: (args: { readonly buf: Uint8Array; readonly starts: ArrayLike<number>; readonly ends: ArrayLike<number>; readonly count: number }) => number;
  /** Instead of `at`: each of a numkeys command's keys (ZMPOP, LMPOP). */
  readonly counted?: boolean;
  readonly type: number;
  /** The event's name, or how the arguments name it (`lastKey`: the last key's index): LMOVE's LEFT makes `lpop`. */
  readonly name: string | ((args: { latin1(i: number): string }, lastKey: number) => string);
  /** The generic event fired instead when the command left the key gone (a STORE's empty result: `del`). */
  readonly deleted?: string;
  /** When the command left the key gone, `del` follows the event (a pop that emptied it). */
  readonly thenDel?: boolean;
}

/**
 * Keyspace notifications as the shards see them (the router's pubsub/keyspace.ts): `flags` are
 * Redis's notify-keyspace-events bits (0: off, and nothing is measured); fire() publishes one
 * event on the key buf[start, end) to the subscribers of every worker.
 */
export interface KeyspaceEvents {
  /** Set by CONFIG SET notify-keyspace-events (then ShardSet.keyspaceFlagsChanged). */
  flags: number;
  fire(type: number, event: string, buf: Uint8Array, start: number, end: number): void;
}
