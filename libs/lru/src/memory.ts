import { Arena, NIL } from './arena';
import { randomHashKey, type HashKey } from './siphash';
import { TrackingTable } from './tracking';

/**
 * What to do when an entry does not fit, as Redis's maxmemory-policy: evict the least recently
 * used entry (`allkeys-lru`), the least recently used entry that has an expiry (`volatile-lru`),
 * or nothing, refusing the write (`noeviction`).
 */
export type EvictionPolicy = 'allkeys-lru' | 'volatile-lru' | 'noeviction';

/**
 * Bytes charged per entry besides its block in the arena (and besides a hash's or a large
 * value's own bytes): its slot in the typed arrays (address, hash, two recency links, version,
 * recency stamp: 28 bytes), its share of the index (4-byte buckets kept 35-70% full: 6-12 bytes),
 * and of the expiry arrays once the shard has a TTL. Measured by `npm run bench -- --memory-per-key`.
 */
export const ENTRY_OVERHEAD = 40;

/** One shard's store as the memory sees it: something to evict from. */
export interface Evictable {
  /**
   * The age (the memory's ticks since its last use) of the entry this store would give up next
   * under `policy` (sparing slot `keep`), or -1 when it has none to give.
   */
  victimAge(policy: EvictionPolicy, keep: number): number;
  /** Evicts the entry victimAge() named. */
  evictVictim(): void;
  /** Entries whose age passed `limit` get age `limit` (so a u32 age never wraps). */
  clampAges(limit: number): void;
  /** Moves an index rebuild on by up to `steps` slots (idle time). */
  rebuildStep(steps: number): void;
}

/**
 * Where a small collection stops being packed (Redis's settings of the same names, their
 * defaults Redis 7.2's): a list past `listMaxListpackSize` (negative: -1..-5 for 4..64 KiB of
 * packed bytes; positive: that many elements), a set of integers past `setMaxIntsetEntries`, a
 * set of strings past `setMaxListpackEntries` elements or with one longer than
 * `setMaxListpackValue` bytes; a sorted set past `zsetMaxListpackEntries` or with a member longer than `zsetMaxListpackValue`. Read at each
 * write (settable at any time); a collection already converted stays converted, as in Redis.
 */
export interface EncodingLimits {
  listMaxListpackSize: number;
  setMaxIntsetEntries: number;
  setMaxListpackEntries: number;
  setMaxListpackValue: number;
  zsetMaxListpackEntries: number;
  zsetMaxListpackValue: number;
  /** A stream's block (Redis's node) takes at most this many entries, deleted ones included (0: no bound). */
  streamNodeMaxEntries: number;
  /** A stream's block stops taking entries once Redis's listpack of it would reach this many bytes (0: no bound but 1 GiB). */
  streamNodeMaxBytes: number;
}

export const DEFAULT_ENCODING_LIMITS: Readonly<EncodingLimits> = {
  listMaxListpackSize: -2,
  setMaxIntsetEntries: 512,
  setMaxListpackEntries: 128,
  setMaxListpackValue: 64,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
  streamNodeMaxEntries: 100,
  streamNodeMaxBytes: 4096,
};

export interface MemoryOptions {
  /** Bytes the worker's entries may be charged in all (maxmemory's share of this worker). */
  budget: number;
  policy?: EvictionPolicy;
  /** Arena chunk size; default from the budget (a 32nd of it, 256 KiB to 4 MiB, a power of two). */
  chunkSize?: number;
  /** The index's hash key; default random (tests pass one to be repeatable). */
  hashKey?: HashKey;
  /** Where small collections stop being packed; Redis's defaults when absent. */
  limits?: Partial<EncodingLimits>;
}

/** Ages past this are clamped to it by maintain(), long before a u32 age could wrap. */
const AGE_LIMIT = 2 ** 31;
/** maintain() notes (tick, time) at most this often, in a ring this long, for idle times. */
const CHECKPOINT_MS = 1000;
const CHECKPOINTS = 4096;
/** Slots an index rebuild moves on by per maintain() (a few tens of microseconds). */
const IDLE_REBUILD_STEP = 8192;

/**
 * The memory of one worker's shards: one arena for every entry's bytes, one budget (maxmemory's
 * share of the worker, whatever shard the bytes are in), one eviction policy over all of them,
 * the index's hash key, and the recency clock. Each shard's Lru registers here.
 */
