import { Lru, StoreMemory, chunkSizeFor, type EvictionPolicy } from '@kv/lru';
import { SHARD_COUNT, shardOf, type Args } from '@kv/wire';
import { keySpan } from '../commands/key-positions';
import type { CommandSpec, ShardTotals } from '../types';

/**
 * The shards a worker owns, each an Lru in one StoreMemory: one arena and one budget for the
 * worker (maxmemory / 16 per shard owned or still being handed over), evicted by one policy over
 * all of them, so keys that share a hash tag may use the worker's whole budget. Taking shards on
 * and giving them up (a live resize), the totals, active expiry and FLUSHALL. ShardSet (shards.ts)
 * adds the commands and transactions on top.
 */
export abstract class OwnedStores {
  protected readonly stores: (Lru | undefined)[] = new Array(SHARD_COUNT);
  /** The shards this worker owns now, ascending; a live resize adds and removes some. */
  readonly owned: number[] = [];
  /** The worker's arena, budget and eviction over its shards. */
  readonly memory: StoreMemory;
  private perShard: number;
  /** Stores given up to a hand-over still under way: their bytes stay charged until it ends. */
  private readonly leaving = new Set<Lru>();
  /** Client-side caching: the client whose command runs now (> 0: its reads are tracked; < 0: it is only named as the writer; 0: none). */
  private reader = 0;
  /** tracking-table-max-keys, for the whole server: this worker's table keeps its shards' share (0: no limit). */
  private trackingMaxKeys = 1_000_000;

  constructor(owned: readonly number[], maxmemory: number, policy: EvictionPolicy) {
    this.perShard = perShardOf(maxmemory);
    this.memory = new StoreMemory({ budget: Math.max(1, this.perShard * Math.max(1, owned.length)), policy, chunkSize: chunkSizeFor(maxmemory) });
    for (const s of owned) this.adopt(s);
  }

  /** The client whose command runs next (see `reader`); the tracking table names it as the writer of what it changes (NOLOOP). */
  set client(id: number) {
    this.reader = id;
    this.memory.tracking.writer = id < 0 ? -id : id;
  }

  get client(): number {
    return this.reader;
  }

  /** After a read-only command of a tracking client: each of its keys remembers the reader, in its own shard's store. */
  protected trackRead(spec: CommandSpec, args: Args): void {
    if (!spec.readOnly || this.reader <= 0) return;
    const { first, last, step } = keySpan(spec, args);
    for (let i = first; i <= last && i > 0; i += step) {
      const shard = shardOf(args.buf, args.starts[i], args.ends[i]);
      this.stores[shard]?.track(shard, args.buf, args.starts[i], args.ends[i], this.reader);
    }
  }

  /** True while a transaction holds the shards: active expiry waits. */
  protected abstract get holding(): boolean;

  /** Takes a shard on with an empty store (replacing what an earlier, failed hand-over left). */
  adopt(shard: number): Lru {
    this.stores[shard]?.dispose();
    const store = new Lru(this.memory);
    this.restore(shard, store);
    return store;
  }

  /**
   * Makes the shards held match the map: drops those the map gives to others (what is left of a
   * hand-over that failed) and takes on, empty, those it names this worker for that it lacks (it
   * was forked from an older map). Returns the shards dropped and taken on.
   */
  reconcile(owned: readonly number[]): { dropped: number[]; adopted: number[] } {
    const dropped = this.owned.filter((s) => !owned.includes(s));
    const adopted = owned.filter((s) => this.stores[s] === undefined);
    for (const s of dropped) this.drop(s);
    for (const s of adopted) this.adopt(s);
    return { dropped, adopted };
  }

  /** Takes back a shard whose hand-over failed, with the store it had. */
  restore(shard: number, store: Lru): void {
    this.leaving.delete(store);
    this.memory.register(store);
    this.stores[shard] = store;
    if (!this.owned.includes(shard)) {
      this.owned.push(shard);
      this.owned.sort((a, b) => a - b);
    }
    this.resetBudget();
  }

  /**
   * Stops routing to a shard being handed over: commands for it get an error from now on, and
   * its store stays whole (and charged) until the hand-over ends: restore() puts it back,
   * handedOver() frees it.
   */
  detach(shard: number): Lru | undefined {
    const store = this.stores[shard];
    this.stores[shard] = undefined;
    // Its keys are another worker's now: whoever cached them must read them there again.
    if (store !== undefined) this.memory.tracking.invalidateShard(shard);
    const at = this.owned.indexOf(shard);
    if (at >= 0) this.owned.splice(at, 1);
    if (store !== undefined) {
      // Nothing evicts from it while it streams out: its entries must stay as they were read.
      this.memory.unregister(store);
      this.leaving.add(store);
    }
    return store;
  }

