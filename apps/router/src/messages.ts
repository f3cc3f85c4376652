/** What the primary and its workers tell each other over the cluster channel (never commands). */

export type WorkerMessage =
  /** The worker's peer socket is listening. */
  | { t: 'peer-listening' }
  /** Linked to every peer: ready for clients. */
  | { t: 'ready' }
  /** Took over client connection `id`: the primary closes its copy. */
  | { t: 'adopted'; id: number }
  /** Every client command it had read is answered and its client sockets are closed. */
  | { t: 'drained' }
  /** It cannot run (for example the client port is taken); the primary gives up. */
  | { t: 'fatal'; message: string };

export type PrimaryMessage =
  /** Peer socket path of every worker index; null while that worker is not listening. */
  | { t: 'peers'; paths: (string | null)[] }
  /** Client connection `id`, sent with its socket handle. */
  | { t: 'client'; id: number }
  /** Stop reading clients, answer what was read, close clients, then report drained. */
  | { t: 'shutdown' }
  /** Every worker has drained: close peer links and exit. */
  | { t: 'exit' };

/** Environment the primary hands a forked worker. */
export const WORKER_ENV = {
  index: 'KV_WORKER_INDEX',
  count: 'KV_WORKER_COUNT',
  peerPath: 'KV_PEER_PATH',
  config: 'KV_RUN_CONFIG',
} as const;
