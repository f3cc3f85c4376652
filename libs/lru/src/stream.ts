import { Kind } from './layout';
import type { ByteRanges, LruObject } from './object';
import { BLOCK_OVERHEAD, StreamBlock } from './stream-block';
import { entryBytes } from './stream-packing';
import { StreamId } from './stream-id';

/**
 * A stream (Redis 7.0's t_stream.c without consumer groups): entries in id order in blocks
 * (stream-block.ts) as Redis keeps them in listpacks under a radix tree, with Redis's rules for
 * where a block ends (stream-node-max-entries, deleted entries counted; stream-node-max-bytes,
 * over the bytes its listpack would take: listpack-size.ts) and for trimming (whole blocks first; `~` stops at a block that
 * cannot go whole), so MAXLEN ~ leaves what Redis leaves. Blocks are found by binary search over
 * their first ids. Beside them, what Redis keeps: the last id generated, the first id recorded,
 * the largest id deleted and the count of entries ever added. An empty stream stays a key.
 * Charged STREAM_OVERHEAD plus each block's arrays as allocated.
 */
export const STREAM_OVERHEAD = 256;

export const TRIM_MAXLEN = 1;
export const TRIM_MINID = 2;

/** The last id of a stream's last block (restoreBlock's check), reused. */
const TAIL_ID = new StreamId();

export class LruStream implements LruObject {
  readonly kind = Kind.STREAM;
  readonly keptEmpty = true;
  bytes = STREAM_OVERHEAD;
  blocks: StreamBlock[] = [];
  /** Entries not deleted. */
  length = 0;
  entriesAdded = 0;
  readonly lastId = new StreamId();
  readonly firstId = new StreamId();
  readonly maxDeletedId = new StreamId();

  get size(): number {
    return this.length;
  }

  /** The charge an append of fields[from, to) would add, given the block limits (reserve it first). */
  appendGrowth(fields: ByteRanges, from: number, to: number, maxEntries: number, maxBytes: number): number {
    const bytes = entryBytes(fields, from, to);
    const tail = this.tailFor(fields, from, to, maxEntries, maxBytes);
    return tail === null ? BLOCK_OVERHEAD + 4 * 21 + Math.max(64, bytes) : tail.growthFor(bytes);
  }

  /**
   * The last block when the next entry, fields[from, to), goes in it, else null (a new block):
   * as Redis's streamAppendItem, a node past stream-node-max-bytes with the entry's strings added
   * (its listpack bytes, as Redis counts them), or holding stream-node-max-entries entries.
   */
  private tailFor(fields: ByteRanges, from: number, to: number, maxEntries: number, maxBytes: number): StreamBlock | null {
    const tail = this.blocks.length === 0 ? null : this.blocks[this.blocks.length - 1];
    if (tail === null) return null;
    const limit = maxBytes <= 0 || maxBytes > 2 ** 30 ? 2 ** 30 : maxBytes;
    let strings = 0;
    for (let k = from; k < to; k++) strings += fields.ends[k] - fields.starts[k];
    if (tail.lpBytes + strings >= limit) return null;
    if (maxEntries > 0 && tail.count >= maxEntries) return null;
    return tail;
  }

  /** Appends an entry whose id is above lastId (the caller checked): fields and values at fields[from, to). */
  append(id: StreamId, fields: ByteRanges, from: number, to: number, maxEntries: number, maxBytes: number): void {
    const bytes = entryBytes(fields, from, to);
    let tail = this.tailFor(fields, from, to, maxEntries, maxBytes);
    if (tail === null) {
      // The block before takes no more entries: its arrays' room to grow goes back.
      if (this.blocks.length > 0) this.bytes -= this.blocks[this.blocks.length - 1].seal();
      tail = new StreamBlock(4, Math.max(64, bytes));
      this.blocks.push(tail);
      this.bytes += tail.bytes;
    }
    const before = tail.bytes;
    tail.append(id, fields, from, to, bytes);
    this.bytes += tail.bytes - before;
    this.length++;
    this.entriesAdded++;
    this.lastId.set(id);
    if (this.length === 1) this.firstId.set(id);
  }

