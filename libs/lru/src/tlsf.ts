/**
 * TLSF's free lists (arena.ts): a free block is on the list of its size class, the classes two
 * levels deep (a power of two, then 32 steps within it; exact 8-byte steps below 256 bytes),
 * with a bitmap per level so the first non-empty class that fits is found in O(1).
 */

/** No block: the end of a free list, or an allocation that failed. */
export const NIL = 0xffffffff;
export const FLAGS = 7;
export const OFFSET_BITS = 19;
export const OFFSET_MASK = (1 << OFFSET_BITS) - 1;

/** Second-level classes per first-level class (32: a class spans 1/32 of its power of two). */
const SL_LOG = 5;
const SL_COUNT = 1 << SL_LOG;
/** Below this, classes are exact 8-byte steps (first level 0). */
const SMALL = SL_COUNT * 8;
const SMALL_LOG = 8;
const FL_COUNT = 17;

function ctz(x: number): number {
  return 31 - Math.clz32(x & -x);
}

export abstract class FreeLists {
  /** The chunks as u32 words, for block headers and links (undefined: released). */
  readonly words: (Uint32Array | undefined)[] = [];
  private flBitmap = 0;
  private readonly slBitmap = new Uint32Array(FL_COUNT);
  private readonly heads = new Uint32Array(FL_COUNT * SL_COUNT).fill(NIL);

  protected resetLists(): void {
    this.words.length = 0;
    this.flBitmap = 0;
    this.slBitmap.fill(0);
    this.heads.fill(NIL);
  }

  /** Free blocks as the lists hold them (for tests), each [addr, size]. */
  freeLists(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.heads.length; i++) {
      for (let addr = this.heads[i]; addr !== NIL; ) {
        const words = this.words[addr >>> OFFSET_BITS]!;
        const at = (addr & OFFSET_MASK) << 1;
        out.push([addr, words[at] & ~FLAGS]);
        addr = words[at + 1];
      }
    }
    return out;
  }

  protected classOf(size: number): number {
    if (size < SMALL) return size >>> 3;
    const log = 31 - Math.clz32(size);
    return (log - SMALL_LOG + 1) * SL_COUNT + ((size >>> (log - SL_LOG)) ^ SL_COUNT);
  }

  protected insert(addr: number, size: number): void {
    const cls = this.classOf(size);
    const head = this.heads[cls];
    const words = this.words[addr >>> OFFSET_BITS]!;
    const at = (addr & OFFSET_MASK) << 1;
    words[at + 1] = head;
    words[at + 2] = NIL;
    if (head !== NIL) this.words[head >>> OFFSET_BITS]![((head & OFFSET_MASK) << 1) + 2] = addr;
    this.heads[cls] = addr;
    const fl = cls >>> SL_LOG;
    this.flBitmap |= 1 << fl;
    this.slBitmap[fl] |= 1 << (cls & (SL_COUNT - 1));
  }

  protected remove(addr: number, size: number): void {
    const cls = this.classOf(size);
    const words = this.words[addr >>> OFFSET_BITS]!;
    const at = (addr & OFFSET_MASK) << 1;
    const next = words[at + 1];
    const prev = words[at + 2];
    if (next !== NIL) this.words[next >>> OFFSET_BITS]![((next & OFFSET_MASK) << 1) + 2] = prev;
    if (prev !== NIL) this.words[prev >>> OFFSET_BITS]![((prev & OFFSET_MASK) << 1) + 1] = next;
    else {
      this.heads[cls] = next;
      if (next === NIL) {
        const fl = cls >>> SL_LOG;
        this.slBitmap[fl] &= ~(1 << (cls & (SL_COUNT - 1)));
        if (this.slBitmap[fl] === 0) this.flBitmap &= ~(1 << fl);
      }
    }
  }

  /** A free block of at least `size` bytes: from the first class whose every block is big enough. */
  protected findFit(size: number): number {
    // Round up to the next class boundary, so any block of the class found fits (good fit).
    let search = size;
    if (size >= SMALL) search += (1 << (31 - Math.clz32(size) - SL_LOG)) - 1;
    const cls = this.classOf(search);
    let fl = cls >>> SL_LOG;
    if (fl >= FL_COUNT) return NIL;
    let slMap = this.slBitmap[fl] & (~0 << (cls & (SL_COUNT - 1)));
    if (slMap === 0) {
      const flMap = fl + 1 >= 32 ? 0 : this.flBitmap & (~0 << (fl + 1));
      if (flMap === 0) return this.exactFit(size, cls);
      fl = ctz(flMap);
      slMap = this.slBitmap[fl];
    }
    return this.heads[fl * SL_COUNT + ctz(slMap)];
  }

  /**
   * No class above holds a block: the request's own class may still hold one big enough (its
   * blocks range over the class). Looks at a few of them rather than fail.
   */
  private exactFit(size: number, searchClass: number): number {
    const cls = this.classOf(size);
    if (cls === searchClass) return NIL;
    let addr = this.heads[cls];
    for (let tries = 0; addr !== NIL && tries < 8; tries++) {
      const words = this.words[addr >>> OFFSET_BITS]!;
      const at = (addr & OFFSET_MASK) << 1;
      if ((words[at] & ~FLAGS) >= size) return addr;
      addr = words[at + 1];
    }
    return NIL;
  }
}
