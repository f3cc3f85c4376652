/**
 * The order a big sorted set keeps (zset.ts's LruZset; checked against a model by
 * libs/lru/test/btree.test.ts): (score, member) pairs sorted by
 * score, then by the member's bytes, in a B+ tree whose inner nodes count the pairs under each
 * child, so a rank, the pair at a rank and the rank of a score are O(log n).
 *
 * Why a B+ tree and not Redis's skip list: in JavaScript a skip list is an object per element
 * with an array of forward links and spans (~100 bytes and a pointer chase per level); a B+ tree
 * keeps up to 64 pairs per leaf in two flat arrays (scores unboxed as doubles), so a set costs
 * about an object per 32 elements, walks touch few objects, and ranks come from the counts.
 *
 * An inner node keeps, per child, its count and its separator: the child's first pair when it
 * was made (a key no greater than anything in it and greater than everything left of it, which
 * deletions keep true). Leaves are linked both ways for walks by rank.
 */

const LEAF_MAX = 64;
const INNER_MAX = 64;
/** A node below this merges with a sibling when the two fit in one. */
const MIN_FILL = 16;

export class Leaf {
  scores: number[] = [];
  members: string[] = [];
  next: Leaf | null = null;
  prev: Leaf | null = null;
}

class Inner {
  children: (Inner | Leaf)[] = [];
  counts: number[] = [];
  sepScores: number[] = [];
  sepMembers: string[] = [];
}

type Node = Inner | Leaf;

/** (score, member) against (s, m): negative, 0, positive. */
export function compareKeys(score: number, member: string, s: number, m: string): number {
  if (score < s) return -1;
  if (score > s) return 1;
  return member < m ? -1 : member > m ? 1 : 0;
}

export class ScoreTree {
  size = 0;
  private root: Node = new Leaf();
  /** The path of the last descent: inner nodes and the child taken in each. */
  private readonly path: Inner[] = [];
  private readonly taken: number[] = [];

  /** The first leaf (the lowest pairs), for walks. */
  get first(): Leaf {
    let node = this.root;
    while (node instanceof Inner) node = node.children[0];
    return node;
  }

  /** The last leaf. */
  get last(): Leaf {
    let node = this.root;
    while (node instanceof Inner) node = node.children[node.children.length - 1];
    return node;
  }

  insert(score: number, member: string): void {
    const leaf = this.descend(score, member);
    const i = lowerBound(leaf, score, member);
    leaf.scores.splice(i, 0, score);
    leaf.members.splice(i, 0, member);
    this.size++;
    for (let d = 0; d < this.path.length; d++) this.path[d].counts[this.taken[d]]++;
    if (leaf.scores.length > LEAF_MAX) this.splitLeaf(leaf);
  }

  /** Removes a pair; false when it is not there. */
  remove(score: number, member: string): boolean {
    const leaf = this.descend(score, member);
    const i = lowerBound(leaf, score, member);
    if (i >= leaf.scores.length || leaf.scores[i] !== score || leaf.members[i] !== member) return false;
    leaf.scores.splice(i, 1);
    leaf.members.splice(i, 1);
    this.size--;
    for (let d = 0; d < this.path.length; d++) this.path[d].counts[this.taken[d]]--;
    if (leaf.scores.length < MIN_FILL) this.rebalance(leaf);
    return true;
  }

  /** The 0-based rank of a pair, or -1 when it is not there. */
  rank(score: number, member: string): number {
    const leaf = this.descend(score, member);
    const i = lowerBound(leaf, score, member);
    if (i >= leaf.scores.length || leaf.scores[i] !== score || leaf.members[i] !== member) return -1;
    return this.before() + i;
  }

