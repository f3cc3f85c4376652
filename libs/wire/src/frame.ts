import { Args } from './args';
import { OutBuffer } from './out';

/**
 * Frames between worker processes. One frame carries a batch: every command a worker forwards
 * to one peer in one event-loop turn, or the replies to such a batch, in the same order.
 *
 *   header  u32 body length | u8 kind | u32 entry count        (little endian)
 *   request u32 id | u8 opcode | u8 reply mode [| f64 client id] | u32 argc | argc x (u32 length | bytes)
 *           (the client id is there when the mode byte has CLIENT_ID_FLAG: the asking client's,
 *           for an owner that keeps per-client state of its keys, client-side caching's readers)
 *   push    u8 push kind | u32 part count | count x (u32 length | bytes)   (frame-push.ts)
 *   reply   u32 id | u8 reply kind | u32 length | bytes
 *   array   (reply kind ARRAY or MAP) bytes: u32 item count | count x (u8 BULK or NIL | u32 length | bytes)
 *           (a MAP's items are key, value, key, value ...: an even count)
 *   cursor  (reply kind CURSOR) bytes: as an array, the cursor its first item
 *   tree    (reply kind TREE) bytes: a reply tree (tree.ts)
 *
 * A request's reply mode says which form its reply takes: FORM (kind and payload, for a
 * coordinator that combines replies) or the asking client's protocol (TEXT, RESP, RESP3), which
 * the owner encodes once, so the reply crosses as bytes (ENCODED) that go to the client as they are.
 * A reply carries its request's id (the sender's choice; NO_REPLY for a request that gets none),
 * so replies are matched to requests by id, not by position, and may come in any order.
 */
export const enum FrameKind {
  REQUEST = 1,
  REPLY = 2,
  /** First frame on a link, from the worker that connected: `count` is its worker index. */
  HELLO = 3,
  /** Messages that answer no request and get no reply (Pub/Sub, invalidations ...: frame-push.ts). */
  PUSH = 4,
}

/** The highest FrameKind: a frame header naming any other kind is corrupt. */
export const LAST_FRAME_KIND = FrameKind.PUSH;

/** A request's mode byte with this bit set: a client id (f64) follows it. */
export const CLIENT_ID_FLAG = 0x80;

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
  /** A list of values, each a bulk string or nil (KEYS, a SCAN step, a transaction's reads). */
  ARRAY = 8,
  /** Field and value pairs as one flat list, ARRAY's layout with an even count (HGETALL): a RESP3 map, a flat array in RESP2. */
  MAP = 9,
  /** No list at all (EXEC of a transaction that was aborted): RESP2 `*-1`, RESP3 `_`; no payload. */
  NULL_ARRAY = 10,
  /**
   * A SCAN-family reply, [cursor, [items...]] (HSCAN): the payload is the cursor, the items the
   * list. In a frame it travels as an ARRAY whose first item is the cursor.
   */
  CURSOR = 11,
  /**
   * Any other reply (nested arrays, integers or doubles inside them, maps, sets, pairs: ZRANGE
   * WITHSCORES, XRANGE, LMPOP ...): a reply tree (tree.ts) as its payload, transcoded by the
   * encoder of whichever protocol it is written in.
   */
  TREE = 12,
}

/** The highest ReplyKind: a reply frame naming any other kind is corrupt. */
export const LAST_REPLY_KIND = ReplyKind.TREE;

/** The values of an ARRAY reply, in order; undefined is nil. */
export type Items = readonly (string | undefined)[];

/** The form a request's reply takes (see the frame layout above). */
export const enum ReplyMode {
  /** Kind and payload (latin1): for a coordinator that combines replies. */
  FORM = 0,
  /** The seed's text protocol, encoded by the owner. */
  TEXT = 1,
  /** RESP2, encoded by the owner. */
  RESP = 2,
  /** RESP3 (a client that said HELLO 3), encoded by the owner. */
  RESP3 = 3,
}

export const FRAME_HEADER_BYTES = 9;
/** The id of a request that gets no reply (a transaction's commit or abort); never a reply's. */
export const NO_REPLY = 0;
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

  /** A request; `client` (0: none) is the asking client's id, for the owner's per-client state of keys. */
  command(id: number, opcode: number, args: Args, first = 0, mode: ReplyMode = ReplyMode.FORM, client = 0): void {
    const out = this.out;
    const argc = args.count - first;
    out.u32(id);
    out.u8(opcode);
    if (client === 0) out.u8(mode);
    else {
      out.u8(mode | CLIENT_ID_FLAG);
      out.f64(client);
    }
    out.u32(argc);
    for (let i = first; i < args.count; i++) {
      out.u32(args.ends[i] - args.starts[i]);
      out.bytes(args.buf, args.starts[i], args.ends[i]);
    }
    this.count++;
  }

  /** A reply without payload to request `id` (each reply method takes the id of its request). */
  reply(id: number, kind: ReplyKind): void {
    this.out.u32(id);
    this.out.u8(kind);
    this.out.u32(0);
    this.count++;
  }

  replyLatin1(id: number, kind: ReplyKind, text: string): void {
    this.out.u32(id);
    this.out.u8(kind);
    this.out.u32(text.length);
    this.out.latin1(text);
    this.count++;
  }

  /** A reply whose payload is buf[start, end) (a value copied out of the store). */
  replyBytes(id: number, kind: ReplyKind, buf: Uint8Array, start: number, end: number): void {
    this.out.u32(id);
    this.out.u8(kind);
    this.out.u32(end - start);
    this.out.bytes(buf, start, end);
    this.count++;
  }

  /** An ARRAY reply: each item a bulk string, or nil when undefined. */
  replyArray(id: number, items: Items): void {
    this.list(id, ReplyKind.ARRAY, undefined, items);
  }

  /** A MAP reply: items are key, value, key, value ... (an even count; a value may be nil). */
  replyMap(id: number, items: Items): void {
    if (items.length % 2 !== 0) throw new RangeError(`a map reply needs an even count of items, got ${items.length}`);
    this.list(id, ReplyKind.MAP, undefined, items);
  }

  /** A CURSOR reply: the cursor, then the items (bulk strings). */
  replyCursor(id: number, cursor: string, items: Items): void {
    this.list(id, ReplyKind.CURSOR, cursor, items);
  }

  private list(id: number, kind: ReplyKind, first: string | undefined, items: Items): void {
    const out = this.out;
    out.u32(id);
    out.u8(kind);
    const at = out.reserve(4);
    out.u32(items.length + (first === undefined ? 0 : 1));
    if (first !== undefined) {
      out.u8(ReplyKind.BULK);
      out.u32(first.length);
      out.latin1(first);
    }
    for (const item of items) {
      if (item === undefined) {
        out.u8(ReplyKind.NIL);
        out.u32(0);
      } else {
        out.u8(ReplyKind.BULK);
        out.u32(item.length);
        out.latin1(item);
      }
    }
    out.buf.writeUInt32LE(out.length - at - 4, at);
    this.count++;
  }

  /** Starts an ENCODED reply to request `id`: its bytes are appended to `out` next; returns where to end it. */
  beginEncoded(id: number): number {
    this.out.u32(id);
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
