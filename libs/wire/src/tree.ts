import { FrameError } from './frame';
import { OutBuffer } from './out';

/**
 * A reply tree: any reply Redis can give (nested arrays, integers inside arrays, doubles, maps,
 * sets, pairs), written once by a handler in a protocol-free form and transcoded by each
 * encoder (replies.ts) into its protocol: RESP3 as it is, RESP2 with Redis's fallbacks (map: a
 * flat array, set: an array, double: a bulk string, null: `$-1` or `*-1`), the text protocol one
 * line per scalar. It crosses between workers as the payload of a TREE reply, as it is.
 *
 *   item    u8 tag | payload
 *   BULK, STATUS, INT      u32 length | bytes (INT: its decimal digits)
 *   DOUBLE                 f64 (little endian)
 *   NIL, NULL_ARRAY        nothing
 *   ARRAY, SET             u32 count, then count items
 *   MAP, PAIRS             u32 pairs, then 2 x pairs items: a map (RESP3 `%`), or pairs as Redis's
 *                          WITHSCORES gives them: RESP3 an array of 2-item arrays, RESP2 one flat array
 *   KEYED                  u32 pairs, then 2 x pairs items: as XREAD's reply, a map in RESP3 and an
 *                          array of 2-item arrays in RESP2
 */
export const enum TreeTag {
  BULK = 1,
  NIL = 2,
  NULL_ARRAY = 3,
  INT = 4,
  DOUBLE = 5,
  STATUS = 6,
  ARRAY = 7,
  MAP = 8,
  SET = 9,
  PAIRS = 10,
  KEYED = 11,
}

/** Deeper trees are corrupt (no reply of Redis nests past a few levels). */
const MAX_DEPTH = 64;

/**
 * Builds one tree at a time. One per process (TREE below): a handler begins, writes and hands
 * `bytes()` to its sink, which copies them before it returns, so nothing builds two at once.
 */
export class TreeWriter {
  readonly out = new OutBuffer(4096);

  /** Starts a new tree (dropping whatever was written). */
  begin(): this {
    this.out.clear();
    return this;
  }

  get buf(): Buffer {
    return this.out.buf;
  }

  get length(): number {
    return this.out.length;
  }

  bulk(text: string): this {
    this.out.u8(TreeTag.BULK);
    this.out.u32(text.length);
    this.out.latin1(text);
    return this;
  }

  bulkBytes(src: Uint8Array, start: number, end: number): this {
    this.out.u8(TreeTag.BULK);
    this.out.u32(end - start);
    this.out.bytes(src, start, end);
    return this;
  }

  status(text: string): this {
    this.out.u8(TreeTag.STATUS);
    this.out.u32(text.length);
    this.out.latin1(text);
    return this;
  }

  integer(n: number | bigint): this {
    const digits = String(n);
    this.out.u8(TreeTag.INT);
    this.out.u32(digits.length);
    this.out.latin1(digits);
    return this;
  }

  double(n: number): this {
    this.out.u8(TreeTag.DOUBLE);
    this.out.ensure(8);
    this.out.buf.writeDoubleLE(n, this.out.length);
    this.out.length += 8;
    return this;
  }

  nil(): this {
    this.out.u8(TreeTag.NIL);
    return this;
  }

  nullArray(): this {
    this.out.u8(TreeTag.NULL_ARRAY);
    return this;
  }

  array(count: number): this {
    return this.header(TreeTag.ARRAY, count);
  }

  set(count: number): this {
    return this.header(TreeTag.SET, count);
  }

  map(pairs: number): this {
    return this.header(TreeTag.MAP, pairs);
  }

  pairs(pairs: number): this {
    return this.header(TreeTag.PAIRS, pairs);
  }

  keyed(pairs: number): this {
    return this.header(TreeTag.KEYED, pairs);
  }

  /** An aggregate whose count is known only once its items are written: closeAt(at, count) sets it. */
  open(tag: TreeTag.ARRAY | TreeTag.SET | TreeTag.MAP | TreeTag.PAIRS | TreeTag.KEYED): number {
    this.out.u8(tag);
    return this.out.reserve(4);
  }

  closeAt(at: number, count: number): void {
    this.out.buf.writeUInt32LE(count, at);
  }

  /** An array of bulk strings. */
  strings(items: readonly string[]): this {
    this.array(items.length);
    for (const item of items) this.bulk(item);
    return this;
  }

