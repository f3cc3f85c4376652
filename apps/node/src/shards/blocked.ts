import { copyArgs, shardOfString, type Args, type Items } from '@kv/wire';
import type { ReplySink } from '../reply';
import type { BlockingSpec } from '../blocking-spec';
import type { CommandSpec } from '../types';
import { keySpan, type KeyPositions } from '../commands/key-positions';

/** What the registry needs of the shards it serves (ShardSet). */
export interface BlockHost {
  /** A transaction holds the shards: serving waits for its release. */
  isBusy(): boolean;
  /** The type of value the key holds now as a blocking command names what it takes (a list for BLPOP, a sorted set for BZPOPMIN), or null (none, or one no waiter takes). */
  heldType(shard: number, key: string): BlockingSpec['takes'] | null;
  /** Runs the waiter's command, its non-blocking form, on its shard (its keys of other shards of this worker gathered there: gather-run.ts runBlocked): one reply to `sink`. */
  executeOn(shard: number, spec: CommandSpec, args: Args, sink: ReplySink): void;
  /** Replies were made outside a read of a link or a client: send them. */
  flush(): void;
}

/** A request kept until one of its keys holds what it takes (a list, a sorted set), its timeout, or its client leaves. */
export class Waiter {
  timer: NodeJS.Timeout | null = null;
  done = false;
  /** A watch answered (BWAITLIST ...): it stays first in its keys' lines, so they wait for the command it woke, until dropped. */
  fired = false;
  constructor(
    readonly shard: number,
    readonly keys: readonly string[],
    readonly spec: CommandSpec,
    readonly args: Args,
    readonly sink: ReplySink,
    /** The peer link the request came on (-1: this worker's client) and its id there, for a cancel. */
    readonly from: number,
    readonly id: number,
  ) {}
}

/**
 * The requests blocked on this worker's keys (BLPOP ..., see ARCHITECTURE.md "A blocked
 * command"): by key, first blocked first served, as Redis's. A write on a shard that has waiters
 * marks it and the waited keys it names; once per event-loop turn (setImmediate), and only while
 * no transaction holds the shards, each such key in the order written, then each other waited key
 * of a marked shard, that holds a list serves its waiters in order until it is empty. A waiter costs its copied arguments, one entry per key and one timer when its
 * timeout is not 0: nothing runs for it while it waits.
 */
export class BlockedClients {
  private readonly byKey = new Map<string, Waiter[]>();
  /** The waited keys of each shard that has any. */
  private readonly byShard = new Map<number, Set<string>>();
  /** Shards written since the last serve that have waiters. */
  private readonly marked = new Set<number>();
  /** Waited keys a write named since the last serve, in the order written (Redis's ready_keys): served first, in that order. */
  private readonly ready = new Set<string>();
  private scheduled = false;
  /** Requests waiting now. */
  count = 0;
  /** Requests answered by a push (served), by a timeout, and dropped (their client left). */
  served = 0;
  timedOut = 0;
  dropped = 0;
  /** While a resize pauses or the worker drains, nothing blocks: answered at once as timed out. */
  refusing = false;

  constructor(readonly host: BlockHost) {}

  /** Keeps a request that found its keys empty: its reply later goes to `sink` (a timeout answers `timedOut`). */
  add(shard: number, keys: readonly string[], spec: CommandSpec, args: Args, sink: ReplySink, timeoutMs: number, from: number, id: number): Waiter {
    const waiter = new Waiter(shard, keys, spec, copyArgs(args), sink, from, id);
    for (const key of keys) {
      const line = this.byKey.get(key);
      if (line === undefined) this.byKey.set(key, [waiter]);
      else line.push(waiter);
      let set = this.byShard.get(shardOfString(key));
      if (set === undefined) this.byShard.set(shardOfString(key), (set = new Set()));
      set.add(key);
    }
    this.count++;
    if (timeoutMs > 0) {
      waiter.timer = setTimeout(() => {
        this.timedOut++;
        this.answerEmpty(waiter);
        this.host.flush();
      }, timeoutMs);
    }
    return waiter;
  }

