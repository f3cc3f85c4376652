import { Arena, NIL } from './arena';
import { hashBytes, type HashKey } from './siphash';

/**
 * Client-side caching's table of who read what (Redis's TrackingTable), one per worker, kept as
 * the store keeps entries: key bytes in an arena of its own (ArrayBuffers the GC never walks),
 * everything else in typed arrays. A key read by tracking clients is an entry (its key's block,
 * length, hash, shard and first reader); its readers are a chain of nodes (client id, next).
 * The index is an open-addressing table of entry + 1 with linear probing and backward-shift
 * deletion. A key may be tracked whether it exists or not (a client caches a miss too); a key
 * that exists also has a mark in its store's slot arrays (Lru), so a write to an untracked key
 * costs one byte's test and no lookup here.
 *
 * When a tracked key is written, expires, is evicted, or its shard moves away, each reader is
 * told once through the sink and the entry is forgotten (Redis sends one invalidation per read).
 * Readers are never removed otherwise: a client gone or no longer tracking is dropped where the
 * sink delivers (its worker), as Redis drops them lazily.
 */

/** Where an invalidation goes: the worker's router (it finds the reader's worker and connection). */
export interface InvalidationSink {
  /** `reader` read the key buf[start, end) (valid during the call only); `writer` is the client whose command changed it (0: none, an expiry, eviction or move). */
  invalidate(reader: number, writer: number, buf: Buffer, start: number, end: number): void;
  /** FLUSHALL / FLUSHDB emptied the worker's stores: each of the worker's tracking clients gets a null invalidation. */
  flushed(): void;
  /** BCAST: the key buf[start, end), which starts with prefix number `prefix` (setPrefixes' order), changed. */
  broadcast(prefix: number, writer: number, buf: Buffer | Uint8Array, start: number, end: number): void;
}

const NO = -1;
const MIN_BUCKETS = 64;
const MIN_ENTRIES = 16;

export class TrackingTable {
  /** tracking-table-max-keys: past it, entries are evicted (their readers told); 0 is no limit. */
  maxKeys = 1_000_000;
  /** Told of each invalidation; null drops them (tests, a worker not yet wired). */
  sink: InvalidationSink | null = null;
  /** The client whose command runs now (0: none): the writer an invalidation names, for NOLOOP. */
  writer = 0;
  /** Keys tracked (tracking_total_keys). */
  keys = 0;
  /** Reader marks over every key (tracking_total_items). */
  items = 0;
  /** Entries evicted to stay within maxKeys. */
  evicted = 0;
  /** The worker's clients with tracking on (INFO's tracking_clients), kept by its router. */
  clients = 0;
  /** BCAST prefixes some client on some worker has (setPrefixes): while any, every change is matched against them. */
  prefixCount = 0;
  /** While set, changes tell no one (a gathered command's copies of other shards' keys coming and going). */
  muted = false;
  private prefixes: readonly Uint8Array[] = [];

  private readonly arena = new Arena(64 * 1024);
  private readonly k0: number;
  private readonly k1: number;
  private addrs = new Uint32Array(MIN_ENTRIES);
  private lengths = new Uint32Array(MIN_ENTRIES);
  private hashes = new Uint32Array(MIN_ENTRIES);
  private heads = new Int32Array(MIN_ENTRIES).fill(NO);
  private shards = new Uint8Array(MIN_ENTRIES);
  /** Free entries, chained; entries handed out so far. */
  private freeEntry = NO;
  private usedEntries = 0;
  private buckets = new Int32Array(MIN_BUCKETS);
  private mask = MIN_BUCKETS - 1;
  private readerIds = new Float64Array(MIN_ENTRIES);
  private readerNext = new Int32Array(MIN_ENTRIES);
  private freeReader = NO;
  private usedReaders = 0;
  /** Where eviction past maxKeys looks next (a clock over entry numbers). */
  private evictCursor = 0;

  constructor(hashKey: HashKey) {
    this.k0 = hashKey.k0;
    this.k1 = hashKey.k1;
  }

  /** Bytes the table holds: its arena and arrays. */
  get bytes(): number {
    return this.arena.size + this.addrs.length * 17 + this.buckets.length * 4 + this.readerIds.length * 12;
  }

