import { Kind } from './layout';
import { Members } from './members';
import type { LruObject } from './object';

/**
 * A set past its packed limits (set-max-intset-entries, set-max-listpack-entries and -value):
 * its members in insertion order with numbers for SSCAN (members.ts). Charged SET_OVERHEAD plus,
 * per member, its length and SET_MEMBER_OVERHEAD (a string's header, a Map entry, two array
 * slots, and the slack of their doubling): libs/lru/bench/collection-memory.ts measures 66-78 heap
 * bytes per member besides its characters, so the charge errs a little high.
 */
export const SET_OVERHEAD = 384;
export const SET_MEMBER_OVERHEAD = 96;

export class LruSet implements LruObject {
  readonly kind = Kind.SET;
  bytes = SET_OVERHEAD;
  readonly members = new Members(false);

  static of(items: Iterable<string>): LruSet {
    const set = new LruSet();
    for (const item of items) set.add(item);
    return set;
  }

  /** A copy with the same SSCAN numbers. */
  clone(): LruSet {
    const set = new LruSet();
    this.members.forEachNumbered((member, _score, seq) => void set.restore(member, seq));
    return set;
  }

  static cost(length: number): number {
    return length + SET_MEMBER_OVERHEAD;
  }

  get size(): number {
    return this.members.size;
  }

  has(member: string): boolean {
    return this.members.has(member);
  }

  add(member: string): boolean {
    if (!this.members.add(member)) return false;
    this.bytes += LruSet.cost(member.length);
    return true;
  }

  delete(member: string): boolean {
    if (!this.members.delete(member)) return false;
    this.bytes -= LruSet.cost(member.length);
    return true;
  }

  /** Restores a member with its SSCAN number (a hand-over, in order). */
  restore(member: string, seq: number): boolean {
    if (!this.members.restore(member, 0, seq)) return false;
    this.bytes += LruSet.cost(member.length);
    return true;
  }

  toArray(): string[] {
    const out: string[] = [];
    this.members.forEach((member) => out.push(member));
    return out;
  }
}