/** What StoreMemory.keyEvents is told of: a key created by a write (not a restore), expired, evicted. */
export const KeyEvent = { NEW: 0, EXPIRED: 1, EVICTED: 2 } as const;
export type KeyEvent = (typeof KeyEvent)[keyof typeof KeyEvent];

export class StoreMemory {
  readonly arena: Arena;
  readonly hashKey: HashKey;
  policy: EvictionPolicy;
  /** Bytes the entries may be charged in all. */
  budget: number;
  /** Bytes charged over every registered store: what eviction holds within the budget. */
  used = 0;
  /** Entries over every registered store. */
  entries = 0;
  /** Bytes charged for values kept outside the arena (hashes, large strings). */
  external = 0;
  /** Entries evicted over every store (each store counts its own too). */
  evictions = 0;
  /** A reusable buffer for keys and values given as strings. */
  scratch = Buffer.allocUnsafeSlow(4096);
  /** Where small collections stop being packed (settable at any time: CONFIG SET). */
  readonly limits: EncodingLimits;
  /**
   * Told of a key created, expired or evicted in any of the stores (keyspace notifications), with
   * its bytes in the arena (valid only during the call); null while no one listens.
   */
  keyEvents: ((event: KeyEvent, key: Buffer, start: number, end: number) => void) | null = null;
  /** Client-side caching: which clients read which keys of these stores (tracking.ts). */
  readonly tracking: TrackingTable;
  private readonly stores: Evictable[] = [];
  /**
   * The recency clock: one tick per use of an entry, so stamps order every use over every store
   * (exact LRU across shards, no ties). Kept as a u32; ages are differences modulo 2^32.
   */
  private tick = 0;
  private readonly checkTicks = new Float64Array(CHECKPOINTS);
  private readonly checkTimes = new Float64Array(CHECKPOINTS);
  /** Checkpoints recorded so far (the ring holds the last CHECKPOINTS). */
  private checkpoints = 0;
  /** Ticks counted since the first checkpoint (not wrapped), for idle times. */
  private ticks = 0;

  constructor(options: MemoryOptions) {
    if (!(options.budget > 0)) throw new RangeError('budget must be positive');
    this.budget = options.budget;
    this.policy = options.policy ?? 'allkeys-lru';
    this.hashKey = options.hashKey ?? randomHashKey();
    this.tracking = new TrackingTable(this.hashKey);
    this.arena = new Arena(options.chunkSize ?? chunkSizeFor(options.budget));
    this.limits = { ...DEFAULT_ENCODING_LIMITS, ...options.limits };
  }

  register(store: Evictable): void {
    if (!this.stores.includes(store)) this.stores.push(store);
  }

  unregister(store: Evictable): void {
    const at = this.stores.indexOf(store);
    if (at >= 0) this.stores.splice(at, 1);
  }

  /** A new recency stamp: the next tick. */
  stamp(): number {
    this.ticks++;
    return (this.tick = (this.tick + 1) >>> 0);
  }

  /** Ticks since `stamp`. */
  ageOf(stamp: number): number {
    return (this.tick - stamp) >>> 0;
  }

  /**
   * Every so often (the worker's active-expiry timer): notes the time of this tick, for idle
   * times, clamps ages that could otherwise wrap, and moves index rebuilds on (so one that
   * writes stopped feeding still ends).
   */
  maintain(now = Date.now()): void {
    const last = this.checkpoints === 0 ? -Infinity : this.checkTimes[(this.checkpoints - 1) % CHECKPOINTS];
    if (now - last >= CHECKPOINT_MS) {
      const at = this.checkpoints++ % CHECKPOINTS;
      this.checkTicks[at] = this.ticks;
      this.checkTimes[at] = now;
    }
    for (const store of this.stores) {
      store.clampAges(AGE_LIMIT);
      store.rebuildStep(IDLE_REBUILD_STEP);
    }
  }

  /**
   * Ms since an entry of this age was used, to the checkpoints' second (at most as far back as
   * the oldest checkpoint kept: an older entry reads as that old).
   */
  idleMs(age: number, now = Date.now()): number {
    const used = this.ticks - age;
    const n = Math.min(this.checkpoints, CHECKPOINTS);
    // The newest checkpoint at or before the use: its time bounds the use from below.
    for (let i = 1; i <= n; i++) {
      const at = (this.checkpoints - i) % CHECKPOINTS;
      if (this.checkTicks[at] <= used) return Math.max(0, now - this.checkTimes[at]);
    }
    return n === 0 ? 0 : Math.max(0, now - this.checkTimes[(this.checkpoints - n) % CHECKPOINTS]);
  }

