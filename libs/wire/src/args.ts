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

/** Lent Args kept for the next borrower, at most; one grown past MAX_KEPT_CAPACITY arguments is let go. */
const MAX_KEPT = 32;
const MAX_KEPT_CAPACITY = 1024;
const lent: Args[] = [];

/**
 * Args for the command a parser is reading, lent until the command is handed on (`returnArgs`):
 * a connection holds none between commands, where each parser kept its own (two Int32Arrays and
 * their buffers, a fifth of what an idle client kept on the heap). Safe while a command handed on
 * runs another client's input (a blocked client woken, its stashed input replayed): that parser
 * borrows other Args; a command split across reads keeps its own until it is whole.
 */
export function borrowArgs(): Args {
  return lent.pop() ?? new Args(8);
}

/** Gives back borrowed Args once the command they held was handed on (their contents are gone). */
export function returnArgs(args: Args): void {
  args.reset(EMPTY);
  if (lent.length < MAX_KEPT && args.starts.length <= MAX_KEPT_CAPACITY) lent.push(args);
}

// Node's Buffer has these fast latin1 paths (toString and write use them) but @types/node omits them.
declare global {
  interface Buffer {
    latin1Slice(start: number, end: number): string;
    latin1Write(text: string, offset: number, length: number): number;
  }
}

/** A copy of args in a buffer of its own, for work that outlives the read it came from. */
export function copyArgs(args: Args): Args {
  let total = 0;
  for (let i = 0; i < args.count; i++) total += args.ends[i] - args.starts[i];
  const buf = Buffer.allocUnsafe(total);
  const copy = new Args(Math.max(args.count, 1));
  copy.reset(buf);
  let at = 0;
  for (let i = 0; i < args.count; i++) {
    const n = args.buf.copy(buf, at, args.starts[i], args.ends[i]);
    copy.push(at, at + n);
    at += n;
  }
  return copy;
}

/** Args made from latin1 strings (one char per byte). */
export function argsOf(parts: readonly string[]): Args {
  let total = 0;
  for (const p of parts) total += p.length;
  const buf = Buffer.allocUnsafe(total);
  const args = new Args(Math.max(parts.length, 1));
  args.reset(buf);
  let at = 0;
  for (const p of parts) {
    buf.latin1Write(p, at, p.length);
    args.push(at, at + p.length);
    at += p.length;
  }
  return args;
}
