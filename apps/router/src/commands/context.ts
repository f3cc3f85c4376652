import type { Args, OutBuffer } from '@kv/wire';
import type { ReplySink } from '@kv/node';
import type { Multi } from '../client/multi';
import type { Plan } from '../coord/plan';
import type { ScriptClient } from '../coord/script';

/**
 * What a connection command's handler may use of the client connection that sent it: RESP
 * replies, and the connection's own state. Conn (../conn.ts) satisfies it; the handlers import
 * this instead of Conn, so they and conn.ts form no import cycle.
 */
export interface ConnectionContext extends ReplySink, ScriptClient {
  readonly id: number;
  /** CLIENT SETNAME / HELLO SETNAME; '' for none. */
  name: string;
  readonly passwordRequired: boolean;
  readonly isAuthenticated: boolean;
  /** True when the password is right; the connection may then run anything. */
  authenticate(password: string): boolean;
  /** The parameters CONFIG GET reports, by Redis's names. */
  configParams(): [string, string][];
  arrayHeader(n: number): void;
  /** Read nothing more; the connection closes once this read's replies are out. */
  quit(): void;
  /** The connection's MULTI: queued commands and WATCHed keys. */
  readonly tx: Multi;
  /** A plan just started for this client (or the error it was refused with): its next commands wait for a blocking one. */
  runBlocking(plan: Plan | string): void;
  /** Where the next reply goes. */
  target(): OutBuffer;
}

/** Answers one connection command (argv[0] is its name, arity already checked). */
export type ConnectionHandler = (conn: ConnectionContext, args: Args) => void;

/** A family's handlers by the upper-case name of their table entry (plan `connection`). */
export type ConnectionHandlers = ReadonlyMap<string, ConnectionHandler>;
