import { shardOf, shardOfString, type Args } from '@kv/wire';
import type { ProcessStats, StatsProvider } from '../commands/info';
import { routeKeyIndex } from '../commands/key-positions';
import type { CommandSpec, HereRunner, KeyspaceEvents, PubSubBroker, ReplySink, ScriptStore, ShardServices, SlowCommands, WorkerClients, WorkerShards } from '../types';
import { NOTIFY, runNotified, storeListener } from '../commands/key-events';
import { ERR } from '../errors';
import { WaitingLine } from './line';
import { BlockedClients, Intercept, type Waiter } from './blocked';
import { timeoutIndex, timeoutMs, waitedKeys } from '../commands/blocking';
import { Kind, type EvictionPolicy } from '@kv/lru';
import { runBlocked } from '../commands/gather-run';
import { ReplyGuards } from './once';
import { OwnedStores } from './stores';

/** An onError for ShardSet.run/defer: the failed command answers `ERR <message>` to its own sink. */
export function answerTo(sink: ReplySink): (err: Error) => void {
  return (err) => sink.error(ERR.threw(err.message));
}

/** A transaction holding this worker's shards: who asked, and the writes to apply on commit. */
interface Hold {
  txid: string;
  /** The peer link its coordinator sent it on (that link closing aborts it); -1 for this worker. */
  from: number;
  writes: [key: string, value: string][];
}

/**
 * The shards one worker owns (stores.ts) and the commands run on them: one reply each, whatever
 * the handler does. Only the owning process ever touches a shard, so nothing here needs a lock
 * between threads.
 *
 * A transaction spanning workers (MSET, MSETNX, MGET over several workers) holds every worker it
 * touches from its prepare to its commit: while held, everything else that would run on these
 * shards waits in `waiting`, in arrival order, so no one sees half of it (see ARCHITECTURE.md).
 */
export class ShardSet extends OwnedStores implements WorkerShards<ProcessStats> {
  private hold: Hold | null = null;
  private readonly goneLinks = new Set<number>();
  /** What waits behind the hold, bounded (line.ts). */
  readonly waiting = new WaitingLine();
  /** Writes a commit could not apply (Lru.set refused them); txprepare's check makes this 0. */
  droppedWrites = 0;
  /** Exactly one reply per command run here, whatever its handler does (once.ts). */
  private readonly guards: ReplyGuards;
  /** Waiting work is being run (release): a release inside it leaves the rest to that loop. */
  private releasing = false;
  readonly scripts: ScriptStore | null;
  private readonly hereOf: (() => HereRunner) | null;
  private readonly pubsubOf: (() => PubSubBroker) | null;
  /** Keyspace notifications (flags 0: off). */
  readonly keyspace: KeyspaceEvents | null;
  readonly processStats: StatsProvider | null;
  readonly clients: WorkerClients | null;
  readonly resetRouterStats: (() => void) | null;
  private readonly slowlogOf: (() => SlowCommands) | null;
  /** Told of a fault that must not happen (a bug): the worker logs it. */
  readonly onFault: (message: string, fields: Record<string, unknown>) => void;
  /** Called after waiting work ran on release, so the worker can flush the replies it produced. */
  private readonly onDrained: () => void;
  private readonly routedBy: () => number;
  /** Blocking commands waiting for a list, a sorted set or a stream on these shards (blocked.ts). */
  readonly blocked: BlockedClients;

  constructor(owned: readonly number[], maxmemory: number, policy: EvictionPolicy = 'allkeys-lru', services: ShardServices<ProcessStats> = {}) {
    super(owned, maxmemory, policy);
    this.onFault = services.fault ?? ((message, fields) => console.error(message, fields));
    this.onDrained = services.drained ?? (() => {});
    this.routedBy = services.mapVersion ?? (() => 0);
    this.scripts = services.scripts ?? null;
    this.hereOf = services.here ?? null;
    this.pubsubOf = services.pubsub ?? null;
    this.keyspace = services.keyspace ?? null;
    this.keyspaceFlagsChanged();
    this.processStats = services.processStats ?? null;
    this.clients = services.clients ?? null;
    this.resetRouterStats = services.resetRouterStats ?? null;
    this.slowlogOf = services.slowlog ?? null;
    this.guards = new ReplyGuards((message, fields) => this.onFault(message, fields));
    this.blocked = new BlockedClients({
      isBusy: () => this.busy,
      heldType: (shard, key) => {
        const store = this.stores[shard];
        const slot = store === undefined ? -1 : store.peekKey(key);
        return slot < 0 ? null : (TAKEN_TYPE[store!.kindAt(slot)] ?? null);
      },
      executeOn: (shard, spec, args, sink) => runBlocked(this, shard, spec, args, sink),
      flush: () => this.onDrained(),
    });
  }

