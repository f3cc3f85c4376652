/**
 * An entry's bytes inside its arena block (arena.ts), after the block's own u32 word. The first
 * byte tags the entry: its kind (the Redis type) in the low four bits and its form in the next
 * two. Three forms:
 *
 *   SHORT     key < 256 bytes, value < 64 KiB (nearly every cache entry): 4 bytes of header
 *             | tag u8 | key length u8 | value length u16 | key | value | room to grow |
 *   LONG      any other string held inline: 12 bytes of header
 *             | tag u8 | 3 unused | key length u32 | value length u32 | key | value | room |
 *   EXTERNAL  the value lives outside the arena (a JS object: a hash, a list or set past its
 *             packed limits; see object.ts):
 *             | tag u8 | 3 unused | key length u32 | handle u32 | key |
 *
 * A small list or set is inline too: its value bytes are a packed collection (packed.ts: as
 * Redis's listpack and intset, one block, no object per element).
 *
 * The payload starts 4 bytes into an 8-aligned block, so the u32 fields of LONG and EXTERNAL are
 * 4-aligned and read as words.
 */

/** The Redis type of an entry's value. Every command that reads a value switches on it. */
export const Kind = {
  STRING: 0,
  HASH: 1,
  LIST: 2,
  SET: 3,
  ZSET: 4,
  STREAM: 5,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

/** TYPE's name of each kind. */
export const KIND_NAMES: Record<Kind, string> = {
  [Kind.STRING]: 'string',
  [Kind.HASH]: 'hash',
  [Kind.LIST]: 'list',
  [Kind.SET]: 'set',
  [Kind.ZSET]: 'zset',
  [Kind.STREAM]: 'stream',
};

export const Form = {
  SHORT: 0,
  LONG: 1,
  EXTERNAL: 2,
} as const;
export type Form = (typeof Form)[keyof typeof Form];

export const SHORT_HEADER = 4;
export const LONG_HEADER = 12;
const SHORT_KEY_MAX = 255;
const SHORT_VALUE_MAX = 65535;

/** The inline form for a key and value of these lengths. */
export function inlineForm(keyLength: number, valueRoom: number): Form {
  return keyLength <= SHORT_KEY_MAX && valueRoom <= SHORT_VALUE_MAX ? Form.SHORT : Form.LONG;
}

/** Payload bytes of an entry: header, key, and the value's room (inline forms). */
export function payloadOf(form: Form, keyLength: number, valueRoom: number): number {
  if (form === Form.SHORT) return SHORT_HEADER + keyLength + valueRoom;
  if (form === Form.LONG) return LONG_HEADER + keyLength + valueRoom;
  return LONG_HEADER + keyLength;
}

/** Writes the header of an entry whose payload starts at byte `p` of a chunk. */
export function writeHeader(bytes: Buffer, words: Uint32Array, p: number, kind: Kind, form: Form, keyLength: number, lengthOrHandle: number): void {
  bytes[p] = kind | (form << 4);
  if (form === Form.SHORT) {
    bytes[p + 1] = keyLength;
    bytes[p + 2] = lengthOrHandle & 0xff;
    bytes[p + 3] = lengthOrHandle >>> 8;
  } else {
    words[(p + 4) >>> 2] = keyLength;
    words[(p + 8) >>> 2] = lengthOrHandle;
  }
}

export function kindAt(bytes: Buffer, p: number): Kind {
  return (bytes[p] & 15) as Kind;
}

export function formAt(bytes: Buffer, p: number): Form {
  return (bytes[p] >>> 4) as Form;
}

export function keyLengthAt(bytes: Buffer, words: Uint32Array, p: number): number {
  return bytes[p] >>> 4 === Form.SHORT ? bytes[p + 1] : words[(p + 4) >>> 2];
}

/** Where the key starts; the inline value follows it. */
export function keyStartAt(bytes: Buffer, p: number): number {
  return bytes[p] >>> 4 === Form.SHORT ? p + SHORT_HEADER : p + LONG_HEADER;
}

/** An inline value's length, or an EXTERNAL entry's handle. */
export function valueFieldAt(bytes: Buffer, words: Uint32Array, p: number): number {
  return bytes[p] >>> 4 === Form.SHORT ? bytes[p + 2] | (bytes[p + 3] << 8) : words[(p + 8) >>> 2];
}

export function setValueLength(bytes: Buffer, words: Uint32Array, p: number, length: number): void {
  if (bytes[p] >>> 4 === Form.SHORT) {
    bytes[p + 2] = length & 0xff;
    bytes[p + 3] = length >>> 8;
  } else words[(p + 8) >>> 2] = length;
}

/** Bytes an inline value may grow to in place, given its block's size. */
export function valueRoomAt(bytes: Buffer, words: Uint32Array, p: number, blockSize: number): number {
  const room = blockSize - 4 - (keyStartAt(bytes, p) - p) - keyLengthAt(bytes, words, p);
  return bytes[p] >>> 4 === Form.SHORT && room > SHORT_VALUE_MAX ? SHORT_VALUE_MAX : room;
}

/**
 * Copies src[start, end) into dst at `at`. Short runs (most keys and cache values) byte by byte:
 * no view object is made, and the loop beats a native call below ~64 bytes.
 */
export function copyBytes(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): void {
  if (end - start < 64) {
    for (let i = start; i < end; i++) dst[at++] = src[i];
  } else dst.set(src.subarray(start, end), at);
}

/** True when buf[start, end) equals the key of the entry at payload `p`. */
export function keyEquals(bytes: Buffer, words: Uint32Array, p: number, buf: Uint8Array, start: number, end: number): boolean {
  const length = end - start;
  if (keyLengthAt(bytes, words, p) !== length) return false;
  const at = keyStartAt(bytes, p);
  if (length < 32) {
    for (let i = 0; i < length; i++) if (bytes[at + i] !== buf[start + i]) return false;
    return true;
  }
  return bytes.compare(buf, start, end, at, at + length) === 0;
}

// Node's Buffer has these fast latin1 paths (toString and write use them) but @types/node omits them.
declare global {
  interface Buffer {
    latin1Slice(start: number, end: number): string;
    latin1Write(text: string, offset: number, length: number): number;
  }
}
