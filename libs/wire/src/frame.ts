import { Args } from './args';
import { OutBuffer } from './out';

/**
 * Frames between worker processes. One frame carries a batch: every command a worker forwards
 * to one peer in one event-loop turn, or the replies to such a batch, in the same order.
 *
 *   header  u32 body length | u8 kind | u32 entry count        (little endian)
 *   request u8 opcode | u8 reply mode | u32 argc | argc x (u32 length | bytes)
 *   reply   u8 reply kind | u32 length | bytes
 *
 * A request's reply mode says which form its reply takes: FORM (kind and payload, for a
 * coordinator that combines replies) or the asking client's protocol (TEXT, RESP), which the
 * owner encodes once, so the reply crosses as bytes (ENCODED) that go to the client as they are.
 */
export const enum FrameKind {
  REQUEST = 1,
  REPLY = 2,
  /** First frame on a link, from the worker that connected: `count` is its worker index. */
  HELLO = 3,
}

export const enum ReplyKind {
  OK = 1,
  NIL = 2,
  BULK = 3,
  ERROR = 4,
  INTEGER = 5,
  /** A simple string such as PONG or a TYPE name. */
  STATUS = 6,
  /** The reply already encoded in the asking client's protocol (a request of mode TEXT or RESP). */
  ENCODED = 7,
}

/** The form a request's reply takes (see the frame layout above). */
export const enum ReplyMode {
  /** Kind and payload (latin1): for a coordinator that combines replies. */
  FORM = 0,
  /** The seed's text protocol, encoded by the owner. */
  TEXT = 1,
  /** RESP, encoded by the owner. */
  RESP = 2,
}

export const FRAME_HEADER_BYTES = 9;
/** The largest body the u32 header can state (request batches are flushed long before it). */
export const MAX_FRAME_BYTES = 0xfffffffe;

export class FrameError extends Error {
  readonly code = 'KV_ERR_FRAME';
}

/** Builds one frame at a time into an OutBuffer. */
export class FrameEncoder {
  readonly out = new OutBuffer(16 * 1024);
  count = 0;
  private kind: FrameKind;

  constructor(kind: FrameKind) {
    this.kind = kind;
    this.out.reserve(FRAME_HEADER_BYTES);
  }

  command(opcode: number, args: Args, first = 0, mode: ReplyMode = ReplyMode.FORM): void {
    const out = this.out;
    const argc = args.count - first;
    out.u8(opcode);
    out.u8(mode);
    out.u32(argc);
    for (let i = first; i < args.count; i++) {
      out.u32(args.ends[i] - args.starts[i]);
      out.bytes(args.buf, args.starts[i], args.ends[i]);
    }
    this.count++;
  }

  reply(kind: ReplyKind): void {
    this.out.u8(kind);
    this.out.u32(0);
    this.count++;
  }

  replyLatin1(kind: ReplyKind, text: string): void {
    this.out.u8(kind);
    this.out.u32(text.length);
    this.out.latin1(text);
    this.count++;
  }

  /** Starts an ENCODED reply: its bytes are appended to `out` next; returns where to end it. */
  beginEncoded(): number {
    this.out.u8(ReplyKind.ENCODED);
    return this.out.reserve(4);
  }

  /** Ends the ENCODED reply begun at `at`: its length is what was appended since. */
  endEncoded(at: number): void {
    this.out.buf.writeUInt32LE(this.out.length - at - 4, at);
    this.count++;
  }

  /** Drops whatever was added since the last finish. */
  discard(): void {
    this.out.clear();
    this.out.reserve(FRAME_HEADER_BYTES);
    this.count = 0;
  }

  /** Appends the finished frame to `target` (when anything was added); the encoder starts afresh. */
  finishInto(target: OutBuffer): void {
    if (this.count === 0) return;
    const out = this.out;
    out.buf.writeUInt32LE(out.length - FRAME_HEADER_BYTES, 0);
    out.buf[4] = this.kind;
    out.buf.writeUInt32LE(this.count, 5);
    target.bytes(out.buf, 0, out.length);
    out.length = 0;
    out.reserve(FRAME_HEADER_BYTES);
    this.count = 0;
  }

  /** The finished frame (a copy), or null when nothing was added; the encoder starts afresh. */
  finish(): Buffer | null {
    if (this.count === 0) return null;
    const out = this.out;
    out.buf.writeUInt32LE(out.length - FRAME_HEADER_BYTES, 0);
    out.buf[4] = this.kind;
    out.buf.writeUInt32LE(this.count, 5);
    const frame = out.take();
    out.reserve(FRAME_HEADER_BYTES);
    this.count = 0;
    return frame;
  }
}

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
      if (bodyLen > MAX_FRAME_BYTES || kind < FrameKind.REQUEST || kind > FrameKind.HELLO) {
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
  /** The reply mode of the last command read. */
  mode: ReplyMode = ReplyMode.FORM;

  reset(buf: Buffer, start: number, end: number): void {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  /** The next command's opcode, its arguments in `args`. */
  next(): number {
    const buf = this.buf;
    if (this.end - this.pos < 6) throw new FrameError('truncated request');
    const opcode = buf[this.pos];
    const mode = buf[this.pos + 1];
    if (mode > ReplyMode.RESP) throw new FrameError(`unknown reply mode ${mode}`);
    this.mode = mode;
    const argc = buf.readUInt32LE(this.pos + 2);
    let p = this.pos + 6;
    const args = this.args;
    args.reset(buf);
    for (let i = 0; i < argc; i++) {
      if (this.end - p < 4) throw new FrameError('truncated request argument');
      const len = buf.readUInt32LE(p);
      p += 4;
      if (this.end - p < len) throw new FrameError('request argument past the frame end');
      args.push(p, p + len);
      p += len;
    }
    this.pos = p;
    return opcode;
  }
}

/** Walks the replies of a frame body. */
export class ReplyReader {
  buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private end = 0;
  /** The payload of the last reply read: buf[start, stop). */
  start = 0;
  stop = 0;

  reset(buf: Buffer, start: number, end: number): void {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  next(): ReplyKind {
    const buf = this.buf;
    if (this.end - this.pos < 5) throw new FrameError('truncated reply');
    const kind = buf[this.pos];
    const len = buf.readUInt32LE(this.pos + 1);
    this.start = this.pos + 5;
    this.stop = this.start + len;
    if (this.stop > this.end) throw new FrameError('reply past the frame end');
    this.pos = this.stop;
    return kind as ReplyKind;
  }
}

/**
 * The frame a worker sends first on a link it opened, naming itself (the header's count) and the
 * version of its command table (body: u32), since opcodes are positions in that table.
 */
export function helloFrame(worker: number, tableVersion: number): Buffer {
  const frame = Buffer.alloc(FRAME_HEADER_BYTES + 4);
  frame.writeUInt32LE(4, 0);
  frame[4] = FrameKind.HELLO;
  frame.writeUInt32LE(worker, 5);
  frame.writeUInt32LE(tableVersion >>> 0, FRAME_HEADER_BYTES);
  return frame;
}

/** The command table version in a HELLO frame's body; -1 when the body has none (an older peer). */
export function helloVersion(buf: Buffer, start: number, end: number): number {
  return end - start >= 4 ? buf.readUInt32LE(start) : -1;
}
