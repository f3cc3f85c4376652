import { Lru } from '@kv/lru';
import { SHARD_COUNT, shardOf, type Args } from '@kv/wire';
import type { CommandSpec } from './commands/table';
import type { ReplySink } from './reply';

/** Shard s belongs to worker s mod workers: the fixed assignment every process computes alike. */
export function ownerOf(shard: number, workers: number): number {
  return shard % workers;
}

export function shardsOf(worker: number, workers: number): number[] {
  const owned: number[] = [];
  for (let s = 0; s < SHARD_COUNT; s++) if (ownerOf(s, workers) === worker) owned.push(s);
  return owned;
}

/**
 * The shards one worker owns, each an Lru holding maxmemory / 16 bytes. Only the owning process
 * ever touches a shard, so nothing here needs a lock.
 */
export class ShardSet {
  private readonly stores: (Lru | undefined)[] = new Array(SHARD_COUNT);
  readonly owned: readonly number[];

  constructor(owned: readonly number[], maxmemory: number) {
    this.owned = owned;
    const perShard = Math.floor(maxmemory / SHARD_COUNT);
    for (const s of owned) this.stores[s] = new Lru({ maxBytes: perShard });
  }

  store(shard: number): Lru | undefined {
    return this.stores[shard];
  }

  /** Runs a command whose key, argv[1], is on one of these shards. */
  execute(spec: CommandSpec, args: Args, reply: ReplySink): void {
    this.executeOn(shardOf(args.buf, args.starts[1], args.ends[1]), spec, args, reply);
  }

  /** Runs a command on a shard the caller already hashed the key to. */
  executeOn(shard: number, spec: CommandSpec, args: Args, reply: ReplySink): void {
    const store = this.stores[shard];
    if (store === undefined) {
      // A route computed from a stale worker count: answer rather than touch a shard we do not own.
      reply.error('ERR key is not owned by this worker');
      return;
    }
    try {
      spec.handler!(store, args, reply);
    } catch (err) {
      // A bug or a limit hit in one command must not take the worker and every shard it owns down.
      reply.error(`ERR ${(err as Error).message}`);
    }
  }

  totals(): { keys: number; bytes: number; hits: number; misses: number; evictions: number; expirations: number; volatile: number } {
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
   */
  expireCycle(budgetMs: number): void {
    const start = Date.now();
    for (const s of this.owned) {
      const lru = this.stores[s]!;
      while (lru.expireSample(Date.now(), 20) > 5) {
        if (Date.now() - start >= budgetMs) return;
      }
    }
  }

  flush(): void {
    for (const s of this.owned) this.stores[s]!.clear();
  }
}