  /** `reader` read the key buf[start, end) of `shard`: remembered once per key and reader. */
  remember(shard: number, buf: Uint8Array, start: number, end: number, reader: number): void {
    const h = hashBytes(buf, start, end, this.k0, this.k1);
    let entry = this.find(h, buf, start, end);
    if (entry === NO) {
      entry = this.insert(h, shard, buf, start, end);
      if (this.maxKeys > 0 && this.keys > this.maxKeys) this.trim(entry);
    } else {
      for (let n = this.heads[entry]; n !== NO; n = this.readerNext[n]) if (this.readerIds[n] === reader) return;
    }
    const node = this.allocReader();
    this.readerIds[node] = reader;
    this.readerNext[node] = this.heads[entry];
    this.heads[entry] = node;
    this.items++;
  }

  /** The BCAST prefixes to match every change against (the router keeps them: all workers' clients'). */
  setPrefixes(prefixes: readonly Uint8Array[]): void {
    this.prefixes = prefixes;
    this.prefixCount = prefixes.length;
  }

  /** The key buf[start, end) changed (written, expired, evicted): each reader is told, and the key forgotten; each BCAST prefix it starts with, broadcast. */
  invalidate(buf: Uint8Array, start: number, end: number): void {
    if (this.muted) return;
    if (this.prefixCount !== 0 && this.sink !== null) this.broadcast(buf, start, end);
    if (this.keys === 0) return;
    const entry = this.find(hashBytes(buf, start, end, this.k0, this.k1), buf, start, end);
    if (entry !== NO) this.drop(entry, this.writer);
  }

  private broadcast(buf: Uint8Array, start: number, end: number): void {
    const prefixes = this.prefixes;
    for (let i = 0; i < prefixes.length; i++) {
      const prefix = prefixes[i];
      if (prefix.length > end - start) continue;
      let j = 0;
      while (j < prefix.length && prefix[j] === buf[start + j]) j++;
      if (j === prefix.length) this.sink!.broadcast(i, this.writer, buf, start, end);
    }
  }

  /** Every key of `shard` (it moved to another worker): each reader is told. */
  invalidateShard(shard: number): void {
    for (let e = 0; e < this.usedEntries && this.keys > 0; e++) if (this.heads[e] !== NO && this.shards[e] === shard) this.drop(e, 0);
  }

  /** Evicts (telling readers) until at most maxKeys are tracked; `keep` is not evicted. */
  trim(keep = NO): void {
    const max = this.maxKeys;
    if (max === 0) return;
    while (this.keys > max) {
      const e = this.evictCursor;
      this.evictCursor = e + 1 >= this.usedEntries ? 0 : e + 1;
      if (this.heads[e] === NO || e === keep) continue;
      this.evicted++;
      this.drop(e, 0);
    }
  }

  /** FLUSHALL / FLUSHDB: everything forgotten, and the sink told (a null invalidation to every tracking client). */
  flush(): void {
    this.clear();
    this.sink?.flushed();
  }

  /** Everything forgotten, nobody told. */
  clear(): void {
    this.arena.reset();
    this.addrs = new Uint32Array(MIN_ENTRIES);
    this.lengths = new Uint32Array(MIN_ENTRIES);
    this.hashes = new Uint32Array(MIN_ENTRIES);
    this.heads = new Int32Array(MIN_ENTRIES).fill(NO);
    this.shards = new Uint8Array(MIN_ENTRIES);
    this.buckets = new Int32Array(MIN_BUCKETS);
    this.mask = MIN_BUCKETS - 1;
    this.readerIds = new Float64Array(MIN_ENTRIES);
    this.readerNext = new Int32Array(MIN_ENTRIES);
    this.freeEntry = this.freeReader = NO;
    this.usedEntries = this.usedReaders = this.evictCursor = 0;
    this.keys = this.items = 0;
  }

  /** Tells each reader of `entry`, then frees it. */
  private drop(entry: number, writer: number): void {
    const chunk = this.arena.chunkOf(this.addrs[entry]);
    const p = this.arena.payloadOffset(this.addrs[entry]);
    const end = p + this.lengths[entry];
    let n = this.heads[entry];
    // Unlinked first: a sink that reads the key again (it may not, but) finds a clean table.
    this.heads[entry] = NO;
    this.unindex(entry);
    this.keys--;
    const sink = this.sink;
    while (n !== NO) {
      const next = this.readerNext[n];
      if (sink !== null) sink.invalidate(this.readerIds[n], writer, chunk, p, end);
      this.readerNext[n] = this.freeReader;
      this.freeReader = n;
      this.items--;
      n = next;
    }
    this.arena.freeBlock(this.addrs[entry]);
    // A free entry's hash field chains the free ones (entry + 1; 0 ends the chain).
    this.hashes[entry] = this.freeEntry + 1;
    this.freeEntry = entry;
  }

