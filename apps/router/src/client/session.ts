import type * as net from 'node:net';
import { RESP_REPLIES, type ReplyEncoder } from '@kv/wire';
import type { ConnectionContext } from '../commands/context';
import type { PlanEnv } from '../coord/env';
import type { WorkerOperator } from '../operator/types';
import type { MonitorFeed } from '../monitor/feed';
import { ClientInfo } from './client-info';
import type { Flow } from './flow';
import type { ClientHost } from './host';
import type { Multi } from './multi';
import type { ClientPlans } from './plans';
import type { ClientReplies } from './replies';
import type { CommandTimer } from './timer';
import type { PubSubHub } from '../pubsub/hub';
import type { Subscriber } from '../pubsub/subscriber';
import type { ClientTracking } from '../tracking/client-tracking';

/**
 * A connection as its commands see it (ConnectionContext): its id, name and CLIENT INFO fields,
 * whether it has authenticated, the RESP protocol HELLO chose, and the parts a connection command
 * may use (its replies, its MULTI, its plans, the worker's owners and scripts).
 */
export class Session implements ConnectionContext {
  name = '';
  /** What CLIENT INFO and CLIENT LIST show beyond the name. */
  readonly info = new ClientInfo();
  /** The RESP protocol HELLO chose: RESP2 until HELLO 3. */
  resp: ReplyEncoder = RESP_REPLIES;
  /** No password is set, or this client gave it (a field: the dispatcher reads it for every command). */
  authenticated: boolean;
  /** Its subscriptions (set by its Conn): a RESP2 connection with any runs only the subscribe family, PING, QUIT and RESET. */
  subs!: Subscriber;
  /** CLIENT TRACKING's state while it is on (null: off, so a command pays one test). */
  tracking: ClientTracking | null = null;
  /** CLIENT REPLY OFF; SKIP (the next command's reply); whether the command being run is answered in silence. */
  replyOff = false;
  skipNext = false;
  quiet = false;

  constructor(
    readonly id: number,
    readonly socket: net.Socket,
    private readonly host: ClientHost,
    readonly reply: ClientReplies,
    readonly tx: Multi,
    readonly plans: ClientPlans,
    readonly env: PlanEnv,
    private readonly timer: CommandTimer,
    private readonly flow: Flow,
  ) {
    this.authenticated = !host.passwordRequired;
  }

  /** performance.now() when its latest command started; 0 before the first. */
  get started(): number {
    return this.timer.started;
  }

  /** The worker's Pub/Sub. */
  get pubsub(): PubSubHub {
    return this.host.pubsub;
  }

  /** RESET: authenticated again only if no password is needed. */
  deauthenticate(): void {
    this.authenticated = !this.host.passwordRequired;
  }

  get passwordRequired(): boolean {
    return this.host.passwordRequired;
  }

  get isAuthenticated(): boolean {
    return this.authenticated;
  }

  /** AUTH: true when the password is right (this connection may then run anything). */
  authenticate(password: string): boolean {
    if (!this.host.passwordMatches(password)) return false;
    this.authenticated = true;
    return true;
  }

  get trackers(): ClientHost['tracking'] {
    return this.host.tracking;
  }

  get monitor(): MonitorFeed {
    return this.host.monitor;
  }

  get operator(): WorkerOperator {
    return this.host.operator;
  }

  quit(): void {
    this.flow.closing = true;
  }
}