  /**
   * A blocking command of a client that may wait (not inside MULTI or a script): answered at once
   * when a key holds a list (or an error), else kept: `later()` gives the sink its reply goes to
   * when a push, its timeout or a resize answers it. `from`/`id`: the peer link and request id
   * it came by (-1, 0: this worker's client). The Waiter, or null when answered now.
   */
  block(spec: CommandSpec, args: Args, now: ReplySink, later: () => ReplySink, from = -1, id = 0): Waiter | null {
    const k = routeKeyIndex(spec, args);
    const shard = shardOf(args.buf, args.starts[k], args.ends[k]);
    const blocked = this.blocked;
    // Clients blocked before it are served first from what this turn pushed (Redis serves them right after the push).
    blocked.catchUp();
    if (TRY.run(this.blocked.host, shard, spec, args, now)) return null;
    // A resize pause or a shutdown: nothing may wait (they wait for every reply), so it times out at once.
    const waitMs = spec.blocking!.waitMs;
    const ms = blocked.refusing ? -1 : waitMs !== undefined ? waitMs(args, now) : timeoutMs(args, timeoutIndex(spec, args.count), now);
    if (ms === undefined) return null;
    if (ms < 0) {
      now.nullArray();
      return null;
    }
    const keys = waitedKeys(spec, args).map((i) => args.latin1(i));
    const kept = spec.blocking!.kept;
    return blocked.add(shard, keys, spec, kept === undefined ? args : kept((s) => this.stores[s], args), later(), ms, from, id);
  }

  get slowlog(): SlowCommands | null {
    return this.slowlogOf === null ? null : this.slowlogOf();
  }

  get here(): HereRunner | null {
    return this.hereOf === null ? null : this.hereOf();
  }

  /** The store tells of new, expired and evicted keys only while those classes are on (call again when the flags change). */
  keyspaceFlagsChanged(): void {
    const flags = this.keyspace?.flags ?? 0;
    this.memory.keyEvents = flags & (NOTIFY.NEW | NOTIFY.EXPIRED | NOTIFY.EVICTED) ? storeListener(this.keyspace!) : null;
  }

  get pubsub(): PubSubBroker | null {
    return this.pubsubOf === null ? null : this.pubsubOf();
  }

  /** The shard map version this worker routes by (its router's): a hand-over checks it. */
  get mapVersion(): number {
    return this.routedBy();
  }

  protected get holding(): boolean {
    return this.hold !== null;
  }

  /** True while work must wait its turn: a transaction holds the shards, or others wait already. */
  get busy(): boolean {
    return this.hold !== null || this.waiting.length > 0;
  }

  /**
   * Runs `work` now, or when the transactions ahead of it are done. Deferred work that throws
   * (a bug) fails only its own command: `onError` answers it (see answerTo), and it is logged.
   */
  run(work: () => void, onError?: (err: Error) => void): void {
    if (this.busy) this.defer(work, onError);
    else work();
  }

  /** Work that must wait (the caller saw `busy`), always taken (internal work); `onError` as in run(). */
  defer(work: () => void, onError?: (err: Error) => void): void {
    this.waiting.push(this.contained(work, onError));
  }

  /**
   * A client's or a peer's command that must wait, keeping `bytes` of copied arguments: false,
   * nothing queued, when the line is at its bound (the caller answers LINE_FULL at once).
   */
  offer(work: () => void, bytes: number, onError?: (err: Error) => void): boolean {
    return this.waiting.offer(this.contained(work, onError), bytes);
  }

  /** `work` that fails only its own command when it throws (a bug): `onError` answers it, and it is logged. */
  private contained(work: () => void, onError?: (err: Error) => void): () => void {
    return () => {
      try {
        work();
      } catch (err) {
        this.onFault('deferred work failed', { error: (err as Error).message });
        if (onError === undefined) return;
        try {
          onError(err as Error);
        } catch (again) {
          this.onFault('answering a failed deferred command failed', { error: (again as Error).message });
        }
      }
    };
  }
  /** Called from within run(): the transaction now holds these shards until commit or abort. */
  holdFor(txid: string, from: number, writes: [string, string][]): void {
    this.hold = { txid, from, writes };
  }

  holds(txid: string): boolean {
    return this.hold !== null && this.hold.txid === txid;
  }