  private find(h: number, buf: Uint8Array, start: number, end: number): number {
    const length = end - start;
    const buckets = this.buckets;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const b = buckets[i];
      if (b === 0) return NO;
      const e = b - 1;
      if (this.hashes[e] === h && this.lengths[e] === length && this.keyEquals(e, buf, start, length)) return e;
    }
  }

  private keyEquals(entry: number, buf: Uint8Array, start: number, length: number): boolean {
    const chunk = this.arena.chunkOf(this.addrs[entry]);
    const p = this.arena.payloadOffset(this.addrs[entry]);
    for (let i = 0; i < length; i++) if (chunk[p + i] !== buf[start + i]) return false;
    return true;
  }

  private insert(h: number, shard: number, buf: Uint8Array, start: number, end: number): number {
    const length = end - start;
    const addr = this.allocKey(length);
    this.arena.chunkOf(addr).set(buf.subarray(start, end), this.arena.payloadOffset(addr));
    let e = this.freeEntry;
    if (e !== NO) this.freeEntry = this.hashes[e] - 1;
    else {
      if (this.usedEntries === this.addrs.length) this.growEntries();
      e = this.usedEntries++;
    }
    this.addrs[e] = addr;
    this.lengths[e] = length;
    this.hashes[e] = h;
    this.shards[e] = shard;
    this.heads[e] = NO;
    this.keys++;
    if (this.keys * 2 > this.buckets.length) this.rehash(this.buckets.length * 2);
    this.index(e);
    return e;
  }

  private allocKey(length: number): number {
    const arena = this.arena;
    if (length > arena.largeThreshold) return arena.allocLarge(length);
    let addr = arena.alloc(length);
    while (addr === NIL) {
      if (!arena.grow()) throw new RangeError('the tracking table is out of chunks');
      addr = arena.alloc(length);
    }
    return addr;
  }

  private index(entry: number): void {
    const mask = this.mask;
    let i = this.hashes[entry] & mask;
    while (this.buckets[i] !== 0) i = (i + 1) & mask;
    this.buckets[i] = entry + 1;
  }

  /** Removes `entry` from the index, shifting its probe chain back (no tombstones). */
  private unindex(entry: number): void {
    const buckets = this.buckets;
    const mask = this.mask;
    let i = this.hashes[entry] & mask;
    while (buckets[i] !== entry + 1) i = (i + 1) & mask;
    for (let j = (i + 1) & mask; buckets[j] !== 0; j = (j + 1) & mask) {
      const home = this.hashes[buckets[j] - 1] & mask;
      // Move j into the hole at i when its home is not within (i, j].
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        buckets[i] = buckets[j];
        i = j;
      }
    }
    buckets[i] = 0;
  }

  private rehash(size: number): void {
    this.buckets = new Int32Array(size);
    this.mask = size - 1;
    // Live entries have a reader; the one being inserted (none yet) is indexed after this.
    for (let e = 0; e < this.usedEntries; e++) if (this.heads[e] !== NO) this.index(e);
  }

  private growEntries(): void {
    const size = this.addrs.length * 2;
    this.addrs = grown(this.addrs, new Uint32Array(size));
    this.lengths = grown(this.lengths, new Uint32Array(size));
    this.hashes = grown(this.hashes, new Uint32Array(size));
    const heads = new Int32Array(size).fill(NO);
    heads.set(this.heads);
    this.heads = heads;
    this.shards = grown(this.shards, new Uint8Array(size));
  }

  private allocReader(): number {
    const n = this.freeReader;
    if (n !== NO) {
      this.freeReader = this.readerNext[n];
      return n;
    }
    if (this.usedReaders === this.readerIds.length) {
      const size = this.readerIds.length * 2;
      this.readerIds = grown(this.readerIds, new Float64Array(size));
      this.readerNext = grown(this.readerNext, new Int32Array(size));
    }
    return this.usedReaders++;
  }
}

function grown<T extends Uint32Array | Int32Array | Uint8Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