  /**
   * A write ran on `shard`: serve its waiters in this turn's serve, if it has any; the waited keys
   * the command names (`spec`'s key positions in `args`) are ready in the order written, so a
   * client blocked on several is served from the key written first, as Redis's.
   */
  wrote(shard: number, spec?: KeyPositions, args?: Args): void {
    const waited = this.byShard.get(shard);
    if (waited === undefined) return;
    if (spec !== undefined && args !== undefined) {
      const { first, last, step } = keySpan(spec, args);
      for (let k = first; k > 0 && k <= last && k < args.count; k += step) {
        // Few waited keys: a string only for a key as long as one of them; many: one lookup.
        if (waited.size > 8) {
          const key = args.latin1(k);
          if (waited.has(key)) this.ready.add(key);
          continue;
        }
        const length = args.ends[k] - args.starts[k];
        let named: string | null = null;
        for (const key of waited) if (key.length === length && (named ??= args.latin1(k)) === key) this.ready.add(key);
      }
    }
    this.marked.add(shard);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.serveMarked);
  }

  /** The shards were released (a transaction ended): serve what was marked meanwhile. */
  released(): void {
    if (this.marked.size > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.serveMarked);
    }
  }

  /** Serves what this turn's writes marked now, if nothing holds the shards (a new blocking command comes after them). */
  catchUp(): void {
    if (this.marked.size > 0 && !this.host.isBusy()) this.serveMarked();
  }

  private readonly serveMarked = (): void => {
    this.scheduled = false;
    if (this.host.isBusy()) return; // release() calls released()
    // Serving pushes too (BLMOVE's destination), marking more: go on until nothing is marked.
    for (let rounds = 0; this.marked.size > 0 && rounds < 1000; rounds++) {
      const ready = [...this.ready];
      this.ready.clear();
      const shards = [...this.marked];
      this.marked.clear();
      for (const key of ready) this.serveKey(shardOfString(key), key);
      // Then every waited key of a written shard: a write whose keys are not where its table says (an internal one) is not missed.
      for (const shard of shards) {
        const keys = this.byShard.get(shard);
        if (keys !== undefined) for (const key of [...keys]) this.serveKey(shard, key);
      }
    }
    this.host.flush();
  };

  /**
   * Serves `key`'s waiters in order while it holds something: a waiter that takes another type
   * (BLPOP on a sorted set) or whose command finds nothing still (an XREAD past the last entry)
   * keeps its place, and the next is tried.
   */
  private serveKey(shard: number, key: string): void {
    const line = this.byKey.get(key);
    let at = 0;
    while (line !== undefined && at < line.length) {
      const waiter = line[at];
      if (waiter.done) {
        line.splice(at, 1);
        continue;
      }
      if (waiter.fired) break;
      const held = this.host.heldType(shard, key);
      if (held === null) break;
      const blocking = waiter.spec.blocking!;
      const args = blocking.servedFor === undefined ? waiter.args : blocking.servedFor(waiter.args, key);
      if (held !== blocking.takes || !INTERCEPT.run(this.host, waiter.shard, waiter.spec, args, waiter.sink)) {
        at++;
        continue;
      }
      this.served++;
      if (blocking.watch === true) {
        waiter.fired = true;
        break;
      }
      this.finish(waiter); // takes it out of `line`: `at` is the next one now
    }
    if (line !== undefined && line.length === 0) this.forgetKey(key);
  }

  /** A cancel from the peer link `from` (its client left): request `id` no longer waits. */
  cancel(from: number, id: number): void {
    for (const line of this.byKey.values()) {
      for (const waiter of line) if (!waiter.done && waiter.from === from && waiter.id === id) return this.drop(waiter);
    }
  }

  /**
   * The client of `waiter` left: it waits no more and takes nothing; its reply, the empty one,
   * ends what its connection owes (`answer` false: its link is gone, nobody to answer).
   */
  drop(waiter: Waiter, answer = true): void {
    if (waiter.done) return;
    this.dropped++;
    this.finish(waiter);
    // A fired watch was answered: its keys' lines go on (what its command left is served).
    if (waiter.fired) for (const key of waiter.keys) this.wrote(shardOfString(key));
    else if (answer) waiter.sink.nullArray();
    this.host.flush();
  }

  /** A peer link closed: its requests are nobody's now. */
  dropFrom(link: number): void {
    for (const waiter of this.all()) if (waiter.from === link) this.drop(waiter, false);
  }

  /**
   * A resize pause or a shutdown (both wait for every owed reply): every waiter is answered now
   * as timed out, and until `refusing` is cleared (the resize is over) a blocking command that
   * finds nothing answers so at once rather than wait.
   */
  stop(): void {
    this.refusing = true;
    if (this.count === 0) return;
    for (const waiter of this.all()) this.answerEmpty(waiter);
    this.host.flush();
  }

  private all(): Waiter[] {
    const all = new Set<Waiter>();
    for (const line of this.byKey.values()) for (const waiter of line) if (!waiter.done) all.add(waiter);
    return [...all];
  }

  /** Answers a timed-out waiter: a null array for every list command, BLMOVE's too, as Redis's replyToBlockedClientTimedOut. */
  private answerEmpty(waiter: Waiter): void {
    if (waiter.done) return;
    this.finish(waiter);
    if (!waiter.fired) waiter.sink.nullArray();
  }

  /** Takes a waiter out of every line it is in. */
  private finish(waiter: Waiter): void {
    waiter.done = true;
    this.count--;
    if (waiter.timer !== null) clearTimeout(waiter.timer);
    waiter.timer = null;
    for (const key of waiter.keys) {
      const line = this.byKey.get(key);
      if (line === undefined) continue;
      const at = line.indexOf(waiter);
      if (at >= 0) line.splice(at, 1);
      if (line.length === 0) this.forgetKey(key);
    }
  }

  private forgetKey(key: string): void {
    this.byKey.delete(key);
    const shard = shardOfString(key);
    const set = this.byShard.get(shard);
    if (set === undefined) return;
    set.delete(key);
    if (set.size === 0) this.byShard.delete(shard);
  }
}

