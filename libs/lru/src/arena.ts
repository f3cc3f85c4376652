/**
 * The bytes of every entry of a worker's shards: chunks of memory (ArrayBuffers, outside the
 * V8 heap, never walked by the garbage collector) carved into blocks by a TLSF allocator
 * (two-level segregated fit: Masmano et al., 2004). Allocation and free are O(1); a freed block
 * merges at once with free neighbours, so memory one value size gave back serves any other
 * size (no slab classes to rebalance when value sizes shift).
 *
 * A block starts 8-byte aligned with one u32 word: its size in bytes (a multiple of 8) and two
 * flags (FREE, PREV_FREE). A used block's payload follows that word. A free block keeps its list
 * links in its payload (next, prev) and its own address in its last word, so the block after it
 * can find it to merge (the PREV_FREE flag says it may).
 *
 * An address is `chunk << 19 | offset / 8`: a u32 that a typed array holds, for up to 8,192
 * chunks of at most 4 MiB each. A payload past a quarter of a chunk gets a chunk of its own (a
 * large block, at offset 0, of any size), released when it is freed.
 *
 * A split never leaves less than MIN_BLOCK as a free block: an 8-byte rest is dust, marked free
 * (so neighbours merge with it) but on no list, and a block is always exactly the size asked for.
 */

import { FLAGS, FreeLists, NIL, OFFSET_BITS, OFFSET_MASK } from './tlsf';

export { NIL } from './tlsf';


const FREE = 1;
const PREV_FREE = 2;
/** A free block's header, two links and footer. */
export const MIN_BLOCK = 16;
/** The block word before every payload. */
export const BLOCK_HEADER = 4;


/** Largest chunk: 2^19 units of 8 bytes. */
export const MAX_CHUNK = 1 << (OFFSET_BITS + 3);
const MAX_CHUNKS = 1 << (32 - OFFSET_BITS);


/** Bytes a block takes for a payload of `payload` bytes. */
export function blockSizeFor(payload: number): number {
  const size = (payload + BLOCK_HEADER + 7) & ~7;
  return size < MIN_BLOCK ? MIN_BLOCK : size;
}


export class Arena extends FreeLists {
  /** Bytes of each chunk (undefined: released, its index reusable). */
  readonly bytes: (Buffer | undefined)[] = [];
  /** Bytes in used blocks. */
  used = 0;
  /** Bytes of all chunks held. */
  size = 0;
  /** Bytes of the large blocks' own chunks (within `size`). */
  largeSize = 0;
  private chunks = 0;
  /** Chunk indexes holding one large block. */
  private readonly large = new Set<number>();
  private readonly unusedIndexes: number[] = [];

  /** `chunkSize`: a power of two from 4 KiB to MAX_CHUNK; payloads up to chunkSize - 8 fit a block. */
  constructor(readonly chunkSize: number) {
    super();
    if (!(chunkSize >= 4096 && chunkSize <= MAX_CHUNK && (chunkSize & (chunkSize - 1)) === 0)) {
      throw new RangeError(`chunk size ${chunkSize} is not a power of two from 4096 to ${MAX_CHUNK}`);
    }
  }

  /** Payloads past this get a chunk of their own. */
  get largeThreshold(): number {
    return this.chunkSize >>> 2;
  }

  get chunkCount(): number {
    return this.chunks;
  }

  /** Bytes of chunk memory not in used blocks (free blocks, and so fragmentation). */
  get free(): number {
    return this.size - this.used;
  }

  /** Takes one more chunk as one free block. False when no chunk index is left. */
  grow(): boolean {
    const index = this.newChunk(this.chunkSize);
    if (index < 0) return false;
    const addr = index << OFFSET_BITS;
    this.markFree(addr, this.chunkSize, 0);
    this.insert(addr, this.chunkSize);
    return true;
  }

  /** A block for a payload past largeThreshold, in a chunk of its own; NIL when no chunk index is left. */
  allocLarge(payload: number): number {
    const size = blockSizeFor(payload);
    const index = this.newChunk(size);
    if (index < 0) return NIL;
    this.large.add(index);
    this.largeSize += size;
    this.words[index]![0] = size;
    this.used += size;
    return index << OFFSET_BITS;
  }

  private newChunk(size: number): number {
    const index = this.unusedIndexes.length > 0 ? this.unusedIndexes.pop()! : this.bytes.length;
    if (index >= MAX_CHUNKS) return -1;
    // allocUnsafeSlow: not zeroed and not pooled, so pages become resident only once written.
    const bytes = Buffer.allocUnsafeSlow(size);
    this.bytes[index] = bytes;
    this.words[index] = new Uint32Array(bytes.buffer, bytes.byteOffset, size >>> 2);
    this.size += size;
    this.chunks++;
    return index;
  }

  private dropChunk(index: number, size: number): void {
    this.bytes[index] = undefined;
    this.words[index] = undefined;
    this.unusedIndexes.push(index);
    this.size -= size;
    this.chunks--;
  }