  /** Applies the held transaction's writes and lets waiting work run. False if it is not the holder. */
  commit(txid: string): boolean {
    const hold = this.hold;
    if (hold === null || hold.txid !== txid) return false;
    for (const [key, value] of hold.writes) {
      const lru = this.stores[shardOfString(key)];
      // txprepare checked that every write fits (writesFit), so this cannot fail; if it does
      // anyway, say so loudly rather than drop a key the client was told is stored.
      if (lru === undefined || lru.setStringKey(key, value) < 0) {
        this.droppedWrites++;
        this.onFault('a committed transaction write was not applied', { txid, key_bytes: key.length, value_bytes: value.length, owned: lru !== undefined });
      } else if (this.keyspace !== null && this.keyspace.flags !== 0) {
        const bytes = Buffer.from(key, 'latin1');
        this.keyspace.fire(NOTIFY.STRING, 'set', bytes, 0, bytes.length);
      }
    }
    this.release();
    return true;
  }

  abort(txid: string): boolean {
    if (this.hold === null || this.hold.txid !== txid) return false;
    this.release();
    return true;
  }

  /** The link a transaction came on is gone: it will never be committed. */
  abortFrom(link: number): void {
    // Remembered only while work waits in line: a prepare from this link among it must not hold.
    // Nothing more arrives on a closed link, so once the line is empty it is forgotten (release).
    this.goneLinks.add(link);
    if (this.blocked.count > 0) this.blocked.dropFrom(link);
    if (this.hold !== null && this.hold.from === link) this.release();
    else if (!this.busy) this.goneLinks.clear();
  }

  /** Replies dropped because their command had answered already (a bug, reported to onFault). */
  get extraReplies(): number {
    return this.guards.extra;
  }

  /** Closed links still remembered (for tests: it must not grow without bound). */
  get goneLinkCount(): number {
    return this.goneLinks.size;
  }

  /** True for a link that closed: a prepare from it still waiting in line must not hold anything. */
  isGone(link: number): boolean {
    return this.goneLinks.has(link);
  }

  private release(): void {
    this.hold = null;
    // Released inside waiting work running now (a transaction sent whole, run in its turn, held
    // and released): that work finishes first, then the loop below goes on.
    if (this.releasing) return;
    this.releasing = true;
    try {
      while (this.hold === null) {
        const work = this.waiting.next();
        if (work === null) break;
        // Each entry catches its own errors (contained) and answers its own client.
        work();
      }
    } finally {
      this.releasing = false;
    }
    // No prepare waits any more: what closed links said is no longer needed.
    if (this.waiting.length === 0 && this.hold === null) this.goneLinks.clear();
    if (this.blocked.count > 0) this.blocked.released();
    this.onDrained();
  }

  /** Runs a command whose key (argv[1], or a numkeys command's first: routeKeyIndex) is on one of these shards. */
  execute(spec: CommandSpec, args: Args, reply: ReplySink): void {
    const k = routeKeyIndex(spec, args);
    this.executeOn(shardOf(args.buf, args.starts[k], args.ends[k]), spec, args, reply);
  }

  /** Runs a command over all of this worker's shards (`from`: the peer link it came on, -1 for this worker's own): one reply, an error rather than a throw. */
  runWorkerCommand(spec: CommandSpec, args: Args, reply: ReplySink, from = -1): void {
    const guards = this.guards;
    const once = guards.arm(reply);
    try {
      spec.workerHandler!(this, args, once, from);
    } catch (err) {
      guards.threw(once, spec.name, err as Error);
    } finally {
      guards.done(once, spec.name);
    }
  }

  /** Runs a command on a shard the caller already hashed the key to: one reply, an error rather than a throw. */
  executeOn(shard: number, spec: CommandSpec, args: Args, reply: ReplySink): void {
    const store = this.stores[shard];
    if (store === undefined) {
      // A route computed from a stale worker count: answer rather than touch a shard we do not own.
      reply.error(ERR.notOwned);
      return;
    }
    const guards = this.guards;
    const once = guards.arm(reply);
    const keyspace = this.keyspace;
    try {
      if (keyspace !== null && keyspace.flags !== 0 && (spec.firstKey > 0 || spec.keyEvents !== undefined)) runNotified(store, spec, args, once, keyspace);
      else spec.handler!(store, args, once);
      if (this.client !== 0) this.trackRead(spec, args);
      // A write may make a list a blocked client waits for (one map lookup, only while some wait).
      if (spec.writes && this.blocked.count > 0) this.blocked.wrote(shard, spec, args);
    } catch (err) {
      // A bug or a limit hit in one command must not take the worker and every shard it owns down.
      guards.threw(once, spec.name, err as Error);
    } finally {
      guards.done(once, spec.name);
    }
  }

}

/** The store kinds a blocking command takes, as its `takes` names them. */
const TAKEN_TYPE: Partial<Record<Kind, 'list' | 'zset' | 'stream'>> = { [Kind.LIST]: 'list', [Kind.ZSET]: 'zset', [Kind.STREAM]: 'stream' };

/** A blocking command's first try (one, reused: a try runs no other try inside it). */
const TRY = new Intercept();
