import type { ShardMap } from './primary/shard-map';
import type { TlsPem } from './tls';
import type { CommandRow, HistogramSnapshot } from '@kv/node';

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
  | { t: 'fatal'; message: string }
  /** Answer to the primary's liveness ping `seq`. */
  | { t: 'pong'; seq: number; clients: number }
  /** Answer to stats request `id`: this worker's figures now. */
  | { t: 'stats'; id: number; stats: WorkerStats }
  /** Request `id` (a resize's pause or move) is done; `error` when it failed. */
  | { t: 'done'; id: number; error?: string; keys?: number; bytes?: number };

export type PrimaryMessage =
  /** Peer socket path of every worker index; null while that worker is not listening. */
  | { t: 'peers'; paths: (string | null)[] }
  /** Client connection `id`, sent with its socket handle; `tls`: it came to --tls-port. */
  | { t: 'client'; id: number; tls: boolean }
  /** Sent once after fork with --tls-port: the certificate and key, so the key never sits in an environment (diagnostic reports copy it). */
  | { t: 'tls'; pem: TlsPem }
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
  /** Route by this shard map from now on; `maxclients` is this worker's new share. */
  | { t: 'map'; map: ShardMap; maxclients: number }
  /** Run what clients sent during the pause. */
  | { t: 'resume' }
  /** Hand shard `shard` over to worker `to` (while paused); answer `done`. */
  | { t: 'move'; id: number; shard: number; to: number; version: number }
  /** A resize removes this worker: answer what its clients sent, close them, and exit. */
  | { t: 'retire' };

/** One shard's figures, for the admin endpoint. */
export interface ShardStats {
  shard: number;
  keys: number;
  bytes: number;
  hits: number;
  misses: number;
  evictions: number;
  expirations: number;
}

/** One worker's figures, for the admin endpoint (counters since the worker started). */
export interface WorkerStats {
  pid: number;
  commands: number;
  commands_local: number;
  commands_forwarded: number;
  frames_forwarded: number;
  commands_served_for_peers: number;
  frames_served_for_peers: number;
  connected_clients: number;
  total_connections: number;
  /** AUTH attempts with a wrong password. */
  auth_failures: number;
  /** Clients turned away (maxclients, protected mode). */
  rejected_connections: number;
  /** Clients closed for leaving more than client-output-limit of replies unread. */
  client_output_limit_closed: number;
  rss_bytes: number;
  /** Calls and time by command and protocol, for those called at least once. */
  commandstats: CommandRow[];
  /** Time from the router starting each command to its reply being ready. */
  command_duration_seconds: HistogramSnapshot;
  /** Commands per request frame sent to other workers. */
  ipc_frame_commands: HistogramSnapshot;
  /** monitorEventLoopDelay since the worker started, less its 10 ms resolution, in seconds; count is the samples taken. */
  event_loop_delay: { count: number; min: number; mean: number; max: number; p50: number; p90: number; p99: number };
  shards: ShardStats[];
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