  private header(tag: TreeTag, count: number): this {
    this.out.u8(tag);
    this.out.u32(count);
    return this;
  }
}

/** The process's tree writer (see TreeWriter): `TREE.begin()` starts a reply. */
export const TREE = new TreeWriter();

/** What a protocol does with each part of a tree (replies.ts gives one per protocol). */
export interface TreeTarget {
  bulk(out: OutBuffer, src: Uint8Array, start: number, end: number): void;
  status(out: OutBuffer, src: Uint8Array, start: number, end: number): void;
  integer(out: OutBuffer, src: Uint8Array, start: number, end: number): void;
  double(out: OutBuffer, n: number): void;
  nil(out: OutBuffer): void;
  nullArray(out: OutBuffer): void;
  /** An aggregate's header; for MAP, PAIRS and KEYED `count` is the pairs', and pair() opens each one. */
  header(out: OutBuffer, tag: TreeTag, count: number): void;
  /** A pair of a PAIRS (RESP3: `*2`) or KEYED (RESP2: `*2`) aggregate begins. */
  pair(out: OutBuffer, tag: TreeTag): void;
}

/**
 * Writes the tree at src[start, end) into `out` through `target`. Throws FrameError when the bytes
 * are not exactly one well-formed tree (a peer's corrupt frame): nothing is trusted.
 */
export function transcodeTree(out: OutBuffer, src: Buffer, start: number, end: number, target: TreeTarget | null): void {
  // Per open aggregate: items left, and its tag when it is PAIRS or KEYED (a pair opens every second item), else 0.
  const left: number[] = [];
  const pairs: number[] = [];
  let p = start;
  let items = 1;
  for (;;) {
    while (left.length > 0 && left[left.length - 1] === 0) {
      left.pop();
      pairs.pop();
    }
    if (left.length === 0 && items === 0) break;
    if (left.length > 0) {
      const top = left.length - 1;
      if (pairs[top] !== 0 && left[top] % 2 === 0 && target !== null) target.pair(out, pairs[top]);
      left[top]--;
    } else items--;
    if (p >= end) throw new FrameError('truncated reply tree');
    const tag = src[p++] as TreeTag;
    switch (tag) {
      case TreeTag.NIL:
        target?.nil(out);
        break;
      case TreeTag.NULL_ARRAY:
        target?.nullArray(out);
        break;
      case TreeTag.DOUBLE:
        if (end - p < 8) throw new FrameError('truncated double in a reply tree');
        target?.double(out, src.readDoubleLE(p));
        p += 8;
        break;
      case TreeTag.BULK:
      case TreeTag.STATUS:
      case TreeTag.INT: {
        if (end - p < 4) throw new FrameError('truncated reply tree');
        const length = src.readUInt32LE(p);
        p += 4;
        if (end - p < length) throw new FrameError('a reply tree item past its end');
        if (target !== null) {
          if (tag === TreeTag.BULK) target.bulk(out, src, p, p + length);
          else if (tag === TreeTag.STATUS) target.status(out, src, p, p + length);
          else target.integer(out, src, p, p + length);
        }
        p += length;
        break;
      }
      case TreeTag.ARRAY:
      case TreeTag.SET:
      case TreeTag.MAP:
      case TreeTag.PAIRS:
      case TreeTag.KEYED: {
        if (end - p < 4) throw new FrameError('truncated reply tree');
        const count = src.readUInt32LE(p);
        p += 4;
        const children = tag === TreeTag.MAP || tag === TreeTag.PAIRS || tag === TreeTag.KEYED ? count * 2 : count;
        // Each item takes at least a byte: a count past what the bytes can hold is corrupt.
        if (children > end - p) throw new FrameError(`a reply tree aggregate of ${children} items in ${end - p} bytes`);
        if (left.length >= MAX_DEPTH) throw new FrameError('a reply tree nested too deep');
        target?.header(out, tag, count);
        left.push(children);
        pairs.push(tag === TreeTag.PAIRS || tag === TreeTag.KEYED ? tag : 0);
        break;
      }
      default:
        throw new FrameError(`reply tree tag ${tag}`);
    }
  }
  if (p !== end) throw new FrameError('bytes after a reply tree');
}

/** Throws FrameError unless src[start, end) is exactly one well-formed tree. */
export function checkTree(src: Buffer, start: number, end: number): void {
  transcodeTree(SCRATCH, src, start, end, null);
}

const SCRATCH = new OutBuffer(16);
