import type { Args } from '@kv/wire';
import { Kind, type Lru } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import { int64Bytes } from './numbers';
import { peekArg, readArg } from './keyarg';
import { longArg } from './list-args';
import { MAX_STRING } from './string-ranges';
import { keysTogether } from './gather';

/**
 * SETBIT, GETBIT, BITCOUNT, BITPOS and BITOP, as Redis 7.0's bitops.c, on the value's bytes where
 * they lie in the store (SETBIT grows the value in place with zero bytes, charged first). Bits
 * are numbered from the most significant bit of the first byte. BITOP's keys share one shard
 * (one hash tag), else CROSSSLOT.
 */

/** A bit offset (getBitOffsetFromArgument): 0 up to the last bit of a 512 MB string; undefined after the error. */
function bitOffset(args: Args, i: number, reply: ReplySink): number | undefined {
  const n = int64Bytes(args.buf, args.starts[i], args.ends[i]);
  if (typeof n !== 'number' || n < 0 || Math.floor(n / 8) >= MAX_STRING) {
    reply.error(ERR.bitOffset);
    return undefined;
  }
  return n;
}

/** The string at argument i for a read: its slot, -1 for none, or -2 once WRONGTYPE was answered. */
function stringAt(store: Lru, args: Args, i: number, reply: ReplySink): number {
  const slot = readArg(store, args, i);
  if (slot >= 0 && store.kindAt(slot) !== Kind.STRING) {
    reply.error(ERR.wrongType);
    return -2;
  }
  return slot;
}

/** SETBIT key offset value: the bit's old value. */
export function setbit(store: Lru, args: Args, reply: ReplySink): void {
  const offset = bitOffset(args, 2, reply);
  if (offset === undefined) return;
  const on = int64Bytes(args.buf, args.starts[3], args.ends[3]);
  if (on !== 0 && on !== 1) return reply.error(ERR.bitValue);
  const slot = peekArg(store, args, 1);
  if (slot >= 0 && store.kindAt(slot) !== Kind.STRING) return reply.error(ERR.wrongType);
  const byte = offset >>> 3;
  const mask = 1 << (7 - (offset & 7));
  if (slot >= 0 && byte < store.valueLength(slot)) {
    // A bit already as asked is no write (Redis's: no version, no event).
    const current = store.valueView(slot);
    const was = (current.buf[current.start + byte] & mask) !== 0 ? 1 : 0;
    if (was === on) return reply.integer(was);
  }
  const view = slot < 0 ? store.createZeroed(args.buf, args.starts[1], args.ends[1], byte + 1) : store.growZeroed(slot, byte + 1);
  if (view === null) return reply.error(ERR.oom);
  const at = view.start + byte;
  const old = view.buf[at] & mask;
  view.buf[at] = on === 1 ? view.buf[at] | mask : view.buf[at] & ~mask;
  reply.integer(old !== 0 ? 1 : 0);
}

/** GETBIT key offset: 0 past the end or for no key. */
export function getbit(store: Lru, args: Args, reply: ReplySink): void {
  const offset = bitOffset(args, 2, reply);
  if (offset === undefined) return;
  const slot = stringAt(store, args, 1, reply);
  if (slot === -2) return;
  if (slot < 0) return reply.integer(0);
  const view = store.valueView(slot);
  const byte = offset >>> 3;
  reply.integer(byte < view.end - view.start && (view.buf[view.start + byte] & (1 << (7 - (offset & 7)))) !== 0 ? 1 : 0);
}

/** A bit range [first, last] read from BITCOUNT's or BITPOS's start/end/unit, as Redis clamps it; null after an error. */
interface BitRange {
  first: number;
  last: number;
  endGiven: boolean;
}

/** Arguments from `at`: start [end [BYTE | BIT]] (end optional when `endOptional`), over a value of `length` bytes. */
function bitRange(args: Args, at: number, length: number, endOptional: boolean, reply: ReplySink): BitRange | null {
  let start = longArg(args, at, reply);
  if (start === undefined) return null;
  const endGiven = args.count > at + 1;
  // Redis reads BITCOUNT's end before its unit, BITPOS's unit before its end.
  let end = endGiven && !endOptional ? longArg(args, at + 1, reply) : 0;
  if (end === undefined) return null;
  // BITCOUNT: a range of two negative indexes the wrong way round is empty, whatever follows.
  if (!endOptional && start < 0 && end < 0 && start > end) return { first: 1, last: 0, endGiven };
  let bits = false;
  if (args.count > at + 2) {
    const unit = args.latin1(at + 2).toUpperCase();
    if (unit === 'BIT') bits = true;
    else if (unit !== 'BYTE') {
      reply.error(ERR.syntax);
      return null;
    }
  }
  if (endGiven && endOptional) {
    const n = longArg(args, at + 1, reply);
    if (n === undefined) return null;
    end = n;
  } else if (!endGiven) end = bits ? length * 8 + 7 : length - 1;
  const total = bits ? length * 8 : length;
  if (start < 0) start = total + start;
  if (end < 0) end = total + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  if (start > end) return { first: 1, last: 0, endGiven };
  return bits ? { first: start, last: end, endGiven } : { first: start * 8, last: end * 8 + 7, endGiven };
}