  /** The age an entry idle for `idleMs` has here (a hand-over's entries keep their recency). */
  ageFor(idleMs: number, now = Date.now()): number {
    const n = Math.min(this.checkpoints, CHECKPOINTS);
    let ticks = 0;
    for (let i = 1; i <= n; i++) {
      const at = (this.checkpoints - i) % CHECKPOINTS;
      ticks = this.checkTicks[at];
      if (now - this.checkTimes[at] >= idleMs) break;
    }
    return Math.min(AGE_LIMIT, this.ticks - ticks);
  }

  /**
   * Evicts, as the policy says, until `need` more bytes fit the budget, sparing `keep` (slot
   * `keepSlot` of store `keep`). False when the policy cannot free enough.
   */
  makeRoom(need: number, keep: Evictable | null, keepSlot: number): boolean {
    while (this.used + need > this.budget) {
      if (!this.evictOne(keep, keepSlot)) return false;
    }
    return true;
  }

  /**
   * Evicts as the policy says until the charges fit the budget (after it was lowered), for at most
   * `ms`: 'fits' when they do, 'more' when time ran out first, 'stuck' when the policy frees nothing more.
   */
  evictOver(ms: number): 'fits' | 'more' | 'stuck' {
    const until = performance.now() + ms;
    for (let n = 1; this.used > this.budget; n++) {
      if (!this.evictOne(null, -1)) return 'stuck';
      // The clock is read every 64 evictions: one costs about a microsecond.
      if ((n & 63) === 0 && performance.now() >= until) return this.used > this.budget ? 'more' : 'fits';
    }
    return 'fits';
  }

  /**
   * A block for a payload of `payload` bytes: from free space, else from a new chunk while the
   * arena is within its share of the budget, else by evicting (the arena is fragmented: no free
   * block is big enough though the budget allows it). NIL when none can be had. A large payload
   * gets a chunk of its own (the budget was checked by makeRoom).
   */
  allocBlock(payload: number, keep: Evictable | null, keepSlot: number): number {
    const arena = this.arena;
    if (payload > arena.largeThreshold) return arena.allocLarge(payload);
    for (;;) {
      const addr = arena.alloc(payload);
      if (addr !== NIL) return addr;
      if (arena.size + arena.chunkSize <= this.arenaCap()) {
        if (arena.grow()) continue;
        return NIL;
      }
      if (this.evictOne(keep, keepSlot)) continue;
      // Nothing may be evicted (noeviction, or this entry is all there is): the budget already
      // allowed the bytes, so the arena may outgrow its share by a bounded slack.
      if (arena.size + arena.chunkSize <= this.budget + this.budget / 8 + arena.chunkSize && arena.grow()) continue;
      return NIL;
    }
  }

  /**
   * The arena's share of the budget: what the entries' blocks may take, plus one chunk and a
   * tenth for free space the blocks' sizes leave between them.
   */
  private arenaCap(): number {
    const blocks = this.budget - this.entries * ENTRY_OVERHEAD - this.external - this.arena.largeSize;
    // Budgets pass 4 GiB: plain arithmetic, not 32-bit shifts.
    return blocks + blocks / 8 + this.arena.chunkSize + this.arena.largeSize;
  }

  /** Evicts one entry: the least recently used over every store (or with a TTL, for volatile-lru). */
  private evictOne(keep: Evictable | null, keepSlot: number): boolean {
    const policy = this.policy;
    if (policy === 'noeviction') return false;
    let victim: Evictable | null = null;
    let oldest = -1;
    for (const store of this.stores) {
      const age = store.victimAge(policy, store === keep ? keepSlot : -1);
      if (age > oldest) {
        victim = store;
        oldest = age;
      }
    }
    if (victim === null) return false;
    // Each store keeps the candidate its own victimAge() found.
    victim.evictVictim();
    this.evictions++;
    return true;
  }
}

/** A 32nd of the budget, a power of two from 256 KiB to 4 MiB. */
export function chunkSizeFor(budget: number): number {
  let size = 256 * 1024;
  while (size < 4 * 1024 * 1024 && size * 32 <= budget) size *= 2;
  return size;
}