/**
 * A blocking command's non-blocking form run for a try: a reply other than its empty one (nil,
 * null array) goes on to `sink`; an empty one is kept back (run() answers false).
 */
export class Intercept implements ReplySink {
  private sink: ReplySink | null = null;
  private empty = false;

  run(host: Pick<BlockHost, 'executeOn'>, shard: number, spec: CommandSpec, args: Args, sink: ReplySink): boolean {
    this.sink = sink;
    this.empty = false;
    try {
      host.executeOn(shard, spec, args, this);
    } finally {
      this.sink = null;
    }
    return !this.empty;
  }
  nil(): void {
    this.empty = true;
  }
  nullArray(): void {
    this.empty = true;
  }
  ok(): void {
    this.sink!.ok();
  }
  status(text: string): void {
    this.sink!.status(text);
  }
  bulk(value: string): void {
    this.sink!.bulk(value);
  }
  bulkBytes(buf: Uint8Array, start: number, end: number): void {
    this.sink!.bulkBytes(buf, start, end);
  }
  integer(n: number | bigint): void {
    this.sink!.integer(n);
  }
  error(message: string): void {
    this.sink!.error(message);
  }
  array(items: Items): void {
    this.sink!.array(items);
  }
  map(items: Items): void {
    this.sink!.map(items);
  }
  cursor(cursor: string, items: Items): void {
    this.sink!.cursor(cursor, items);
  }
  tree(buf: Buffer, start: number, end: number): void {
    this.sink!.tree(buf, start, end);
  }
}

const INTERCEPT = new Intercept();