/** BITCOUNT key [start end [BYTE | BIT]]: the bits set in the range (Redis 7.0 answers 0 for no key before reading the range). */
export function bitcount(store: Lru, args: Args, reply: ReplySink): void {
  const slot = stringAt(store, args, 1, reply);
  if (slot === -2) return;
  if (slot < 0) return reply.integer(0);
  const view = store.valueView(slot);
  const length = view.end - view.start;
  let first = 0, last = length * 8 - 1;
  if (args.count === 4 || args.count === 5) {
    const range = bitRange(args, 2, length, false, reply);
    if (range === null) return;
    ({ first, last } = range);
  } else if (args.count !== 2) return reply.error(ERR.syntax);
  const { buf, start } = view;
  let count = 0;
  for (let bit = first; bit <= last; ) {
    if ((bit & 7) === 0 && bit + 7 <= last) {
      count += POPCOUNT[buf[start + (bit >>> 3)]];
      bit += 8;
    } else {
      if (buf[start + (bit >>> 3)] & (0x80 >>> (bit & 7))) count++;
      bit++;
    }
  }
  reply.integer(count);
}

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, n) => {
  let c = 0;
  for (let v = n; v !== 0; v >>>= 1) c += v & 1;
  return c;
});

/**
 * BITPOS key bit [start [end [BYTE | BIT]]]: the first bit of that value in the range. A clear bit
 * not found is the bit after the range's last byte, unless an end was given (then -1), as Redis's.
 */
export function bitpos(store: Lru, args: Args, reply: ReplySink): void {
  const wanted = int64Bytes(args.buf, args.starts[2], args.ends[2]);
  if (wanted === undefined) return reply.error(ERR.notInteger);
  if (wanted !== 0 && wanted !== 1) return reply.error(ERR.bitArgument);
  const slot = stringAt(store, args, 1, reply);
  if (slot === -2) return;
  if (slot < 0) return reply.integer(wanted === 1 ? -1 : 0);
  const view = store.valueView(slot);
  const length = view.end - view.start;
  let range: BitRange = { first: 0, last: length * 8 - 1, endGiven: false };
  if (args.count >= 4 && args.count <= 6) {
    const given = bitRange(args, 3, length, true, reply);
    if (given === null) return;
    range = given;
  } else if (args.count !== 3) return reply.error(ERR.syntax);
  const { first, last, endGiven } = range;
  if (first > last) return reply.integer(-1);
  const { buf, start } = view;
  const skip = wanted === 1 ? 0 : 0xff;
  for (let bit = first; bit <= last; ) {
    if ((bit & 7) === 0 && bit + 7 <= last && buf[start + (bit >>> 3)] === skip) {
      bit += 8;
      continue;
    }
    if (((buf[start + (bit >>> 3)] >>> (7 - (bit & 7))) & 1) === wanted) return reply.integer(bit);
    bit++;
  }
  reply.integer(wanted === 1 || endGiven ? -1 : ((last >>> 3) + 1) * 8);
}

const OPS = ['AND', 'OR', 'XOR', 'NOT'] as const;

/** BITOP AND | OR | XOR | NOT destkey key [key ...]: the result's length; an empty result deletes destkey. */
export function bitop(store: Lru, args: Args, reply: ReplySink): void {
  if (!keysTogether(args, 2, args.count - 1, reply)) return;
  const op = OPS.indexOf(args.latin1(1).toUpperCase() as (typeof OPS)[number]);
  if (op < 0) return reply.error(ERR.syntax);
  if (op === 3 && args.count !== 4) return reply.error(ERR.bitopNot);
  // Where each source's bytes lie (BITOP writes only once the result is made).
  const n = args.count - 3;
  const bufs: Uint8Array[] = new Array(n);
  const starts: number[] = new Array(n);
  const lengths: number[] = new Array(n);
  let longest = 0;
  for (let k = 0; k < n; k++) {
    const slot = stringAt(store, args, k + 3, reply);
    if (slot === -2) return;
    if (slot < 0) {
      bufs[k] = EMPTY;
      starts[k] = lengths[k] = 0;
      continue;
    }
    const view = store.valueView(slot);
    bufs[k] = view.buf;
    starts[k] = view.start;
    lengths[k] = view.end - view.start;
    longest = Math.max(longest, lengths[k]);
  }
  if (longest === 0) {
    const dest = peekArg(store, args, 2);
    if (dest >= 0) store.remove(dest);
    return reply.integer(0);
  }
  const result = Buffer.allocUnsafe(longest);
  for (let j = 0; j < longest; j++) {
    let out = j < lengths[0] ? bufs[0][starts[0] + j] : 0;
    if (op === 3) out = ~out & 0xff;
    for (let k = 1; k < n; k++) {
      const byte = j < lengths[k] ? bufs[k][starts[k] + j] : 0;
      out = op === 0 ? out & byte : op === 1 ? out | byte : out ^ byte;
    }
    result[j] = out;
  }
  if (store.setString(args.buf, args.starts[2], args.ends[2], result, 0, longest) < 0) return reply.error(ERR.oom);
  reply.integer(longest);
}

const EMPTY = Buffer.alloc(0);
