import { TREE, TreeTag, type Args } from '@kv/wire';
import { Kind, type Lru } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import { upperArg } from './args';
import { peekArg, readArg } from './keyarg';
import { longArg } from './list-args';
import { keysTogether } from './gather';

/**
 * GETRANGE (SUBSTR), SETRANGE and LCS, as Redis 7.0's t_string.c, on the value's bytes where they
 * lie in the store: a range is copied once, into the reply; SETRANGE grows the value in place
 * (zero bytes, charged first: one that cannot fit answers OOM and changes nothing) and writes
 * the new bytes over it.
 */

/** Redis's default proto-max-bulk-len: no string grows past it, and LCS's table may not take more. */
export const MAX_STRING = 512 * 1024 * 1024;

/** GETRANGE key start end (and SUBSTR): the bytes from start to end, inclusive, negative from the end. */
export function getrange(store: Lru, args: Args, reply: ReplySink): void {
  let start = longArg(args, 2, reply);
  if (start === undefined) return;
  let end = longArg(args, 3, reply);
  if (end === undefined) return;
  const slot = readArg(store, args, 1);
  if (slot < 0) return reply.bulk('');
  if (store.kindAt(slot) !== Kind.STRING) return reply.error(ERR.wrongType);
  const view = store.valueView(slot);
  const length = view.end - view.start;
  if (start < 0 && end < 0 && start > end) return reply.bulk('');
  if (start < 0) start = Math.max(0, length + start);
  if (end < 0) end = Math.max(0, length + end);
  if (end >= length) end = length - 1;
  if (start > end || length === 0) return reply.bulk('');
  reply.bulkBytes(view.buf, view.start + start, view.start + end + 1);
}

/** SETRANGE key offset value: the value's length after; nothing is created or changed for an empty value. */
export function setrange(store: Lru, args: Args, reply: ReplySink): void {
  const offset = longArg(args, 2, reply);
  if (offset === undefined) return;
  if (offset < 0) return reply.error(ERR.offsetOutOfRange);
  const length = args.ends[3] - args.starts[3];
  const slot = peekArg(store, args, 1);
  if (slot >= 0 && store.kindAt(slot) !== Kind.STRING) return reply.error(ERR.wrongType);
  if (length === 0) return reply.integer(slot < 0 ? 0 : store.valueLength(slot));
  if (offset + length > MAX_STRING) return reply.error(ERR.stringTooLong);
  const size = offset + length;
  const view = slot < 0 ? store.createZeroed(args.buf, args.starts[1], args.ends[1], size) : store.growZeroed(slot, size);
  if (view === null) return reply.error(ERR.oom);
  args.buf.copy(view.buf, view.start + offset, args.starts[3], args.ends[3]);
  reply.integer(view.end - view.start);
}

/** A key's string for LCS (empty for no key), as where its bytes lie; null for another type. */
interface Bytes {
  buf: Uint8Array;
  start: number;
  length: number;
}
const EMPTY = Buffer.alloc(0);

function lcsValue(store: Lru, args: Args, i: number): Bytes | null {
  const slot = readArg(store, args, i);
  if (slot < 0) return { buf: EMPTY, start: 0, length: 0 };
  if (store.kindAt(slot) !== Kind.STRING) return null;
  // The view is reused by the next lookup: its place is kept (LCS writes nothing, so it stays valid).
  const view = store.valueView(slot);
  return { buf: view.buf, start: view.start, length: view.end - view.start };
}

/** LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]: Redis's dynamic programming, its ranges emitted as its walk back emits them. */
export function lcs(store: Lru, args: Args, reply: ReplySink): void {
  if (!keysTogether(args, 1, 2, reply)) return;
  const a = lcsValue(store, args, 1);
  const b = a === null ? null : lcsValue(store, args, 2);
  if (a === null || b === null) return reply.error(ERR.lcsNotStrings);
  let getLen = false, getIdx = false, withMatchLen = false, minMatchLen = 0;
  for (let i = 3; i < args.count; i++) {
    const option = upperArg(args, i);
    if (option === 'IDX') getIdx = true;
    else if (option === 'LEN') getLen = true;
    else if (option === 'WITHMATCHLEN') withMatchLen = true;
    else if (option === 'MINMATCHLEN' && i + 1 < args.count) {
      const n = longArg(args, ++i, reply);
      if (n === undefined) return;
      minMatchLen = Math.max(0, n);
    } else return reply.error(ERR.syntax);
  }
  if (getIdx && getLen) return reply.error(ERR.lcsIdxAndLen);
  const alen = a.length;
  const blen = b.length;
  const cells = (alen + 1) * (blen + 1);
  if (cells * 4 > MAX_STRING) return reply.error(ERR.lcsTooBig);
  const table = new Uint32Array(cells);
  const row = blen + 1;
  const [abuf, bbuf, as, bs] = [a.buf, b.buf, a.start, b.start];
  for (let i = 1; i <= alen; i++) {
    const ai = abuf[as + i - 1];
    for (let j = 1; j <= blen; j++) {
      const at = i * row + j;
      table[at] = ai === bbuf[bs + j - 1] ? table[at - row - 1] + 1 : Math.max(table[at - row], table[at - 1]);
    }
  }
  const total = table[alen * row + blen];
  if (getLen) return reply.integer(total);
  const result = getIdx ? null : Buffer.allocUnsafe(total);
  let matches = 0;
  let count = 0;
  if (getIdx) {
    TREE.begin().map(2).bulk('matches');
    count = TREE.open(TreeTag.ARRAY);
  }
  // The walk back from the end, as Redis's: a range grows backwards while matches are contiguous.
  let idx = total, i = alen, j = blen;
  let aStart = alen, aEnd = 0, bStart = 0, bEnd = 0;
  while (i > 0 && j > 0) {
    let emit = false;
    if (abuf[as + i - 1] === bbuf[bs + j - 1]) {
      if (result !== null) result[idx - 1] = abuf[as + i - 1];
      if (aStart === alen) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else emit = true;
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      if (table[(i - 1) * row + j] > table[i * row + j - 1]) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1;
      if (getIdx && (minMatchLen === 0 || matchLen >= minMatchLen)) {
        TREE.array(withMatchLen ? 3 : 2).array(2).integer(aStart).integer(aEnd).array(2).integer(bStart).integer(bEnd);
        if (withMatchLen) TREE.integer(matchLen);
        matches++;
      }
      aStart = alen;
    }
  }
  if (result !== null) return reply.bulkBytes(result, 0, result.length);
  TREE.closeAt(count, matches);
  TREE.bulk('len').integer(total);
  reply.tree(TREE.buf, 0, TREE.length);
}
