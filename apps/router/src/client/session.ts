import type * as net from 'node:net';
import { RESP_REPLIES, type ReplyEncoder } from '@kv/wire';
import type { ConnectionContext } from '../commands/context';
import type { PlanEnv } from '../coord/env';
import { ClientInfo } from './client-info';
import type { Flow } from './flow';
import type { ClientHost } from './host';
import type { Multi } from './multi';
import type { ClientPlans } from './plans';
import type { ClientReplies } from './replies';
import type { CommandTimer } from './timer';

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

  configParams(): [string, string][] {
    return this.host.configParams();
  }

  quit(): void {
    this.flow.closing = true;
  }
}
