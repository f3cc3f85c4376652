import { ScoreTree } from './btree';
import { Kind } from './layout';
import { Members } from './members';
import type { LruObject } from './object';

/**
 * A sorted set past its packed limits (zset-max-listpack-entries and -value): its members with
 * their scores and ZSCAN numbers (members.ts: a member's score in O(1)) and the same pairs in
 * score order in a counted B+ tree (btree.ts: ranks, ranges and counts in O(log n)). Charged
 * ZSET_OVERHEAD plus, per member, its length and ZSET_MEMBER_OVERHEAD: a set member's charge
 * (set.ts) and the tree's share, a string slot and a double slot in a leaf, about 1/32 of a node.
 */
export const ZSET_OVERHEAD = 512;
export const ZSET_MEMBER_OVERHEAD = 120;

export class LruZset implements LruObject, ZSorted {
  readonly kind = Kind.ZSET;
  bytes = ZSET_OVERHEAD;
  readonly members = new Members(true);
  readonly tree = new ScoreTree();

  /** A copy with the same ZSCAN numbers. */
  clone(): LruZset {
    const zset = new LruZset();
    this.members.forEachNumbered((member, score, seq) => void zset.restore(member, score, seq));
    return zset;
  }

  static cost(length: number): number {
    return length + ZSET_MEMBER_OVERHEAD;
  }

  get size(): number {
    return this.members.size;
  }

  score(member: string): number | undefined {
    return this.members.score(member);
  }

  /** Adds a member or moves it to a new score; true when it was added. */
  set(member: string, score: number): boolean {
    const old = this.members.score(member);
    if (old === undefined) {
      this.members.add(member, score);
      this.tree.insert(score, member);
      this.bytes += LruZset.cost(member.length);
      return true;
    }
    if (old !== score) {
      this.tree.remove(old, member);
      this.tree.insert(score, member);
      this.members.setScore(member, score);
    }
    return false;
  }

  delete(member: string): boolean {
    const old = this.members.score(member);
    if (old === undefined) return false;
    this.members.delete(member);
    this.tree.remove(old, member);
    this.bytes -= LruZset.cost(member.length);
    return true;
  }

  rank(member: string): number {
    return treeRank(this, member);
  }

  countBelowScore(score: number, inclusive: boolean): number {
    return this.tree.countBelowScore(score, inclusive);
  }

  countBelowMember(member: string, inclusive: boolean): number {
    return this.tree.countBelowMember(member, inclusive);
  }

  visit(from: number, to: number, reverse: boolean, visit: (member: string, score: number) => void): void {
    treeVisit(this, from, to, reverse, visit);
  }

  /** Restores a member with its ZSCAN number (a hand-over, in order). */
  restore(member: string, score: number, seq: number): boolean {
    if (!this.members.restore(member, score, seq)) return false;
    this.tree.insert(score, member);
    this.bytes += LruZset.cost(member.length);
    return true;
  }
}

/** A sorted set read by rank, either form (LruZset, or a packed one decoded: SmallZset in zset-ops.ts). */
export interface ZSorted {
  readonly size: number;
  score(member: string): number | undefined;
  /** The 0-based rank of a member (ascending), -1 when it is not there. */
  rank(member: string): number;
  /** Pairs with a score below `score` (at most, when `inclusive`). */
  countBelowScore(score: number, inclusive: boolean): number;
  /** Pairs whose member is below `member` (at most, when `inclusive`): meaningful when every score is equal (BYLEX). */
  countBelowMember(member: string, inclusive: boolean): number;
  /** Visits ranks [from, to) ascending, or descending from to - 1 when `reverse`. */
  visit(from: number, to: number, reverse: boolean, visit: (member: string, score: number) => void): void;
}

/** LruZset's ZSorted side, through its tree. */
export function treeRank(z: LruZset, member: string): number {
  const score = z.members.score(member);
  return score === undefined ? -1 : z.tree.rank(score, member);
}

export function treeVisit(z: LruZset, from: number, to: number, reverse: boolean, visit: (member: string, score: number) => void): void {
  if (from >= to) return;
  const tree = z.tree;
  let leaf = tree.seek(reverse ? to - 1 : from);
  let i = tree.offset;
  for (let n = to - from; n > 0; n--) {
    visit(leaf.members[i], leaf.scores[i]);
    if (reverse) {
      if (--i < 0 && n > 1) {
        leaf = leaf.prev!;
        i = leaf.scores.length - 1;
      }
    } else if (++i >= leaf.scores.length && n > 1) {
      leaf = leaf.next!;
      i = 0;
    }
  }
}
