/**
 * The kinds of push messages between workers (links/peers.ts `pushTo` and `onPush`; the frame is
 * @kv/wire's FrameKind.PUSH): each kind is a message that answers no request and gets no reply,
 * handled on the receiving worker by whoever registered it. A new kind (MONITOR's lines, ...) is
 * a new number here and one `onPush` where it is handled.
 */
export const PushKind = {
  /** A Pub/Sub message for this worker's subscribers: [channel, message] (a keyspace notification from the key's owner: pubsub/keyspace.ts). */
  MESSAGE: 1,
  /** MONITOR's lines of a peer's event-loop turn, for this worker's monitor clients: [lines] (monitor/feed.ts). */
  MONITOR: 2,
  /** A blocked command's client left: [request id] of the request it sent on this link, which no longer waits (shards/blocked.ts cancel). */
  UNBLOCK: 3,
  /** Client-side caching: a key a client of the receiving worker read changed: [reader id, writer id, key] (tracking/invalidator.ts). */
  INVALIDATE: 4,
  /** An invalidation for a REDIRECT's client on the receiving worker: [target id, tracking client's id, keys...] (none: FLUSHALL's null). */
  REDIRECTED: 5,
  /** A REDIRECT's client is gone: [tracking client's id], told `tracking-redir-broken`. */
  REDIR_BROKEN: 6,
  /** A BCAST prefix the sending worker's clients start (`+`) or stop (`-`) broadcasting: [op, prefix] (tracking/bcast.ts). */
  BCAST_PREFIX: 7,
  /** Keys written under a BCAST prefix in the sending worker's turn: [prefix, writer id, key, writer id, key ...]. */
  BCAST_KEYS: 8,
} as const;
