import { LP_EMPTY, lpIntSize, lpStringSize, u64Delta } from './listpack-size';
import type { ByteRanges } from './object';
import { StreamId } from './stream-id';
import { dataSizeFor, fieldsFit, FIRST_DATA, readVarint, VARINT, writeVarint } from './stream-packing';


/**
 * One node of a stream (Redis's listpack under a radix tree key): up to stream-node-max-entries
 * entries in id order, deleted ones included until the node is freed, as Redis counts them. Ids
 * are four u32 words each in one typed array; an entry's fields and values are packed in one
 * Buffer (a varint header, its pair count times two, then each string as a varint length and its
 * bytes), its end offset in another typed array. An entry whose field names are the first
 * entry's (a queue's or a log's always are) has 1 added to its header and keeps its values only,
 * as Redis's SAMEFIELDS flag. A block is five objects however many entries it has; once the stream
 * moves on to a new block its arrays are cut to what they hold (seal).
 */
export const BLOCK_OVERHEAD = 200;
const FIRST_CAPACITY = 4;

export class StreamBlock {
  /** Entries, deleted ones included (Redis's count + deleted). */
  count = 0;
  /** Entries not deleted. */
  live = 0;
  ids: Uint32Array;
  deleted: Uint8Array;
  /** Where entry i's packed fields end in `data` (they start where entry i - 1's end). */
  ends: Uint32Array;
  data: Buffer;
  used = 0;
  /**
   * The bytes Redis's listpack of this node would take, but its two counters (lpBytes adds them):
   * its master entry (the first entry's field names) and each entry, deleted ones included, with
   * Redis's delta ids and same-fields compression (listpack-size.ts).
   */
  private lpBase = 0;

  constructor(capacity = FIRST_CAPACITY, dataBytes = FIRST_DATA) {
    this.ids = new Uint32Array(capacity * 4);
    this.deleted = new Uint8Array(capacity);
    this.ends = new Uint32Array(capacity);
    this.data = Buffer.allocUnsafeSlow(dataBytes);
  }

  /** What the block is charged: its arrays as allocated and its overhead. */
  get bytes(): number {
    return BLOCK_OVERHEAD + this.ids.byteLength + this.deleted.byteLength + this.ends.byteLength + this.data.length;
  }

  /** lpBytes of Redis's listpack for this node, what stream-node-max-bytes bounds. */
  get lpBytes(): number {
    return this.lpBase + lpIntSize(this.live) + lpIntSize(this.count - this.live);
  }

  /** The listpack bytes an entry of id `id` and fields fields[from, to) takes here (with the master entry's, for a first one). */
  private lpEntrySize(id: StreamId, fields: ByteRanges, from: number, to: number): number {
    const pairs = (to - from) >> 1;
    let bytes = 0;
    let same = true;
    if (this.count === 0) {
      // The master entry: [count][deleted] (lpBytes adds them) [num-fields][field ...][0].
      bytes += LP_EMPTY + lpIntSize(pairs) + lpIntSize(0);
      for (let k = from; k < to; k += 2) bytes += lpStringSize(fields.buf, fields.starts[k], fields.ends[k]);
    } else same = this.sameFieldsAsFirst(fields, from, to);
    const ids = this.ids;
    bytes += lpIntSize(0); // flags
    bytes += lpIntSize(this.count === 0 ? 0 : u64Delta(id.msHi, id.msLo, ids[0], ids[1]));
    bytes += lpIntSize(this.count === 0 ? 0 : u64Delta(id.seqHi, id.seqLo, ids[2], ids[3]));
    if (!same) bytes += lpIntSize(pairs);
    for (let k = from; k < to; k++) if (!same || (k - from) % 2 === 1) bytes += lpStringSize(fields.buf, fields.starts[k], fields.ends[k]);
    bytes += lpIntSize(pairs + 3 + (same ? 0 : pairs + 1)); // lp-count
    return bytes;
  }

  /** True when the field names at fields[from, to) are the first entry's, in order (Redis's SAMEFIELDS). */
  private sameFieldsAsFirst(fields: ByteRanges, from: number, to: number): boolean {
    const data = this.data;
    let { value: n, next: at } = readVarint(data, 0);
    n >>= 1;
    if (n !== (to - from) >> 1) return false;
    for (let k = from; k < to; k += 2) {
      const { value: length, next } = readVarint(data, at);
      const start = fields.starts[k];
      if (fields.ends[k] - start !== length) return false;
      for (let j = 0; j < length; j++) if (data[next + j] !== fields.buf[start + j]) return false;
      const value = readVarint(data, next + length);
      at = value.next + value.value;
    }
    return true;
  }

  start(i: number): number {
    return i === 0 ? 0 : this.ends[i - 1];
  }

  /** The charge this block grows by to take one more entry of `entryBytes` packed bytes. */
  growthFor(entryBytes: number): number {
    let growth = 0;
    if (this.count === this.deleted.length) growth += this.deleted.length * 21; // 16 + 1 + 4 bytes a slot, doubled
    if (this.used + entryBytes > this.data.length) growth += dataSizeFor(this.data.length, this.used + entryBytes) - this.data.length;
    return growth;
  }

