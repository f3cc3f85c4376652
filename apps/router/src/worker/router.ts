import { createHash, timingSafeEqual } from 'node:crypto';
import * as net from 'node:net';
import { OutBuffer, SHARD_COUNT } from '@kv/wire';
import { CommandStats, SampledFigures, statsText, type ProcessStats, type ShardNode } from '@kv/node';
import { Conn } from '../client/conn';
import { log } from '../log';
import { READ_BUFFER_BYTES, readInto } from '../client/read-buffer';
import { protectedModeCheck, refuseFull } from './screen';
import { loopDelaySeconds, type EventLoopHistogram, type LoopDelay } from './loop-delay';
import { destroySocket, isWired, listenFor, setIdleTimeout, socketFor, wire } from './client-socket';
import type { Peers } from '../links/peers';
import { Coordinator } from '../coord/coordinator';
import { Owners } from '../coord/owners';
import type { Scripts } from '../coord/scripts';
import { Here } from '../coord/here';
import { shardsOwnedBy, type ShardMap } from '../primary/shard-map';
import type { ClientHost, ClientLike, RouterSettings } from '../client/host';
import { PubSubHub } from '../pubsub/hub';
import type { WorkerOperator } from '../operator/types';
import type { MonitorFeed } from '../monitor/feed';
import { CommandTiming } from '../operator/timing';
import { Conns, type Invalidator } from '../tracking/invalidator';

export type { RouterSettings };

/**
 * The connection side of a worker process: serves the clients it accepts, and routes
 * each command to the shard that owns its key.
 */
export class Router implements ClientHost {
  /** Shared scratch for replies; filled and emptied within one callback. */
  readonly out = new OutBuffer(64 * 1024);
  /** Where every plain client socket's reads land (see readInto): used within the read's callback only. */
  private readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  readonly conns = new Conns<Conn>();
  commands = 0;
  /** Clients turned away by maxclients. */
  refused = 0;
  /** Told of every client added or gone (the worker's admission and balance: worker/acceptor.ts). */
  onClientsChanged: (() => void) | null = null;
  /**
   * maxclients is the server's, so the worker process decides (worker/admission.ts): true serves the
   * client now; false means it waits for a place, then comes to `serve` or `refuse`.
   */
  admit: (socket: net.Socket) => boolean = () => true;
  /**
   * The listening socket carries TCP_NODELAY and keepalive, which accepted sockets inherit (the
   * primary sets them: primary/listeners.ts), so no client needs its own setsockopt calls.
   */
  socketOptionsInherited = false;
  /** Clients closed for leaving more than client-output-limit of replies unread. */
  outputLimitClosed = 0;
  /** Clients closed for an unfinished command past client-query-buffer-limit. */
  queryLimitClosed = 0;
  /** AUTH attempts with a wrong password. */
  authFailures = 0;
  /** Bytes read from and written to clients (receive counts what is read, Flow.write what it writes). */
  readonly net = { input: 0, output: 0 };
  /** Ops a second, the memory peak and avg_ttl, sampled every 100 ms by the worker process. */
  readonly sampled: SampledFigures;
  /** Commands timed for SLOWLOG and LATENCY (operator/timing.ts). */
  readonly timing: CommandTiming;
  /** Calls and latency by command and protocol (counted by Conn). */
  readonly commandStats = new CommandStats();
  private passwordDigest: Buffer | null;
  totalConnections = 0;
  /** The client port: --port, or the one the primary picked, once a client shows it (for INFO). */
  private clientPort: number;
  draining = false;
  /** This worker's k-th client gets id k * 16 + self + 1: ids are unique across the (at most 16) workers. */
  private nextConnId: number;
  /** Checks run whenever a client settles: the graceful stop's and a resize pause's. */
  private onSettled: (() => boolean)[] = [];
  private drained: Promise<void> | null = null;
  /** Who runs commands on each shard: this worker or a peer (the primary's shard map, copied). */
  readonly owners: Owners;
  /** Its clients' commands over several owners, as plans (their EVAL bodies shared with every worker). */
  readonly plans: Coordinator;
  /** What runs a transaction or script a peer sends whole (EXECHERE, EVALHERE), for the shards (ShardServices.here). */
  readonly here: Here;
  /** Its clients' subscriptions, and the delivery of messages to them. */
  readonly pubsub = new PubSubHub();
  /** Workers that take part in every-worker commands (DBSIZE, KEYS, INFO ...). */
  workers: number;
  mapVersion = 0;
  /** A resize moves a shard: client commands wait in their connections until resume(). */
  paused = false;

