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
