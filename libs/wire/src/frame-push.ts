import { Args } from './args';
import { FrameEncoder, FrameError, FrameKind } from './frame';
import { readParts } from './frame-read';

/**
 * Push frames between workers (FrameKind.PUSH): messages that answer no request and get no reply,
 * a kind of their own beside requests and replies, so they are never matched to a request, never
 * wait behind a transaction's hold and never take a place among a link's owed replies. Each
 * entry is
 *
 *   u8 push kind | u32 part count | count x (u32 length | bytes)
 *
 * What a kind means (a Pub/Sub message, an invalidation ...) is its receiver's business: the
 * codec only carries a small number and the parts.
 */
export class PushEncoder {
  readonly frames = new FrameEncoder(FrameKind.PUSH);
  /** Parts still owed by the message being added (a message is added whole, never interleaved). */
  private owed = 0;

  /** Starts a message of `kind` with `parts` parts; add each with part() or latin1(). */
  begin(kind: number, parts: number): void {
    if (this.owed !== 0) throw new RangeError(`a push message still owes ${this.owed} parts`);
    const out = this.frames.out;
    out.u8(kind);
    out.u32(parts);
    this.owed = parts;
    if (parts === 0) this.frames.count++;
  }

  /** A part whose bytes are buf[start, end). */
  part(buf: Uint8Array, start: number, end: number): void {
    const out = this.frames.out;
    out.u32(end - start);
    out.bytes(buf, start, end);
    this.partAdded();
  }

  /** A part given as a latin1 string (one byte per char). */
  latin1(text: string): void {
    const out = this.frames.out;
    out.u32(text.length);
    out.latin1(text);
    this.partAdded();
  }

  private partAdded(): void {
    if (this.owed <= 0) throw new RangeError('a push part past its message');
    if (--this.owed === 0) this.frames.count++;
  }

  /** Messages added since the last finish. */
  get count(): number {
    return this.frames.count;
  }
}

/** Walks the messages of a push frame body, filling a reused Args with each one's parts. */
export class PushReader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private end = 0;
  readonly args = new Args(8);

  reset(buf: Buffer, start: number, end: number): void {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  /** The next message's kind, its parts in `args`; throws FrameError for a corrupt one. */
  next(): number {
    const buf = this.buf;
    if (this.end - this.pos < 5) throw new FrameError('truncated push message');
    const kind = buf[this.pos];
    const parts = buf.readUInt32LE(this.pos + 1);
    // Each part takes at least 4 bytes: a count past what the bytes hold is corrupt, not a reason to allocate.
    if (parts > (this.end - this.pos - 5) / 4) throw new FrameError(`push message of ${parts} parts in ${this.end - this.pos} bytes`);
    this.pos = readParts(buf, this.pos + 5, this.end, parts, this.args, 'push part');
    return kind;
  }
}
