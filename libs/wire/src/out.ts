import './args';

/**
 * A growable byte buffer that replies and frames are encoded into. The owner copies the filled
 * part out once (`take`) when it hands the bytes to a socket, so the buffer itself is reused.
 */
/** Above this a buffer is reallocated small once emptied, so one large reply does not pin memory. */
const SHRINK_ABOVE = 4 * 1024 * 1024;

export class OutBuffer {
  buf: Buffer;
  length = 0;

  private readonly initial: number;

  constructor(capacity = 64 * 1024) {
    this.initial = capacity;
    this.buf = Buffer.allocUnsafe(capacity);
  }

  ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let size = Math.max(64, this.buf.length * 2);
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  bytes(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.ensure(n);
    if (n < 32) {
      // A byte loop beats copy()'s native call for the short keys and values a cache mostly holds.
      const dst = this.buf;
      let o = this.length;
      for (let i = start; i < end; i++) dst[o++] = src[i];
    } else {
      this.buf.set(src.subarray(start, end), this.length);
    }
    this.length += n;
  }

  all(src: Uint8Array): void {
    this.bytes(src, 0, src.length);
  }

  latin1(text: string): void {
    this.ensure(text.length);
    this.length += this.buf.latin1Write(text, this.length, text.length);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.length);
    this.length += 8;
  }

  /** Reserves n bytes to be filled in later (a frame header), returning their offset. */
  reserve(n: number): number {
    this.ensure(n);
    const at = this.length;
    this.length += n;
    return at;
  }

  /** A copy of bytes [start, length), leaving the buffer empty. */
  take(start = 0): Buffer {
    const out = Buffer.allocUnsafe(this.length - start);
    this.buf.copy(out, 0, start, this.length);
    this.clear();
    return out;
  }

  /** Drops the first n bytes, keeping the rest at the front. */
  consume(n: number): void {
    if (n >= this.length) {
      this.length = 0;
      return;
    }
    this.buf.copy(this.buf, 0, n, this.length);
    this.length -= n;
  }

  /** Empties the buffer; one grown past SHRINK_ABOVE by a burst goes back to its first size. */
  clear(): void {
    this.length = 0;
    if (this.buf.length > SHRINK_ABOVE) this.buf = Buffer.allocUnsafe(this.initial);
  }
}
