import type { Args, OutBuffer, ReplyEncoder } from '@kv/wire';
import type { ReplySink } from '@kv/node';
import type { ClientInfo } from '../client/client-info';
import type { Multi } from '../client/multi';
import type { Plan } from '../coord/plan';
import type { ScriptClient } from '../coord/script';

/**
 * What a connection command's handler may use of the client connection that sent it: replies in
 * its protocol, and the connection's own state. Conn (../conn.ts) satisfies it; the handlers
 * import this instead of Conn, so they and conn.ts form no import cycle.
 */
export interface ConnectionContext extends ReplySink, ScriptClient {
  readonly id: number;
  /** CLIENT SETNAME / HELLO SETNAME; '' for none. */
  name: string;
  readonly info: ClientInfo;
  readonly socket: { readonly remoteAddress?: string; readonly remotePort?: number; readonly localAddress?: string; readonly localPort?: number; readonly writableLength: number };
  /** performance.now() when its latest command started; 0 before the first. */
  readonly started: number;
  /** The encoder of the command being answered (RESP2, RESP3 or text). */
  replies: ReplyEncoder;
  /** The RESP encoder of this connection: RESP2 until HELLO 3; HELLO sets it (and `replies`). */
  resp: ReplyEncoder;
  readonly passwordRequired: boolean;
  readonly isAuthenticated: boolean;
  /** Workers in the shard map (CLIENT LIST asks each). */
  readonly workers: number;
  /** True when the password is right; the connection may then run anything. */
  authenticate(password: string): boolean;
  /** The parameters CONFIG GET reports, by Redis's names. */
  configParams(): [string, string][];
  arrayHeader(n: number): void;
  /** Where the next reply goes (for aggregate headers and RESP3 types through `replies`). */
  target(): OutBuffer;
  /** Read nothing more; the connection closes once this read's replies are out. */
  quit(): void;
  /** The connection's MULTI: queued commands and WATCHed keys. */
  readonly tx: Multi;
  /** A plan just started for this client (or the error it was refused with): its next commands wait for a blocking one. */
  runBlocking(plan: Plan | string): void;
}

/** A map header in the connection's protocol: RESP3 `%pairs`, RESP2 `*2 x pairs`. */
export function mapHeader(conn: ConnectionContext, pairs: number): void {
  conn.replies.mapHeader(conn.target(), pairs);
}

/** A set header in the connection's protocol: RESP3 `~n`, RESP2 `*n`. */
export function setHeader(conn: ConnectionContext, n: number): void {
  conn.replies.setHeader(conn.target(), n);
}

/** Text for people (INFO, CLIENT LIST): RESP3 verbatim `=len txt:...`, RESP2 a bulk string. */
export function verbatim(conn: ConnectionContext, text: string): void {
  conn.replies.verbatim(conn.target(), text);
}

/** Answers one connection command (argv[0] is its name, arity already checked). */
export type ConnectionHandler = (conn: ConnectionContext, args: Args) => void;

/** A family's handlers by the upper-case name of their table entry (plan `connection`). */
export type ConnectionHandlers = ReadonlyMap<string, ConnectionHandler>;