  /** The index of the block an id would be in: the last whose first id is <= it (0 when none). */
  blockOf(id: StreamId): number {
    let lo = 0;
    let hi = this.blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (id.compareWords(this.blocks[mid].ids, 0) >= 0) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Deletes the entry `id` (XDEL): true when it was there. A block left with no live entry is freed, as Redis frees its listpack. */
  delete(id: StreamId): boolean {
    if (this.length === 0) return false;
    const b = this.blockOf(id);
    const block = this.blocks[b];
    const i = block.lowerBound(id);
    if (i >= block.count || id.compareWords(block.ids, i * 4) !== 0 || block.deleted[i] === 1) return false;
    block.deleted[i] = 1;
    block.live--;
    this.length--;
    if (block.live === 0) {
      this.bytes -= block.bytes;
      this.blocks.splice(b, 1);
    }
    if (id.compare(this.maxDeletedId) > 0) this.maxDeletedId.set(id);
    return true;
  }

  /** After deletes: the first id recorded becomes the first live one (0-0 when empty), as Redis's streamGetEdgeID. */
  updateFirstId(): void {
    if (!this.edge(true, this.firstId)) this.firstId.set(ZERO);
  }

  /** The first (or last) live entry's id into `out`; false when there is none. */
  edge(first: boolean, out: StreamId): boolean {
    const blocks = this.blocks;
    for (let b = first ? 0 : blocks.length - 1; b >= 0 && b < blocks.length; b += first ? 1 : -1) {
      const block = blocks[b];
      for (let i = first ? 0 : block.count - 1; i >= 0 && i < block.count; i += first ? 1 : -1) {
        if (block.deleted[i] === 0) {
          out.setWords(block.ids, i * 4);
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Redis's streamTrim: removes entries from the head while the stream is longer than `maxlen`
   * (TRIM_MAXLEN) or they are below `minid` (TRIM_MINID); whole blocks first, then, unless
   * `approx`, entries of the next block marked deleted; `limit` (0: none) bounds the entries
   * removed whole-block-wise. The count removed.
   */
  trim(strategy: number, maxlen: number, minid: StreamId, approx: boolean, limit: number): number {
    let deleted = 0;
    while (this.blocks.length > 0) {
      if (strategy === TRIM_MAXLEN && this.length <= maxlen) break;
      const block = this.blocks[0];
      const entries = block.live;
      if (limit > 0 && deleted + entries > limit) break;
      const whole = strategy === TRIM_MAXLEN ? this.length - entries >= maxlen : minid.compareWords(block.ids, (block.count - 1) * 4) > 0;
      if (whole) {
        this.blocks.shift();
        this.bytes -= block.bytes;
        this.length -= entries;
        deleted += entries;
        continue;
      }
      if (approx) break;
      for (let i = 0; i < block.count; i++) {
        const stop = strategy === TRIM_MAXLEN ? this.length <= maxlen : minid.compareWords(block.ids, i * 4) <= 0;
        if (stop) break;
        if (block.deleted[i] === 1) continue;
        block.deleted[i] = 1;
        block.live--;
        this.length--;
        deleted++;
      }
      break;
    }
    if (this.length === 0) this.firstId.set(ZERO);
    else if (deleted > 0) this.updateFirstId();
    return deleted;
  }

  /**
   * Calls `each` for the live entries with ids in [start, end], ascending (descending when
   * `reverse`), at most `count` of them (0: all): the count visited.
   */
  range(start: StreamId, end: StreamId, reverse: boolean, count: number, each: (block: StreamBlock, i: number) => void): number {
    if (this.blocks.length === 0 || start.compare(end) > 0) return 0;
    let seen = 0;
    const blocks = this.blocks;
    if (!reverse) {
      for (let b = this.blockOf(start); b < blocks.length; b++) {
        const block = blocks[b];
        for (let i = block.lowerBound(start); i < block.count; i++) {
          if (end.compareWords(block.ids, i * 4) < 0) return seen;
          if (block.deleted[i] === 1) continue;
          each(block, i);
          if (++seen === count) return seen;
        }
      }
      return seen;
    }
    for (let b = this.blockOf(end); b >= 0; b--) {
      const block = blocks[b];
      let i = block.lowerBound(end);
      if (i < block.count && end.compareWords(block.ids, i * 4) === 0) i++;
      for (i--; i >= 0; i--) {
        if (start.compareWords(block.ids, i * 4) > 0) return seen;
        if (block.deleted[i] === 1) continue;
        each(block, i);
        if (++seen === count) return seen;
      }
    }
    return seen;
  }

  /** A deep copy (COPY): its blocks' bytes copied and read back, ids and counters kept. */
  clone(): LruStream {
    return LruStream.restore([this.lastId, this.firstId, this.maxDeletedId], this.entriesAdded, this.serialize().blocks)!;
  }

  /** Its state as a hand-over carries it: last id, first id, largest deleted id, entries added, then each block's bytes. */
  serialize(): { meta: string[]; blocks: Buffer[] } {
    return { meta: this.serializeMeta(), blocks: this.blocks.map((b) => b.serialize()) };
  }

  /** serialize()'s meta alone (a big stream's hand-over sends its blocks a few at a time). */
  serializeMeta(): string[] {
    return [this.lastId.text(), this.firstId.text(), this.maxDeletedId.text(), String(this.entriesAdded)];
  }

  /** A stream from its parts, or null when they do not make one (blocks out of order, a bad id). */
  static restore(meta: readonly StreamId[], entriesAdded: number, blocks: readonly Buffer[]): LruStream | null {
    const stream = LruStream.restoring(meta, entriesAdded);
    if (stream === null) return null;
    for (const bytes of blocks) if (!stream.restoreBlock(bytes)) return null;
    return stream.restoredWhole() ? stream : null;
  }

  /** An empty stream with its ids and counter, its blocks to come by restoreBlock() (a hand-over), or null when they are bad. */
  static restoring(meta: readonly StreamId[], entriesAdded: number): LruStream | null {
    if (meta.length !== 3 || !Number.isSafeInteger(entriesAdded) || entriesAdded < 0) return null;
    const stream = new LruStream();
    stream.lastId.set(meta[0]);
    stream.firstId.set(meta[1]);
    stream.maxDeletedId.set(meta[2]);
    stream.entriesAdded = entriesAdded;
    return stream;
  }

  /** Appends a block from serialize()'s bytes, after the others; false, adding nothing, when they are not one or come out of order. */
  restoreBlock(bytes: Buffer): boolean {
    const block = StreamBlock.restore(bytes);
    if (block === null) return false;
    const tail = this.blocks.at(-1);
    if (tail !== undefined && TAIL_ID.setWords(tail.ids, (tail.count - 1) * 4).compareWords(block.ids, 0) >= 0) return false;
    this.blocks.push(block);
    this.length += block.live;
    this.bytes += block.bytes;
    return true;
  }

  /** True when the blocks restored end at or before the last id (checked once they all came). */
  restoredWhole(): boolean {
    const tail = this.blocks.at(-1);
    return tail === undefined || TAIL_ID.setWords(tail.ids, (tail.count - 1) * 4).compare(this.lastId) <= 0;
  }

}

const ZERO = new StreamId();