  /** A detached shard's hand-over succeeded: its memory goes back to the worker's arena. */
  handedOver(store: Lru): void {
    this.leaving.delete(store);
    store.dispose();
    this.resetBudget();
  }

  /** Gives a shard up at once (it now lives on another worker): its store is freed. */
  drop(shard: number): void {
    const store = this.detach(shard);
    if (store !== undefined) this.handedOver(store);
  }

  get policy(): EvictionPolicy {
    return this.memory.policy;
  }

  /** maxmemory-policy changed (CONFIG SET): the next write that needs room evicts by it. */
  setPolicy(policy: EvictionPolicy): void {
    this.memory.policy = policy;
  }

  /**
   * maxmemory changed (CONFIG SET, a reload): the budget follows at once, and writes evict to fit
   * it; what is charged over it now goes by evictToBudget, a bounded slice of time at a time.
   */
  setMaxmemory(maxmemory: number): void {
    this.perShard = perShardOf(maxmemory);
    this.resetBudget();
  }

  /**
   * Evicts by the policy until the charges fit the budget, for at most `ms`: 'fits', 'more' (time
   * ran out: call again), or 'stuck' (the policy may evict nothing more: noeviction, no TTL left).
   * Not while a transaction holds the shards: its prepare counted on the entries being there.
   */
  evictToBudget(ms: number): 'fits' | 'more' | 'stuck' {
    if (this.holding) return 'more';
    return this.memory.evictOver(ms);
  }

  /** The worker's budget: maxmemory / 16 for each shard it owns or is still handing over. */
  private resetBudget(): void {
    this.memory.budget = Math.max(1, this.perShard * (this.owned.length + this.leaving.size));
    this.resetTrackingBound();
  }

  /** tracking-table-max-keys changed (CONFIG SET): this worker's share follows, and what is tracked past it is evicted now (its readers told). */
  setTrackingMaxKeys(max: number): void {
    this.trackingMaxKeys = max;
    this.resetTrackingBound();
  }

  /** The table keeps the owned shards' share of the server's bound (a shard's keys are tracked where it lives; a shard given up was told already). */
  private resetTrackingBound(): void {
    const table = this.memory.tracking;
    table.maxKeys = trackingShareOf(this.trackingMaxKeys, this.owned);
    table.trim();
  }

  store(shard: number): Lru | undefined {
    return this.stores[shard];
  }

  totals(): ShardTotals {
    let keys = 0, bytes = 0, hits = 0, misses = 0, evictions = 0, expirations = 0, volatile = 0;
    for (const s of this.owned) {
      const lru = this.stores[s]!;
      keys += lru.size;
      bytes += lru.bytes;
      hits += lru.hits;
      misses += lru.misses;
      evictions += lru.evictions;
      expirations += lru.expirations;
      volatile += lru.volatile;
    }
    return { keys, bytes, hits, misses, evictions, expirations, volatile };
  }

  /**
   * Active expiry, as Redis's: per shard, sample 20 entries with a TTL and delete the expired;
   * repeat while more than a quarter of a sample had expired, within `budgetMs` for the call.
   * Also the store's own upkeep (its clock's checkpoints, index rebuilds no write is feeding).
   * Not while a transaction holds the shards, nor on a store being handed over (detached).
   */
  expireCycle(budgetMs: number): void {
    if (this.holding) return;
    this.memory.maintain();
    const start = Date.now();
    for (const s of this.owned) {
      const lru = this.stores[s]!;
      while (lru.expireSample(Date.now(), 20) > 5) {
        if (Date.now() - start >= budgetMs) return;
      }
    }
  }

  /** FLUSHALL / FLUSHDB: every store emptied, and every tracking client of this worker told (a null invalidation). */
  flush(): void {
    for (const s of this.owned) this.stores[s]!.clear();
    this.memory.tracking.flush();
  }
}

/** maxmemory 0 is no limit, as in Redis: a budget nothing reaches. */
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

/**
 * The shards' share of tracking-table-max-keys, split exactly (a 16th each, the remainder one
 * key each to the lowest shards, so the workers' shares add up to max), at least 1 while there is
 * a bound (0 is no limit in the table: a worker whose shards' share is none still keeps one key).
 */
export function trackingShareOf(max: number, shards: readonly number[]): number {
  if (max === 0) return 0;
  const base = Math.floor(max / SHARD_COUNT);
  const rest = max % SHARD_COUNT;
  let share = 0;
  for (const s of shards) share += base + (s < rest ? 1 : 0);
  return Math.max(1, share);
}

/** A shard's share of maxmemory: a 16th. */
function perShardOf(maxmemory: number): number {
  return maxmemory === 0 ? Math.floor(NO_LIMIT / SHARD_COUNT) : Math.floor(maxmemory / SHARD_COUNT);
}
