/**
 * A command's arguments as ranges of one buffer, reused from command to command so parsing
 * allocates nothing. Valid only until the parser or decoder that filled it moves on.
 */
export class Args {
  buf: Buffer = EMPTY;
  starts: Int32Array;
  ends: Int32Array;
  count = 0;

  constructor(capacity = 8) {
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }

  reset(buf: Buffer): void {
    this.buf = buf;
    this.count = 0;
  }

  push(start: number, end: number): void {
    if (this.count === this.starts.length) this.grow();
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.count++;
  }

  length(i: number): number {
    return this.ends[i] - this.starts[i];
  }

  /** Argument i as a latin1 string: one char per byte, so any byte sequence round-trips. */
  latin1(i: number): string {
    return this.buf.latin1Slice(this.starts[i], this.ends[i]);
  }

  private grow(): void {
    const starts = new Int32Array(this.starts.length * 2);
    const ends = new Int32Array(this.ends.length * 2);
    starts.set(this.starts);
    ends.set(this.ends);
    this.starts = starts;
    this.ends = ends;
  }
}

const EMPTY = Buffer.alloc(0);

// Node's Buffer has these fast latin1 paths (toString and write use them) but @types/node omits them.
declare global {
  interface Buffer {
    latin1Slice(start: number, end: number): string;
    latin1Write(text: string, offset: number, length: number): number;
  }
}
