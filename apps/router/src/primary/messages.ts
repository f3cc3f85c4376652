import type { ListenerKind } from './listeners';
import type { ShardMap } from './shard-map';
import type { TlsPem } from '../client/tls';
import type { CommandRow } from '@kv/node';
import type { OptionChange } from '../config/params';
import type { OperatorAsk } from '../operator/types';

/** What the primary and its workers tell each other over the cluster channel (never commands). */

export type WorkerMessage =
  /** The worker's peer socket is listening. */
  | { t: 'peer-listening' }
  /** Linked to every peer: ready for clients. */
  | { t: 'ready' }
  /** Listening on a client port's socket (the first time: the ready line waits for every worker's). */
  | { t: 'listening'; kind: ListenerKind }
  /** Its clients now: on a change (coalesced) and every HEARTBEAT_MS (balance.ts). */
  | { t: 'clients'; clients: number }
  /** It listens on its spare copy of a client port's socket: send another (acceptor.ts). */
  | { t: 'relisten'; kind: ListenerKind }
  /** It accepts now, as `keep` asked. */
  | { t: 'kept'; epoch: number }
  /** It needs `want` more of maxclients' places (admission.ts). */
  | { t: 'admit'; want: number }
  /** It gives back `count` places it held unused (asked by `reclaim`, or holding too many). */
  | { t: 'returned'; count: number }
  /** Every client command it had read is answered and its client sockets are closed. */
  | { t: 'drained' }
  /** It cannot run (for example the client port is taken); the primary gives up. */
  | { t: 'fatal'; message: string }
  /** Answer to the primary's liveness ping `seq`. */
  | { t: 'pong'; seq: number; clients: number }
  /** Answer to stats request `id`: this worker's figures now. */
  | { t: 'stats'; id: number; stats: WorkerStats }
  /** Request `id` (a resize's pause or move) is done; `error` when it failed. */
  | { t: 'done'; id: number; error?: string; keys?: number; bytes?: number }
  /** A client's command needs the primary (CONFIG SET, REWRITE: `ask` id of this worker's choosing). */
  | { t: 'ask'; id: number; ask: OperatorAsk }
  /** Settings broadcast `id` are applied in this worker. */
  | { t: 'applied'; id: number };

export type PrimaryMessage =
  /** Peer socket path of every worker index; null while that worker is not listening. */
  | { t: 'peers'; paths: (string | null)[] }
  /** With a copy of a client port's listening socket as its handle: listen on it (this backlog) and accept, or keep it as the spare. */
  | { t: 'listen'; kind: ListenerKind; backlog: number }
  /**
   * Every worker's clients, which are live (reported within LIVE_MS), and
   * the keeper, the worker that never stops accepting (-1: none, so none stops); `epoch` orders it
   * against `keep`.
   */
  | { t: 'balance'; counts: number[]; live: boolean[]; keeper: number; epoch: number }
  /** Become the keeper: accept (listen again if paused), then answer `kept`. */
  | { t: 'keep'; epoch: number }
  /**
   * `count` more of maxclients' places for it (its ask); `full`: no more are free, refuse the
   * clients still waiting; `scarce`: none is left free, so give back each place as it frees up.
   */
  | { t: 'grant'; count: number; full: boolean; scarce: boolean }
  /** Give back the places held unused, and each as it frees up: another worker's client needs one. */
  | { t: 'reclaim' }
  /**
   * Sent once after fork with --tls-port: the certificate and key, so the key never sits in an
   * environment (diagnostic reports copy it), and the session ticket keys every worker shares (hex).
   */
  | { t: 'tls'; pem: TlsPem; ticketKeys: string }
  /**
   * Sent once right after fork, before any client: --requirepass ('' for none). Not in the
   * environment, which diagnostic reports copy; a worker serves no client before it has it.
   */
  | { t: 'password'; password: string }
  /** Stop reading clients, answer what was read, close clients, then report drained. */
  | { t: 'shutdown' }
  /** Every worker has drained: close peer links and exit. */
  | { t: 'exit' }
  /** Liveness check for the admin endpoint's /readyz, every 500 ms: answer with pong. */
  | { t: 'ping'; seq: number }
  /** The admin endpoint wants figures: answer with stats. */
  | { t: 'stats'; id: number }
  /**
   * A resize (scaling.ts): run no more client commands; answer `done` once nothing this worker
   * started is in flight and it is linked to workers 0 .. linkTo-1.
   */
  | { t: 'pause'; id: number; linkTo: number }
  /** Route by this shard map from now on. */
  | { t: 'map'; map: ShardMap }
  /** Run what clients sent during the pause; answer `done` once blocking commands may wait again. */
  | { t: 'resume'; id: number }
  /** Hand shard `shard` over to worker `to` (while paused); answer `done`. */
  | { t: 'move'; id: number; shard: number; to: number; version: number }
  /** A resize removes this worker: answer what its clients sent, close them, and exit. */
  | { t: 'retire' }
  /** The answer to this worker's ask `id`: done, or refused with Redis's error text. */
  | { t: 'answer'; id: number; error?: string }
  /** Apply these settings now (CONFIG SET, a reload), then say `applied` with `id`. */
  | { t: 'config'; id: number; change: OptionChange }
  /** The workers with MONITOR clients (primary/monitor-list.ts); answered `applied`. */
  | { t: 'monitors'; id: number; workers: number[] };

/** One shard's figures, for the admin endpoint: `shard` and each shard figure's /stats key (@kv/node's FIGURES). */
export type ShardStats = { shard: number } & Record<string, number>;

/**
 * One worker's figures, for the admin endpoint (counters since the worker started): `pid`, each
 * figure of @kv/node's FIGURES by its /stats key (`commandstats` the command rows), and per shard.
 */
export interface WorkerStats {
  pid: number;
  commandstats: CommandRow[];
  shards: ShardStats[];
  [figure: string]: unknown;
}

/** Environment the primary hands a forked worker. */
export const WORKER_ENV = {
  index: 'KV_WORKER_INDEX',
  /** The shard map (JSON): which shards this worker owns and where the others are. */
  map: 'KV_SHARD_MAP',
  peerPath: 'KV_PEER_PATH',
  config: 'KV_RUN_CONFIG',
  logLevel: 'KV_RUN_LOG_LEVEL',
} as const;
