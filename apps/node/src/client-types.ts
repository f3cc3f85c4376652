/** A worker's clients as its shards reach them (CLIENT LIST, KILL, UNBLOCK: commands/clients.ts); the router implements it. */

/** What CLIENT KILL's filters left to match ('' or 0: any), as Redis 7.0's clientKillCommand. */
export interface ClientFilter {
  id: number;
  addr: string;
  laddr: string;
  /** normal, pubsub (subscribed), or master / replica (none here). */
  type: string;
  /** The asking client, when SKIPME yes (the default of the filter form); 0: it may kill itself. */
  skip: number;
  /** The asking client: killed by its own filter, it is closed once its reply is out. */
  asker: number;
}

/** A worker's clients, as its router offers them to its shards. */
export interface WorkerClients {
  /** CLIENT LIST's lines: every client, those of `ids`, or those of `type` ('' for any). */
  list(ids: readonly number[] | null, type: string): string;
  /** Closes the clients `filter` matches; how many. */
  kill(filter: ClientFilter): number;
  /** Client `id`, if here and blocked, waits no more: answered as timed out, or with UNBLOCKED (`error`). 1 or 0. */
  unblock(id: number, error: boolean): number;
}
