import type { Lru } from './lru';
import { compareElement, countAt, dataAt, elementEquals, elementSize, lengthAt, nextAt, PACKED_HEADER, readScore, SCORE_BYTES, setCountAt, writeElement, writeScore } from './packed';
import type { ZSorted } from './zset';
import type { ByteView } from './values';

/**
 * A packed sorted set read where it lies (ZLISTPACK: (member, score) pairs in order): what ZRANGE
 * and the other readers ask, walking the bytes and making strings only for the members they
 * return, as Redis walks its listpack. One per process, reused: read it at once (the next write
 * to the store may move the bytes).
 */
export class PackedZset implements ZSorted {
  private buf: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;

  at(view: ByteView): this {
    this.buf = view.buf;
    this.start = view.start;
    this.end = view.end;
    return this;
  }

  get size(): number {
    return countAt(this.buf, this.start);
  }

  private first(): number {
    return this.start + PACKED_HEADER;
  }

  private next(p: number): number {
    return nextAt(this.buf, p, SCORE_BYTES);
  }

  private scoreAt(p: number): number {
    return readScore(this.buf, dataAt(this.buf, p) + lengthAt(this.buf, p));
  }

  private memberAt(p: number): string {
    const d = dataAt(this.buf, p);
    return this.buf.latin1Slice(d, d + lengthAt(this.buf, p));
  }

  /** True when the element at p holds `member`. */
  private holds(p: number, member: string): boolean {
    const length = lengthAt(this.buf, p);
    if (length !== member.length) return false;
    const d = dataAt(this.buf, p);
    for (let i = 0; i < length; i++) if (this.buf[d + i] !== member.charCodeAt(i)) return false;
    return true;
  }

  score(member: string): number | undefined {
    for (let p = this.first(); p < this.end; p = this.next(p)) if (this.holds(p, member)) return this.scoreAt(p);
    return undefined;
  }

  rank(member: string): number {
    let rank = 0;
    for (let p = this.first(); p < this.end; p = this.next(p), rank++) if (this.holds(p, member)) return rank;
    return -1;
  }

  countBelowScore(score: number, inclusive: boolean): number {
    let n = 0;
    for (let p = this.first(); p < this.end; p = this.next(p)) {
      const s = this.scoreAt(p);
      if (s < score || (inclusive && s === score)) n++;
      else break;
    }
    return n;
  }

  countBelowMember(member: string, inclusive: boolean): number {
    let n = 0;
    for (let p = this.first(); p < this.end; p = this.next(p)) {
      const m = this.memberAt(p);
      if (m < member || (inclusive && m === member)) n++;
      else break;
    }
    return n;
  }

  visit(from: number, to: number, reverse: boolean, visit: (member: string, score: number) => void): void {
    if (from >= to) return;
    if (!reverse) {
      let p = this.first();
      for (let i = 0; i < from; i++) p = this.next(p);
      for (let i = from; i < to; i++, p = this.next(p)) visit(this.memberAt(p), this.scoreAt(p));
      return;
    }
    // Descending: the offsets of [from, to) first (a pair is read only forwards).
    const at: number[] = [];
    let p = this.first();
    for (let i = 0; i < from; i++) p = this.next(p);
    for (let i = from; i < to; i++, p = this.next(p)) at.push(p);
    for (let i = at.length - 1; i >= 0; i--) visit(this.memberAt(at[i]), this.scoreAt(at[i]));
  }
}

/**
 * Adds member src[start, end), not in the packed set at `slot`, with `score`, in place (ZADD's
 * common case: nothing decoded). True when added; false, changing nothing, when it cannot fit;
 * undefined when the set must convert to the big form (the caller rebuilds it).
 */
export function zsetInsertPacked(store: Lru, slot: number, src: Uint8Array, start: number, end: number, score: number): boolean | undefined {
  const limits = store.memory.limits;
  const view = store.valueView(slot);
  const buf = view.buf;
  const count = countAt(buf, view.start);
  if (count + 1 > limits.zsetMaxListpackEntries || end - start > limits.zsetMaxListpackValue) return undefined;
  let p = view.start + PACKED_HEADER;
  for (; p < view.end; p = nextAt(buf, p, SCORE_BYTES)) {
    const length = lengthAt(buf, p);
    const s = readScore(buf, dataAt(buf, p) + length);
    if (s > score || (s === score && compareElement(buf, p, src, start, end) > 0)) break;
  }
  const at = p - view.start;
  const opened = store.spliceValue(slot, at, 0, elementSize(end - start) + SCORE_BYTES);
  if (opened === null) return false;
  const next = writeElement(opened.buf, opened.start + at, src, start, end);
  // Redis's listpack keeps an integral score as an integer: -0 is 0 there.
  writeScore(opened.buf, next, score === 0 ? 0 : score);
  setCountAt(opened.buf, opened.start, count + 1);
  return true;
}

/**
 * Moves member src[start, end), in the packed set at `slot`, to `score` in place (ZADD of an
 * existing member, nothing decoded): its score rewritten where it stands when the order keeps, else
 * the pair inserted at its new place first and the old one cut out, so a write that cannot fit
 * changes nothing. 0 when the score was the same (nothing written), 1 when moved, false (nothing
 * changed) when it cannot fit, undefined when the caller must take the general path.
 */
export function zsetMovePacked(store: Lru, slot: number, src: Uint8Array, start: number, end: number, score: number): 0 | 1 | false | undefined {
  const limits = store.memory.limits;
  let view = store.valueView(slot);
  const buf = view.buf;
  if (countAt(buf, view.start) >= limits.zsetMaxListpackEntries || end - start > limits.zsetMaxListpackValue) return undefined;
  let old = view.start + PACKED_HEADER;
  while (old < view.end && !elementEquals(buf, old, src, start, end)) old = nextAt(buf, old, SCORE_BYTES);
  if (old >= view.end) return undefined;
  const size = nextAt(buf, old, SCORE_BYTES) - old;
  const scoreAt = old + size - SCORE_BYTES - view.start;
  // Redis's listpack keeps an integral score as an integer: -0 is 0 there.
  const next = score === 0 ? 0 : score;
  if (Object.is(readScore(buf, old + size - SCORE_BYTES), next)) return 0;
  // The new place among the others (the pair itself skipped), in (score, member) order.
  let p = view.start + PACKED_HEADER;
  for (; p < view.end; p = nextAt(buf, p, SCORE_BYTES)) {
    if (p === old) continue;
    const length = lengthAt(buf, p);
    const s = readScore(buf, dataAt(buf, p) + length);
    if (s > next || (s === next && compareElement(buf, p, src, start, end) > 0)) break;
  }
  const at = p - view.start;
  const oldAt = old - view.start;
  if (at === oldAt || at === oldAt + size) {
    const kept = store.spliceValue(slot, 0, 0, 0);
    if (kept === null) return false;
    writeScore(kept.buf, kept.start + scoreAt, next);
    return 1;
  }
  const opened = store.spliceValue(slot, at, 0, size);
  if (opened === null) return false;
  writeScore(opened.buf, writeElement(opened.buf, opened.start + at, src, start, end), next);
  view = store.spliceValue(slot, at < oldAt ? oldAt + size : oldAt, size, 0)!;
  return 1;
}
