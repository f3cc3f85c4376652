// latin1Slice and latin1Write: Node's fast latin1 paths, declared for Buffer by @kv/wire.
import type {} from '@kv/wire';

export const T_NIL = 0, T_BOOLEAN = 1, T_LIGHTUSERDATA = 2, T_NUMBER = 3, T_STRING = 4, T_TABLE = 5;

/** Scratch (and argument buffer) bytes kept between calls; a bigger one is given back after its use. */
export const SCRATCH_KEPT = 1 << 20;

/** Integers 0..1024 as BigInt: table indexes and small replies cross into wasm as i64 without a new BigInt each. */
const SMALL: readonly bigint[] = Array.from({ length: 1025 }, (_, i) => BigInt(i));

/** `n` as the i64 a lua_* function takes. */
export function i64(n: number): bigint {
  return n >= 0 && n <= 1024 ? SMALL[n] : BigInt(n);
}

/** Copies src[start, end) to dst at `at`: by hand when short (a native copy's call costs more than a few bytes). */
export function copyBytes(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): void {
  if (end - start > 48) {
    dst.set(src.subarray(start, end), at);
    return;
  }
  for (let i = start; i < end; i++) dst[at++] = src[i];
}

/**
 * Strings between the wasm heap and latin1 JS strings (one char per byte: any bytes round-trip),
 * through one Buffer over the whole heap (made again only when the heap grows) and one scratch
 * area on it (grown as needed): no Buffer, malloc or free per string.
 */
export class LuaHeap {
  private heapView: Buffer = Buffer.alloc(0);
  /** The module's HEAPU8 the view was made over (a new one when the heap grows). */
  private heapOf: Uint8Array | null = null;
  /** A scratch area on the wasm heap that strings are copied through (grown as needed, never per push). */
  private scratchPtr = 0;
  private scratchSize = 0;

  constructor(
    protected readonly m: any,
    protected readonly lenPtr: number,
  ) {}

  /** A Buffer over the whole wasm heap: valid until the next call that may allocate in Lua. */
  heap(): Buffer {
    const u8 = this.m.HEAPU8 as Uint8Array;
    if (u8 !== this.heapOf) {
      this.heapOf = u8;
      this.heapView = Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
    }
    return this.heapView;
  }

  /** Frees the scratch area when a big value made it big (the heap never shrinks, but Lua may reuse the room). */
  trimScratch(): void {
    if (this.scratchSize <= SCRATCH_KEPT) return;
    this.m._free(this.scratchPtr);
    this.scratchPtr = 0;
    this.scratchSize = 0;
  }

  /** The scratch area, at least `len` bytes: its address. */
  scratch(len: number): number {
    if (len > this.scratchSize) {
      const m = this.m;
      if (this.scratchPtr !== 0) m._free(this.scratchPtr);
      this.scratchSize = 0;
      const size = Math.max(len, 256);
      this.scratchPtr = m._malloc(size);
      if (this.scratchPtr === 0) throw new RangeError('out of wasm memory');
      this.scratchSize = size;
    }
    return this.scratchPtr;
  }

  stringAt(T: number, index: number): string {
    const m = this.m;
    if (m._lua_type(T, index) !== T_STRING) return '';
    const ptr = m._lua_tolstring(T, index, this.lenPtr);
    if (ptr === 0) return '';
    return this.heap().latin1Slice(ptr, ptr + m.HEAPU32[this.lenPtr >> 2]);
  }

  /** A copy of the bytes of the string at `index` (empty when it is not a string). */
  bytesAt(T: number, index: number): Buffer {
    const m = this.m;
    if (m._lua_type(T, index) !== T_STRING) return Buffer.alloc(0);
    const ptr = m._lua_tolstring(T, index, this.lenPtr);
    if (ptr === 0) return Buffer.alloc(0);
    return Buffer.from(m.HEAPU8.subarray(ptr, ptr + m.HEAPU32[this.lenPtr >> 2]));
  }

  /** Calls `use` with a view of the bytes of the string at `index`, valid only during the call (nothing may allocate in Lua meanwhile). */
  viewBytes(T: number, index: number, use: (bytes: Uint8Array) => void): void {
    const m = this.m;
    const ptr = m._lua_tolstring(T, index, this.lenPtr);
    use(ptr === 0 ? new Uint8Array(0) : (m.HEAPU8 as Uint8Array).subarray(ptr, ptr + m.HEAPU32[this.lenPtr >> 2]));
  }

  /** Pushes `bytes[start, end)` as a Lua string. */
  pushBytes(T: number, bytes: Uint8Array, start = 0, end = bytes.length): void {
    const len = end - start;
    const at = this.scratch(len);
    copyBytes(bytes, start, end, this.m.HEAPU8, at);
    this.m._lua_pushlstring(T, at, len);
    if (len > SCRATCH_KEPT) this.trimScratch();
  }

  /** Where the string at `index` is on the heap and its length (in `lenPtr`): read at once, before Lua allocates. */
  stringPtr(T: number, index: number): number {
    return this.m._lua_tolstring(T, index, this.lenPtr);
  }

  /** The length the last stringPtr() found. */
  lastLength(): number {
    return this.m.HEAPU32[this.lenPtr >> 2];
  }

  pushString(T: number, text: string): void {
    const len = text.length;
    const at = this.scratch(len);
    this.heap().latin1Write(text, at, len);
    this.m._lua_pushlstring(T, at, len);
    if (len > SCRATCH_KEPT) this.trimScratch();
  }

  /** Calls `f` with `name` as a NUL-terminated string on the wasm heap. */
  withName<R>(name: string, f: (ptr: number) => R): R {
    const m = this.m;
    const ptr = m._malloc(name.length + 1);
    if (ptr === 0) throw new RangeError('out of wasm memory');
    this.heap().latin1Write(`${name}\0`, ptr, name.length + 1);
    try {
      return f(ptr);
    } finally {
      m._free(ptr);
    }
  }

  /** A NUL-terminated string at `ptr` on the wasm heap (latin1). */
  cString(ptr: number): string {
    const heap = this.heap();
    const end = heap.indexOf(0, ptr);
    return heap.latin1Slice(ptr, end < 0 ? heap.length : end);
  }

  /** Compiles `source` as chunk `name` (text only); pushes the function or the error message. */
  loadChunk(T: number, source: string, name: string): number {
    const m = this.m;
    const len = source.length;
    const tail = `${name}\0t\0`;
    const ptr = m._malloc(len + tail.length + 1);
    if (ptr === 0) throw new RangeError('out of wasm memory');
    try {
      const heap = this.heap();
      heap.latin1Write(source, ptr, len);
      heap.latin1Write(tail, ptr + len, tail.length);
      return m._luaL_loadbufferx(T, ptr, len, ptr + len, ptr + len + name.length + 1);
    } finally {
      m._free(ptr);
    }
  }
}