  constructor(
    readonly self: number,
    map: ShardMap,
    readonly node: ShardNode,
    readonly peers: Peers,
    readonly limits: RouterSettings,
    /** The worker's Lua engine and script cache (made first: its shards serve peers with it too). */
    readonly scripts: Scripts,
  ) {
    this.workers = map.workers;
    this.timing = new CommandTiming(self);
    this.sampled = new SampledFigures(node.shards);
    this.owners = new Owners(self, node, peers);
    this.plans = new Coordinator(this.owners, scripts, () => this.workers, true);
    this.here = new Here(this.owners, scripts, () => this.workers);
    this.applyMap(map);
    this.clientPort = limits.port;
    this.nextConnId = self + 1;
    this.passwordDigest = limits.requirepass ? digest(Buffer.from(limits.requirepass, 'utf8')) : null;
  }

  /** Routes by a new version of the shard map (the primary sends it while every router is paused). */
  applyMap(map: ShardMap): void {
    this.owners.map.set(map.owners);
    this.workers = map.workers;
    this.mapVersion = map.version;
    this.peers.workers = Math.max(map.workers, this.self + 1);
    const { dropped, adopted } = this.node.shards.reconcile(shardsOwnedBy(map.owners, this.self));
    if (dropped.length > 0 || adopted.length > 0) log('warn', 'shards made to match the map', { worker: this.self, map_version: map.version, dropped, adopted });
  }

  /**
   * A resize is about to move a shard: run no more client commands, and resolve once every
   * command already started is answered, so nothing is in flight anywhere once all routers are
   * paused. What clients send meanwhile waits, in order, in their connections.
   */
  pause(): Promise<void> {
    this.paused = true;
    this.node.shards.blocked.stop(); // blocked commands answered now: the pause waits for every reply
    return new Promise((resolve) => {
      const check = () => {
        if (!this.paused) return true;
        for (const conn of this.conns) if (conn.waiting) return false;
        // Also what clients that have since closed sent: it must not reach a shard mid-move.
        if (!this.peers.idle()) return false;
        resolve();
        return true;
      };
      if (!check()) this.onSettled.push(check);
    });
  }

  /** The shard map is current again: run what clients sent during the pause. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (!this.draining) this.node.shards.blocked.refusing = false;
    for (const conn of this.conns) conn.resumeInput();
  }

  /** The password ('' for none), sent by the primary over the cluster channel before any client. */
  setPassword(password: string): void {
    this.passwordDigest = password ? digest(Buffer.from(password, 'utf8')) : null;
  }

  get passwordRequired(): boolean {
    return this.passwordDigest !== null;
  }

  /** Compares in constant time (digests of equal length), so timing tells nothing of the password. */
  passwordMatches(given: string): boolean {
    if (this.passwordDigest === null) return false;
    // `given` is the client's raw bytes as a latin1 string; the configured password is compared by its UTF-8 bytes.
    const ok = timingSafeEqual(digest(Buffer.from(given, 'latin1')), this.passwordDigest);
    if (!ok) this.authFailures++;
    return ok;
  }

  /** A client connection this worker accepted (worker/acceptor.ts): screened, then admitted. */
  adopt(socket: net.Socket): void {
    // First of all: every path below may write to or end the socket, and a client can reset its
    // connection at any moment. Without a listener that error is an uncaught exception that kills
    // the worker and every client on it. (A plain socket has the acceptor's already: a second would make an array of two.)
    if (socket.listenerCount('error', destroySocket) === 0) socket.on('error', destroySocket);
    if (this.draining || socket.destroyed) return void socket.destroy();
    const screened = protectedModeCheck(socket, { protectedMode: this.limits.protectedMode, passwordSet: this.passwordRequired, host: this.limits.host });
    if (screened === 'denied') this.refused++;
    else if (screened === 'pass' && this.admit(socket)) this.serve(socket);
  }

  /** A socket for a client handle this worker accepted: reads land in the read buffer (client-socket.ts). */
  socketFor(handle: unknown): net.Socket {
    return socketFor(handle, this.readBuffer);
  }

