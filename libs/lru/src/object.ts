/**
 * A value kept outside the arena as a JavaScript object (an EXTERNAL entry, layout.ts): a hash,
 * a list, set or sorted set past its packed limits, and a stream (stream.ts). The store keeps it by
 * handle and charges the entry its `bytes` (measured per kind, see each kind's file) besides its
 * block and overhead, again after every change (Lru.reserve before one, Lru.objectChanged after).
 */
import type { Kind } from './layout';

export interface LruObject {
  /** The Redis type it is the value of. */
  readonly kind: Kind;
  /** What the value is charged besides its key and the entry overhead. */
  readonly bytes: number;
  /** Its elements (fields, members): an empty one is deleted, as Redis deletes an empty collection. */
  readonly size: number;
  /** True for a value that stays a key when empty (a stream, as Redis keeps one). */
  readonly keptEmpty?: boolean;
}

/** A packed collection's bytes (packed.ts) as a hand-over carries them, with its kind. */
export interface Packed {
  readonly kind: Kind;
  readonly bytes: Buffer;
}

/** Byte ranges of one buffer: a command's arguments (@kv/wire's Args), keys and elements given where they lie. */
export interface ByteRanges {
  readonly buf: Uint8Array;
  readonly starts: ArrayLike<number>;
  readonly ends: ArrayLike<number>;
}

/** `bytes` as a Buffer, to read latin1 strings from: itself when it is one (a command's arguments are), else a view. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Strings as ByteRanges (one buffer, reused: read it before the next call). */
export function rangesOf(items: readonly string[]): ByteRanges {
  let total = 0;
  for (const item of items) total += item.length;
  if (SCRATCH.buf.length < total) SCRATCH.buf = Buffer.allocUnsafeSlow(Math.max(total, SCRATCH.buf.length * 2));
  if (SCRATCH.starts.length < items.length) {
    SCRATCH.starts = new Int32Array(Math.max(items.length, SCRATCH.starts.length * 2));
    SCRATCH.ends = new Int32Array(SCRATCH.starts.length);
  }
  let at = 0;
  for (let i = 0; i < items.length; i++) {
    SCRATCH.starts[i] = at;
    at += SCRATCH.buf.latin1Write(items[i], at, items[i].length);
    SCRATCH.ends[i] = at;
  }
  return SCRATCH;
}

const SCRATCH = { buf: Buffer.allocUnsafeSlow(1024), starts: new Int32Array(16), ends: new Int32Array(16) };