  /** Appends an entry (its id above every id here): the fields and values at fields[from, to). */
  append(id: StreamId, fields: ByteRanges, from: number, to: number, entryBytes: number): void {
    if (this.count === this.deleted.length) this.growSlots(this.count * 2);
    if (this.used + entryBytes > this.data.length) {
      const data = Buffer.allocUnsafeSlow(dataSizeFor(this.data.length, this.used + entryBytes));
      this.data.copy(data, 0, 0, this.used);
      this.data = data;
    }
    const same = this.count > 0 && this.sameFieldsAsFirst(fields, from, to);
    this.lpBase += this.lpEntrySize(id, fields, from, to);
    const i = this.count++;
    this.live++;
    id.writeWords(this.ids, i * 4);
    this.deleted[i] = 0;
    let at = writeVarint(this.data, this.used, (to - from) + (same ? 1 : 0));
    for (let k = same ? from + 1 : from; k < to; k += same ? 2 : 1) {
      const start = fields.starts[k];
      const end = fields.ends[k];
      at = writeVarint(this.data, at, end - start);
      this.data.set(fields.buf.subarray(start, end), at);
      at += end - start;
    }
    this.used = at;
    this.ends[i] = at;
  }

  private growSlots(capacity: number): void {
    const ids = new Uint32Array(capacity * 4);
    ids.set(this.ids);
    this.ids = ids;
    const deleted = new Uint8Array(capacity);
    deleted.set(this.deleted);
    this.deleted = deleted;
    const ends = new Uint32Array(capacity);
    ends.set(this.ends);
    this.ends = ends;
  }

  /** The first index whose id is >= `id` (count when none). */
  lowerBound(id: StreamId): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (id.compareWords(this.ids, mid * 4) > 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Field/value pairs of entry i. */
  pairs(i: number): number {
    return readVarint(this.data, this.start(i)).value >> 1;
  }

  /** Calls `each` with each field and value of entry i in order, as bytes of `data` (its names the first entry's when it has them). */
  visitFields(i: number, each: (buf: Buffer, start: number, end: number) => void): void {
    const data = this.data;
    const header = readVarint(data, this.start(i)).value;
    let at = VARINT.next;
    if ((header & 1) === 0) {
      for (let n = header; n > 0; n--) {
        const length = readVarint(data, at).value;
        at = VARINT.next + length;
        each(data, VARINT.next, at);
      }
      return;
    }
    // Names from the first entry, values from this one, in turn.
    let name = readVarint(data, 0).next;
    for (let n = header >> 1; n > 0; n--) {
      const nameLength = readVarint(data, name).value;
      const nameEnd = VARINT.next + nameLength;
      each(data, VARINT.next, nameEnd);
      const skipped = readVarint(data, nameEnd).value;
      name = VARINT.next + skipped;
      const length = readVarint(data, at).value;
      at = VARINT.next + length;
      each(data, VARINT.next, at);
    }
  }

  /** Cuts the arrays to what they hold (the stream moved on to a new block: this one takes no more entries): the bytes given back. */
  seal(): number {
    const before = this.bytes;
    const n = this.count;
    if (this.deleted.length > n) {
      this.ids = this.ids.slice(0, n * 4);
      this.deleted = this.deleted.slice(0, n);
      this.ends = this.ends.slice(0, n);
    }
    if (this.data.length > this.used) {
      const data = Buffer.allocUnsafeSlow(Math.max(this.used, 1));
      this.data.copy(data, 0, 0, this.used);
      this.data = data;
    }
    return before - this.bytes;
  }

  /** The packed bytes of the block (a hand-over): count, used, ids, deleted flags, ends, data. */
  serialize(): Buffer {
    const n = this.count;
    const out = Buffer.allocUnsafe(8 + n * 16 + n + n * 4 + this.used);
    out.writeUInt32LE(n, 0);
    out.writeUInt32LE(this.used, 4);
    let at = 8;
    for (let w = 0; w < n * 4; w++, at += 4) out.writeUInt32LE(this.ids[w], at);
    for (let i = 0; i < n; i++) out[at++] = this.deleted[i];
    for (let i = 0; i < n; i++, at += 4) out.writeUInt32LE(this.ends[i], at);
    this.data.copy(out, at, 0, this.used);
    return out;
  }

  /** serialize()'s bytes back as a block, or null when they are not one (ids out of order, ends or fields past the data). */
  static restore(bytes: Buffer): StreamBlock | null {
    if (bytes.length < 8) return null;
    const n = bytes.readUInt32LE(0);
    const used = bytes.readUInt32LE(4);
    if (n < 1 || bytes.length !== 8 + n * 21 + used) return null;
    const block = new StreamBlock(n, Math.max(used, 1));
    let at = 8;
    for (let w = 0; w < n * 4; w++, at += 4) block.ids[w] = bytes.readUInt32LE(at);
    for (let i = 0; i < n; i++) {
      const flag = bytes[at++];
      if (flag > 1) return null;
      block.deleted[i] = flag;
      if (flag === 0) block.live++;
    }
    for (let i = 0; i < n; i++, at += 4) block.ends[i] = bytes.readUInt32LE(at);
    bytes.copy(block.data, 0, at, at + used);
    block.used = used;
    const id = new StreamId();
    let firstPairs = -1;
    for (let i = 0; i < n; i++) {
      if (i > 0 && id.setWords(block.ids, (i - 1) * 4).compareWords(block.ids, i * 4) >= 0) return null;
      const start = block.start(i);
      const end = block.ends[i];
      const pairs = end < start || end > used ? -1 : fieldsFit(block.data, start, end, firstPairs);
      if (pairs < 0) return null;
      if (i === 0) firstPairs = pairs;
    }
    if (block.ends[n - 1] !== used) return null;
    // Its listpack size, entry by entry as they were appended.
    const ranges = { buf: block.data, starts: [] as number[], ends: [] as number[] };
    for (let i = 0; i < n; i++) {
      ranges.starts.length = ranges.ends.length = 0;
      block.visitFields(i, (_buf, start, end) => {
        ranges.starts.push(start);
        ranges.ends.push(end);
      });
      block.count = i;
      block.lpBase += block.lpEntrySize(id.setWords(block.ids, i * 4), ranges, 0, ranges.starts.length);
    }
    block.count = n;
    return block;
  }
}