  /**
   * A block whose payload holds `payload` bytes (at most largeThreshold), or NIL when no free
   * block is big enough.
   */
  alloc(payload: number): number {
    const size = blockSizeFor(payload);
    if (size > this.chunkSize) return NIL;
    const addr = this.findFit(size);
    if (addr === NIL) return NIL;
    const words = this.words[addr >>> OFFSET_BITS]!;
    const at = (addr & OFFSET_MASK) << 1;
    const have = words[at] & ~FLAGS;
    this.remove(addr, have);
    if (have > size) {
      // Split: the rest stays free (its previous block, this one, is used); dust if 8 bytes.
      const rest = addr + (size >>> 3);
      this.markFree(rest, have - size, 0);
      if (have - size >= MIN_BLOCK) this.insert(rest, have - size);
    } else {
      this.setPrevFree(addr, have, false);
    }
    words[at] = size;
    this.used += size;
    return addr;
  }

  /** Returns a used block; merges it with free neighbours. A chunk left empty is released if `release`. */
  freeBlock(addr: number, release = true): void {
    const chunk = addr >>> OFFSET_BITS;
    const words = this.words[chunk]!;
    const head = words[(addr & OFFSET_MASK) << 1];
    let size = head & ~FLAGS;
    this.used -= size;
    if (this.large.delete(chunk)) {
      this.largeSize -= size;
      return this.dropChunk(chunk, size);
    }
    const nextAddr = addr + (size >>> 3);
    if (this.inChunk(nextAddr, chunk)) {
      const nextHead = words[(nextAddr & OFFSET_MASK) << 1];
      if (nextHead & FREE) {
        if ((nextHead & ~FLAGS) >= MIN_BLOCK) this.remove(nextAddr, nextHead & ~FLAGS);
        size += nextHead & ~FLAGS;
      }
    }
    if (head & PREV_FREE) {
      const prevAddr = words[((addr & OFFSET_MASK) << 1) - 1];
      const prevSize = words[(prevAddr & OFFSET_MASK) << 1] & ~FLAGS;
      if (prevSize >= MIN_BLOCK) this.remove(prevAddr, prevSize);
      addr = prevAddr;
      size += prevSize;
    }
    if (release && size === this.chunkSize && this.chunks - this.large.size > 1) {
      return this.dropChunk(chunk, size);
    }
    this.markFree(addr, size, 0);
    this.setPrevFree(addr, size, true);
    this.insert(addr, size);
  }

  /** The block's size in bytes (its payload is size - BLOCK_HEADER). */
  blockSize(addr: number): number {
    return this.words[addr >>> OFFSET_BITS]![(addr & OFFSET_MASK) << 1] & ~FLAGS;
  }

  /** The chunk holding a block's bytes. */
  chunkOf(addr: number): Buffer {
    return this.bytes[addr >>> OFFSET_BITS]!;
  }

  /** The chunk holding a block, as u32 words. */
  wordsOf(addr: number): Uint32Array {
    return this.words[addr >>> OFFSET_BITS]!;
  }

  /** Byte offset of a block's payload within its chunk. */
  payloadOffset(addr: number): number {
    return ((addr & OFFSET_MASK) << 3) + BLOCK_HEADER;
  }

  /** Drops every chunk: every block address becomes invalid. */
  reset(): void {
    this.bytes.length = 0;
    this.words.length = 0;
    this.unusedIndexes.length = 0;
    this.used = 0;
    this.size = 0;
    this.largeSize = 0;
    this.chunks = 0;
    this.large.clear();
    this.resetLists();
  }

  /**
   * Visits every block in address order, used or free (for tests: the invariants of the layout).
   * `visit(addr, size, free)`.
   */
  forEachBlock(visit: (addr: number, size: number, free: boolean, prevFree: boolean) => void): void {
    for (let chunk = 0; chunk < this.words.length; chunk++) {
      const words = this.words[chunk];
      if (words === undefined) continue;
      const end = this.large.has(chunk) ? words.length * 4 : this.chunkSize;
      for (let offset = 0; offset < end; ) {
        const head = words[offset >>> 2];
        const size = head & ~FLAGS;
        if (size < 8) throw new Error(`block of ${size} bytes at chunk ${chunk} offset ${offset}`);
        visit((chunk << OFFSET_BITS) | (offset >>> 3), size, (head & FREE) !== 0, (head & PREV_FREE) !== 0);
        offset += size;
      }
    }
  }

  private inChunk(addr: number, chunk: number): boolean {
    return addr >>> OFFSET_BITS === chunk && (addr & OFFSET_MASK) < this.chunkSize >>> 3;
  }

  /** Writes a free block's header and footer. */
  private markFree(addr: number, size: number, flags: number): void {
    const words = this.words[addr >>> OFFSET_BITS]!;
    const at = (addr & OFFSET_MASK) << 1;
    words[at] = size | FREE | flags;
    words[at + (size >>> 2) - 1] = addr;
  }

  /** Sets or clears PREV_FREE on the block after the one at `addr` (of `size` bytes), if any. */
  private setPrevFree(addr: number, size: number, free: boolean): void {
    const next = addr + (size >>> 3);
    if (!this.inChunk(next, addr >>> OFFSET_BITS)) return;
    const words = this.words[next >>> OFFSET_BITS]!;
    const at = (next & OFFSET_MASK) << 1;
    words[at] = free ? words[at] | PREV_FREE : words[at] & ~PREV_FREE;
  }

}