  /**
   * Pairs below a score bound: those with a score under `score` (or at most `score`, when
   * `inclusive`): the rank of the first pair past them.
   */
  countBelowScore(score: number, inclusive: boolean): number {
    let node = this.root;
    let before = 0;
    while (node instanceof Inner) {
      let i = node.children.length - 1;
      while (i > 0 && (inclusive ? node.sepScores[i] > score : node.sepScores[i] >= score)) i--;
      for (let j = 0; j < i; j++) before += node.counts[j];
      node = node.children[i];
    }
    let lo = 0;
    let hi = node.scores.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (inclusive ? node.scores[mid] <= score : node.scores[mid] < score) lo = mid + 1;
      else hi = mid;
    }
    return before + lo;
  }

  /** As countBelowScore, by member (a set whose scores are all equal: BYLEX). */
  countBelowMember(member: string, inclusive: boolean): number {
    let node = this.root;
    let before = 0;
    while (node instanceof Inner) {
      let i = node.children.length - 1;
      while (i > 0 && (inclusive ? node.sepMembers[i] > member : node.sepMembers[i] >= member)) i--;
      for (let j = 0; j < i; j++) before += node.counts[j];
      node = node.children[i];
    }
    let lo = 0;
    let hi = node.members.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (inclusive ? node.members[mid] <= member : node.members[mid] < member) lo = mid + 1;
      else hi = mid;
    }
    return before + lo;
  }

  /** The leaf holding rank `rank` (0 <= rank < size); `offset` is set to its index there. */
  seek(rank: number): Leaf {
    let node = this.root;
    while (node instanceof Inner) {
      let i = 0;
      while (rank >= node.counts[i]) rank -= node.counts[i++];
      node = node.children[i];
    }
    this.offset = rank;
    return node;
  }

  /** seek()'s index within the leaf it returned. */
  offset = 0;

  /** Descends to the leaf where (score, member) is or would go, noting the path. */
  private descend(score: number, member: string): Leaf {
    this.path.length = 0;
    this.taken.length = 0;
    let node = this.root;
    while (node instanceof Inner) {
      let i = node.children.length - 1;
      while (i > 0 && compareKeys(node.sepScores[i], node.sepMembers[i], score, member) > 0) i--;
      this.path.push(node);
      this.taken.push(i);
      node = node.children[i];
    }
    return node;
  }

  /** Pairs left of the last descent's leaf. */
  private before(): number {
    let n = 0;
    for (let d = 0; d < this.path.length; d++) for (let j = 0; j < this.taken[d]; j++) n += this.path[d].counts[j];
    return n;
  }

  private splitLeaf(leaf: Leaf): void {
    const half = leaf.scores.length >>> 1;
    const right = new Leaf();
    right.scores = leaf.scores.splice(half);
    right.members = leaf.members.splice(half);
    right.next = leaf.next;
    right.prev = leaf;
    if (leaf.next !== null) leaf.next.prev = right;
    leaf.next = right;
    this.addSibling(this.path.length - 1, leaf, right, right.scores.length, right.scores[0], right.members[0]);
  }

  /** Puts `right` after `left` in the parent at path depth `d` (a new root when d < 0), splitting upward. */
  private addSibling(d: number, left: Node, right: Node, rightCount: number, score: number, member: string): void {
    if (d < 0) {
      const root = new Inner();
      root.children = [left, right];
      root.counts = [this.size - rightCount, rightCount];
      root.sepScores = [-Infinity, score];
      root.sepMembers = ['', member];
      this.root = root;
      return;
    }
    const parent = this.path[d];
    const i = this.taken[d];
    parent.counts[i] -= rightCount;
    parent.children.splice(i + 1, 0, right);
    parent.counts.splice(i + 1, 0, rightCount);
    parent.sepScores.splice(i + 1, 0, score);
    parent.sepMembers.splice(i + 1, 0, member);
    if (parent.children.length <= INNER_MAX) return;
    const half = parent.children.length >>> 1;
    const sibling = new Inner();
    sibling.children = parent.children.splice(half);
    sibling.counts = parent.counts.splice(half);
    sibling.sepScores = parent.sepScores.splice(half);
    sibling.sepMembers = parent.sepMembers.splice(half);
    let count = 0;
    for (const c of sibling.counts) count += c;
    this.addSibling(d - 1, parent, sibling, count, sibling.sepScores[0], sibling.sepMembers[0]);
  }

  /** A leaf that fell below MIN_FILL merges with a neighbour under the same parent when both fit in one. */
  private rebalance(leaf: Leaf): void {
    const d = this.path.length - 1;
    if (d < 0) return;
    const parent = this.path[d];
    const i = this.taken[d];
    if (i + 1 < parent.children.length && (parent.children[i + 1] as Leaf).scores.length + leaf.scores.length <= LEAF_MAX) {
      this.mergeLeaves(parent, i);
    } else if (i > 0 && (parent.children[i - 1] as Leaf).scores.length + leaf.scores.length <= LEAF_MAX) {
      this.mergeLeaves(parent, i - 1);
    } else if (leaf.scores.length > 0) return;
    this.shrinkUp(d);
  }

  /** Child i + 1 of `parent` (a leaf) joins child i. */
  private mergeLeaves(parent: Inner, i: number): void {
    const left = parent.children[i] as Leaf;
    const right = parent.children[i + 1] as Leaf;
    left.scores.push(...right.scores);
    left.members.push(...right.members);
    left.next = right.next;
    if (right.next !== null) right.next.prev = left;
    parent.counts[i] += parent.counts[i + 1];
    removeChild(parent, i + 1);
  }

  /** After a merge at depth d: inner nodes left too small merge with a neighbour, and a root of one child gives way to it. */
  private shrinkUp(d: number): void {
    for (; d > 0; d--) {
      const node = this.path[d];
      if (node.children.length >= MIN_FILL) break;
      const parent = this.path[d - 1];
      const i = this.taken[d - 1];
      const j = i + 1 < parent.children.length ? i : i - 1;
      if (j < 0) break;
      const left = parent.children[j] as Inner;
      const right = parent.children[j + 1] as Inner;
      if (left.children.length + right.children.length > INNER_MAX) break;
      // The right node's first separator was never used for routing inside it: it takes its parent's.
      right.sepScores[0] = parent.sepScores[j + 1];
      right.sepMembers[0] = parent.sepMembers[j + 1];
      left.children.push(...right.children);
      left.counts.push(...right.counts);
      left.sepScores.push(...right.sepScores);
      left.sepMembers.push(...right.sepMembers);
      parent.counts[j] += parent.counts[j + 1];
      removeChild(parent, j + 1);
    }
    while (this.root instanceof Inner && this.root.children.length === 1) this.root = this.root.children[0];
    if (this.root instanceof Leaf) {
      this.root.prev = null;
      this.root.next = null;
    }
  }
}

function removeChild(parent: Inner, i: number): void {
  parent.children.splice(i, 1);
  parent.counts.splice(i, 1);
  parent.sepScores.splice(i, 1);
  parent.sepMembers.splice(i, 1);
}

/** The first index in the leaf whose pair is not below (score, member). */
function lowerBound(leaf: Leaf, score: number, member: string): number {
  let lo = 0;
  let hi = leaf.scores.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(leaf.scores[mid], leaf.members[mid], score, member) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