  /** Serves an admitted client: a Conn over its socket. */
  serve(handed: net.Socket): void {
    let socket = handed;
    // It may have waited for a place: the server may be draining, the client gone.
    if (this.draining || socket.destroyed) return void socket.destroy();
    // Reads go straight into the worker's read buffer: a wired socket's to its Conn (client-socket.ts), another's re-wrapped.
    let conn: Conn | null = null;
    const wired = isWired(socket);
    const fresh = wired ? socket : readInto(socket, this.readBuffer, (bytes, buf) => this.receive(conn!, buf.subarray(0, bytes)));
    if (fresh !== null && fresh !== handed) {
      socket = fresh;
      socket.on('error', () => socket.destroy());
    }
    if (!this.socketOptionsInherited) {
      socket.setNoDelay(true);
      if (this.limits.tcpKeepalive > 0) socket.setKeepAlive(true, this.limits.tcpKeepalive * 1000);
    }
    if (this.limits.timeout > 0) setIdleTimeout(socket, this.limits.timeout);
    // A client that half-closes after its last command still gets every reply it is owed.
    socket.allowHalfOpen = true;
    conn = new Conn(socket, this, this.nextConnId);
    this.nextConnId += SHARD_COUNT;
    const client = conn;
    this.conns.add(client);
    this.onClientsChanged?.();
    this.totalConnections++;
    // With --port 0 the primary picked the port after this worker started: a client knows it.
    if (this.clientPort === 0) this.clientPort = socket.localPort ?? 0;
    if (wired) wire(socket, client);
    else if (fresh === null) socket.on('data', (chunk: Buffer) => this.receive(client, chunk));
    listenFor(socket, client);
    socket.resume();
  }

  /** A client's socket closed (Conn.socketClosed): it is gone from this worker. */
  clientGone(client: Conn): void {
    this.conns.delete(client);
    this.onClientsChanged?.();
    this.settled();
  }

  /** One client too many (worker/screen.ts). */
  refuse(socket: net.Socket): void {
    this.refused++;
    refuseFull(socket);
  }

  /**
   * Feeds a client's bytes to its connection (counted unless replayed); whatever goes wrong is that
   * client's alone. `out` holds its replies until the read is done: other clients' wait till then.
   */
  receive(conn: ClientLike, chunk: Buffer, replayed = false): void {
    if (!replayed) this.net.input += chunk.length;
    this.peers.deferFlushes();
    try {
      conn.onData(chunk);
    } catch (err) {
      this.out.clear();
      log('error', 'client dropped after an internal error', { worker: this.self, error: (err as Error).message });
      conn.socket.destroy();
    } finally {
      this.peers.endDeferFlushes();
    }
  }

  /** Commands run on this worker's own shards for its clients. */
  get local(): number { return this.owners.local; }

  /** Called when a client owes nothing more (or closed). */
  settled(): void {
    if (this.onSettled.length > 0) this.onSettled = this.onSettled.filter((check) => !check());
  }

  /**
   * Graceful stop: read nothing more, answer every command already read, then
   * close every client.
   */
  drain(): Promise<void> {
    if (this.drained !== null) return this.drained;
    // A shutdown ends a resize's pause: what clients sent during it is answered too.
    this.resume();
    this.draining = true;
    this.node.shards.blocked.stop();
    for (const conn of this.conns) conn.stopReading();
    this.drained = new Promise((resolve) => {
      const check = () => {
        for (const conn of this.conns) if (conn.waiting) return false;
        for (const conn of this.conns) conn.socket.end();
        resolve();
        return true;
      };
      if (!check()) this.onSettled.push(check);
    });
    return this.drained;
  }

  /** The settings as they stand and the way to the primary (worker/live-settings.ts; set by the worker process). */
  operator!: WorkerOperator;
  /** MONITOR's feed of this worker's commands (monitor/feed.ts; set by the worker process). */
  monitor!: MonitorFeed;
  tracking!: Invalidator;

  /** CONFIG RESETSTAT on this worker: its counters back to 0 (the shards reset theirs beside it). */
  resetStats(): void {
    this.commands = this.refused = this.outputLimitClosed = this.queryLimitClosed = this.authFailures = this.totalConnections = 0;
    this.net.input = this.net.output = 0;
    this.commandStats.reset();
  }

  /** This worker's state, which the figures table (@kv/node's FIGURES) reads for INFO. */
  processStats(): ProcessStats { return this; }

  /** The client port: --port, or the one the primary picked once a client showed it (0 until then). */
  get port(): number { return this.clientPort; }

  /** Event-loop delay since the worker started (set by the worker process; null in tests without one). */
  loopDelay: EventLoopHistogram | null = null;

  eventLoopDelay(): LoopDelay {
    return loopDelaySeconds(this.loopDelay);
  }

  /** STATS: the worker's identity, then every figure of the table. */
  statsText(): string {
    return statsText(this, this.node.shards, [
      ['worker', this.self],
      ['pid', process.pid],
      ['shards', this.node.shards.owned.join(',')],
    ]);
  }
}

/** SHA-256 of a password's bytes (the UTF-8 encoding of the configured one, the raw bytes a client sent). */
function digest(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest();
}
