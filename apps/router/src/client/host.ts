import type * as net from 'node:net';
import type { OutBuffer } from '@kv/wire';
import type { CommandStats } from '@kv/node';
import type { PlanEnv } from '../coord/env';
import type { Flushable } from '../links/types';
import type { OutputLimits } from '../pubsub/output-limit';
import type { PubSubHub } from '../pubsub/hub';
import type { WorkerOperator } from '../operator/types';
import type { CommandTiming } from '../operator/timing';
import type { MonitorFeed } from '../monitor/feed';
import type { Invalidator } from '../tracking/invalidator';

export interface RouterSettings {
  /** Times the primary restarted this worker index before this process (for STATS and INFO). */
  restarts: number;
  /** Serve only loopback clients when no password is set and the bind address is not loopback. */
  protectedMode: boolean;
  /** The cluster's maxclients, as configured (for CONFIG GET). */
  maxclientsTotal: number;
  /** Idle seconds before a client is closed; 0: never. */
  timeout: number;
  /** Milliseconds a Lua script may run, from its start, before it is stopped. */
  luaTimeLimit: number;
  /** Seconds between TCP keepalive probes; 0: off. */
  tcpKeepalive: number;
  /** Unread reply bytes past which a client is closed. */
  clientOutputLimit: number;
  /** Clients must AUTH with this first; empty: no password. */
  requirepass: string;
  /** Largest RESP bulk argument accepted (Redis's proto-max-bulk-len). */
  protoMaxBulkLen: number;
  /** Bytes one unfinished RESP command may hold (Redis's client-query-buffer-limit). */
  clientQueryBufferLimit: number;
  /** Longest text-protocol line accepted; longer ones are answered ERROR once. */
  textMaxLine: number;
  /** client-output-buffer-limit by class: pubsub's closes subscribers (one object, changed in place). */
  readonly outputLimits: { readonly pubsub: OutputLimits; readonly normal: OutputLimits; readonly replica: OutputLimits };
  /** notify-keyspace-events as Redis's bits (0: off). */
  notifyKeyspaceEvents: number;
  maxmemory: number;
  port: number;
  host: string;
}

/** A client connection as the worker's router feeds it. */
export interface ClientLike {
  readonly socket: net.Socket;
  onData(chunk: Buffer): void;
}

/**
 * What a client connection needs of the worker serving it (worker/router.ts implements it): the
 * shared output buffer, its plans (the owners of the shards, scripts), limits, auth and the figures it counts.
 */
export interface ClientHost {
  readonly self: number;
  /** Shared scratch for replies; filled and emptied within one callback. */
  readonly out: OutBuffer;
  readonly limits: RouterSettings;
  /** The worker's owners, scripts and workers, and how its clients' commands over several owners become plans. */
  readonly plans: PlanEnv;
  /** The worker's Pub/Sub: its clients' subscriptions. */
  readonly pubsub: PubSubHub;
  /** The worker's links: `blocked` counts those past their high-water mark of unsent bytes. */
  readonly peers: { markDirty(client: Flushable): void; readonly blocked: number };
  readonly commandStats: CommandStats;
  /** A resize moves a shard: no client command runs until it is over. */
  readonly paused: boolean;
  /** A graceful stop: read nothing more. */
  readonly draining: boolean;
  readonly passwordRequired: boolean;
  commands: number;
  queryLimitClosed: number;
  outputLimitClosed: number;
  /** Bytes read from and written to clients (Flow.write counts what it writes). */
  readonly net: { input: number; output: number };
  passwordMatches(given: string): boolean;
  /** The settings as they stand (CONFIG GET) and the way to the primary (CONFIG SET, REWRITE). */
  readonly operator: WorkerOperator;
  /** MONITOR: `active` while some worker has a monitor client. */
  readonly monitor: MonitorFeed;
  /** Client-side caching: this worker's tracking clients and their invalidations. */
  readonly tracking: Invalidator;
  /** Commands timed for SLOWLOG and LATENCY. */
  readonly timing: CommandTiming;
  statsText(): string;
  /** Feeds a client's bytes to it (counted as read unless `replayed`); whatever goes wrong is that client's alone. */
  receive(client: ClientLike, chunk: Buffer, replayed?: boolean): void;
  /** A client owes nothing more (or closed). */
  settled(): void;
  /** A client's socket closed: it is gone from this worker. */
  clientGone(client: ClientLike): void;
}
