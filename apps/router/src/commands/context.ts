import type { Args, ReplyEncoder } from '@kv/wire';
import type { ClientInfo } from '../client/client-info';
import type { Multi } from '../client/multi';
import type { ClientPlans } from '../client/plans';
import type { ClientReplies } from '../client/replies';
import type { PlanEnv } from '../coord/env';
import type { PubSubHub } from '../pubsub/hub';
import type { Subscriber } from '../pubsub/subscriber';
import type { WorkerOperator } from '../operator/types';
import type { MonitorFeed } from '../monitor/feed';
import type { ClientTracking } from '../tracking/client-tracking';
import type { Invalidator } from '../tracking/invalidator';

/**
 * What a connection command's handler may use of the client connection that sent it (client/
 * session.ts implements it): replies in the command's protocol, the connection's own state, its
 * MULTI, and its plans. The handlers import this instead of the client, so they and the client
 * form no import cycle.
 */
export interface ConnectionContext {
  readonly id: number;
  /** CLIENT SETNAME / HELLO SETNAME; '' for none. */
  name: string;
  readonly info: ClientInfo;
  readonly socket: { readonly remoteAddress?: string; readonly remotePort?: number; readonly localAddress?: string; readonly localPort?: number; readonly writableLength: number };
  /** performance.now() when its latest command started; 0 before the first. */
  readonly started: number;
  /** The connection's RESP protocol: RESP2 until HELLO 3 (HELLO sets it, and the reply's). */
  resp: ReplyEncoder;
  /** CLIENT REPLY OFF, and SKIP (the next command's reply is not sent). */
  replyOff: boolean;
  skipNext: boolean;
  /** Replies to the command being answered, in its protocol. */
  readonly reply: ClientReplies;
  readonly passwordRequired: boolean;
  readonly isAuthenticated: boolean;
  /** True when the password is right; the connection may then run anything. */
  authenticate(password: string): boolean;
  /** RESET: the connection must AUTH again if a password is set. */
  deauthenticate(): void;
  /** Its channels, patterns and shard channels. */
  readonly subs: Subscriber;
  /** The worker's Pub/Sub (subscriptions of all its clients). */
  readonly pubsub: PubSubHub;
  /** The worker's settings as they stand (CONFIG GET) and the way to the primary (CONFIG SET, REWRITE). */
  readonly operator: WorkerOperator;
  /** The worker's MONITOR feed (its monitor clients, and whether commands are fed). */
  readonly monitor: MonitorFeed;
  /** The connection's MULTI: queued commands and WATCHed keys. */
  readonly tx: Multi;
  /** Starts the plans of its commands over several owners (EXEC, WATCH, SCRIPT LOAD, CLIENT LIST ...). */
  readonly plans: ClientPlans;
  /** The worker's owners, scripts and workers, that plans run with. */
  readonly env: PlanEnv;
  /** CLIENT TRACKING's state while on; null while off. */
  tracking: ClientTracking | null;
  /** The worker's tracking clients and invalidations. */
  readonly trackers: Invalidator;
  /** Read nothing more; the connection closes once this read's replies are out. */
  quit(): void;
}

/** Answers one connection command (argv[0] is its name, arity already checked). */
export type ConnectionHandler = (conn: ConnectionContext, args: Args) => void;

/** A family's handlers by the upper-case name of their table entry (plan `connection`). */
export type ConnectionHandlers = ReadonlyMap<string, ConnectionHandler>;
