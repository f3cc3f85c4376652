import { Args } from './args';
import { CLIENT_ID_FLAG, FRAME_HEADER_BYTES, FrameError, FrameKind, LAST_FRAME_KIND, LAST_REPLY_KIND, MAX_FRAME_BYTES, ReplyKind, ReplyMode } from './frame';

// Reading frames: splitting a stream into frames, and walking their entries (layout in frame.ts).

export interface FrameSink {
  /** A whole frame: its entries are buf[start, end), `count` of them. */
  frame(kind: FrameKind, count: number, buf: Buffer, start: number, end: number): void;
}

/**
 * Splits a byte stream into frames. A frame wholly inside one read is handed over in place;
 * only frames split across reads are copied.
 */
export class FrameDecoder {
  private pending: Buffer | null = null;
  private pendingLen = 0;

  feed(chunk: Buffer, sink: FrameSink): void {
    if (this.pending !== null) {
      const need = this.pendingLen + chunk.length;
      if (need > this.pending.length) {
        const next = Buffer.allocUnsafe(Math.max(need, this.pending.length * 2));
        this.pending.copy(next, 0, 0, this.pendingLen);
        this.pending = next;
      }
      chunk.copy(this.pending, this.pendingLen);
      this.pendingLen = need;
      const buf = this.pending;
      const used = this.drain(buf, 0, need, sink);
      if (used === need) {
        this.pending = null;
        this.pendingLen = 0;
      } else if (used > 0) {
        buf.copy(buf, 0, used, need);
        this.pendingLen = need - used;
      }
      return;
    }
    const used = this.drain(chunk, 0, chunk.length, sink);
    if (used < chunk.length) {
      const rest = chunk.length - used;
      this.pending = Buffer.allocUnsafe(Math.max(rest * 2, 64 * 1024));
      chunk.copy(this.pending, 0, used);
      this.pendingLen = rest;
    }
  }

  /** Hands over every whole frame in buf[pos, end); returns where the unfinished rest begins. */
  private drain(buf: Buffer, pos: number, end: number, sink: FrameSink): number {
    while (end - pos >= FRAME_HEADER_BYTES) {
      const bodyLen = buf.readUInt32LE(pos);
      const kind = buf[pos + 4];
      if (bodyLen > MAX_FRAME_BYTES || kind < FrameKind.REQUEST || kind > LAST_FRAME_KIND) {
        throw new FrameError(`corrupt frame header (kind ${kind}, length ${bodyLen})`);
      }
      const bodyStart = pos + FRAME_HEADER_BYTES;
      if (end - bodyStart < bodyLen) break;
      sink.frame(kind, buf.readUInt32LE(pos + 5), buf, bodyStart, bodyStart + bodyLen);
      pos = bodyStart + bodyLen;
    }
    return pos;
  }
}

/** Walks the requests of a frame body, filling a reused Args with each command's arguments. */
export class RequestReader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private end = 0;
  readonly args = new Args(8);
  /** The id and reply mode of the last command read, and its asking client's id (0: none given). */
  id = 0;
  mode: ReplyMode = ReplyMode.FORM;
  client = 0;

  reset(buf: Buffer, start: number, end: number): void {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  /** The next command's opcode, its arguments in `args`. */
  next(): number {
    const buf = this.buf;
    if (this.end - this.pos < 10) throw new FrameError('truncated request');
    this.id = buf.readUInt32LE(this.pos);
    const opcode = buf[this.pos + 4];
    let mode = buf[this.pos + 5];
    let p = this.pos + 6;
    this.client = 0;
    if ((mode & CLIENT_ID_FLAG) !== 0) {
      if (this.end - p < 12) throw new FrameError('truncated request');
      this.client = buf.readDoubleLE(p);
      p += 8;
      mode &= ~CLIENT_ID_FLAG;
    }
    if (mode > ReplyMode.RESP3) throw new FrameError(`unknown reply mode ${mode}`);
    this.mode = mode;
    const argc = buf.readUInt32LE(p);
    p += 4;
    this.pos = readParts(buf, p, this.end, argc, this.args, 'request argument');
    return opcode;
  }
}

/** Walks the replies of a frame body. */
export class ReplyReader {
  buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private end = 0;
  /** The request id and the payload, buf[start, stop), of the last reply read. */
  id = 0;
  start = 0;
  stop = 0;

  reset(buf: Buffer, start: number, end: number): void {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  next(): ReplyKind {
    const buf = this.buf;
    if (this.end - this.pos < 9) throw new FrameError('truncated reply');
    this.id = buf.readUInt32LE(this.pos);
    const kind = buf[this.pos + 4];
    if (kind < ReplyKind.OK || kind > LAST_REPLY_KIND) throw new FrameError(`unknown reply kind ${kind}`);
    const len = buf.readUInt32LE(this.pos + 5);
    this.start = this.pos + 9;
    this.stop = this.start + len;
    if (this.stop > this.end) throw new FrameError('reply past the frame end');
    this.pos = this.stop;
    return kind as ReplyKind;
  }
}

/**
 * The items of an ARRAY reply (or a MAP's, `kind` MAP: then the count must be even) whose bytes
 * are buf[start, end), as latin1 strings.
 */
export function decodeItems(buf: Buffer, start: number, end: number, kind: ReplyKind.ARRAY | ReplyKind.MAP = ReplyKind.ARRAY): (string | undefined)[] {
  if (end - start < 4) throw new FrameError('truncated array');
  const count = buf.readUInt32LE(start);
  if (kind === ReplyKind.MAP && count % 2 !== 0) throw new FrameError(`map reply of ${count} items (an odd count)`);
  // Each item takes at least 5 bytes: a count past what the bytes can hold is corrupt, not a reason to allocate.
  if (count > (end - start - 4) / 5) throw new FrameError(`array of ${count} items in ${end - start} bytes`);
  const items: (string | undefined)[] = [];
  let p = start + 4;
  for (let i = 0; i < count; i++) {
    if (end - p < 5) throw new FrameError('truncated array item');
    const kind = buf[p];
    const len = buf.readUInt32LE(p + 1);
    p += 5;
    if (end - p < len) throw new FrameError('array item past the reply end');
    if (kind === ReplyKind.NIL) items.push(undefined);
    else if (kind === ReplyKind.BULK) items.push(buf.latin1Slice(p, p + len));
    else throw new FrameError(`array item of kind ${kind}`);
    p += len;
  }
  if (p !== end) throw new FrameError('bytes after the last array item');
  return items;
}

/** The command table version in a HELLO frame's body; -1 when the body has none (an older peer). */
export function helloVersion(buf: Buffer, start: number, end: number): number {
  return end - start >= 4 ? buf.readUInt32LE(start) : -1;
}

/**
 * Reads `count` length-prefixed parts (u32 length, then the bytes) from buf[p, end) into `args`
 * (views, no copy): a request's arguments, a push message's parts. Returns where they end; a part
 * past `end` is a corrupt frame.
 */
export function readParts(buf: Buffer, p: number, end: number, count: number, args: Args, what: string): number {
  args.reset(buf);
  for (let i = 0; i < count; i++) {
    if (end - p < 4) throw new FrameError(`truncated ${what}`);
    const len = buf.readUInt32LE(p);
    p += 4;
    if (end - p < len) throw new FrameError(`${what} past the frame end`);
    args.push(p, p + len);
    p += len;
  }
  return p;
}
