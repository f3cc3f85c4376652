import { countAt, dataAt, lengthAt, nextAt, PACKED_HEADER, readScore, SCORE_BYTES } from './packed';
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
