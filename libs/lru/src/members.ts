/**
 * The members of a big set (set.ts) or sorted set (zset.ts): each member once, in insertion order,
 * with a number each (1, 2, 3 ... as they come) and, for a sorted set, its score. A Map finds a
 * member's position in the arrays; a deleted member leaves a hole that keeps its number, squeezed
 * out once holes outnumber the members (LruHash's layout, hash.ts). So:
 * - SSCAN and ZSCAN take a number as their cursor: a member present from the first call to the
 *   last is returned exactly once, whatever is added or deleted meanwhile;
 * - a random member is a random position, tried again on a hole (SPOP, SRANDMEMBER, ZRANDMEMBER).
 */
export class Members {
  private readonly index = new Map<string, number>();
  private members: (string | undefined)[] = [];
  private seqs: number[] = [];
  /** Scores by position (a sorted set's); empty for a set. */
  private scores: number[] = [];
  private used = 0;
  private holes = 0;
  private nextSeq = 1;

  constructor(private readonly scored: boolean) {}

  get size(): number {
    return this.index.size;
  }

  has(member: string): boolean {
    return this.index.has(member);
  }

  /** A sorted set member's score, or undefined. */
  score(member: string): number | undefined {
    const at = this.index.get(member);
    return at === undefined ? undefined : this.scores[at];
  }

  /** Adds a member (with its score); false when it was there (a score is then set() apart). */
  add(member: string, score = 0): boolean {
    if (this.index.has(member)) return false;
    this.append(member, score, this.nextSeq++);
    return true;
  }

  /** A present member's new score. */
  setScore(member: string, score: number): void {
    this.scores[this.index.get(member)!] = score;
  }

  delete(member: string): boolean {
    const at = this.index.get(member);
    if (at === undefined) return false;
    this.index.delete(member);
    // A hole keeps its number (scan's binary search relies on numbers ascending over positions).
    this.members[at] = undefined;
    this.holes++;
    if (this.holes > 8 && this.holes * 2 > this.index.size) this.squeeze();
    return true;
  }

  /** A member's position picked at random (retrying holes); -1 when empty. */
  randomPosition(random: () => number = Math.random): number {
    if (this.index.size === 0) return -1;
    for (;;) {
      const at = Math.floor(random() * this.used);
      if (this.members[at] !== undefined) return at;
    }
  }

  memberAt(position: number): string {
    return this.members[position]!;
  }

  scoreAt(position: number): number {
    return this.scores[position];
  }

  /** Every member's position, in insertion order. */
  positions(): number[] {
    const out: number[] = [];
    for (let at = 0; at < this.used; at++) if (this.members[at] !== undefined) out.push(at);
    return out;
  }

  forEach(visit: (member: string, score: number) => void): void {
    for (let at = 0; at < this.used; at++) {
      const member = this.members[at];
      if (member !== undefined) visit(member, this.scored ? this.scores[at] : 0);
    }
  }

  /**
   * One SSCAN/ZSCAN step: visits the members numbered `cursor` and up, in order, until `count`
   * were visited; returns the next cursor (the number of the next member), 0 when none is left.
   */
  scan(cursor: number, count: number, visit: (member: string, score: number) => void): number {
    let lo = 0;
    let hi = this.used;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seqs[mid] < cursor) lo = mid + 1;
      else hi = mid;
    }
    let found = 0;
    for (let at = lo; at < this.used; at++) {
      const member = this.members[at];
      if (member === undefined) continue;
      if (found === count) return this.seqs[at];
      visit(member, this.scored ? this.scores[at] : 0);
      found++;
    }
    return 0;
  }

  /**
   * Every member with its score and number, in order: what restore() takes back (a hand-over).
   * From position `from` (0: the first), until `visit` answers false: the position to go on
   * from then (the set unchanged meanwhile), -1 once every member was visited.
   */
  forEachNumbered(visit: (member: string, score: number, seq: number) => unknown, from = 0): number {
    for (let at = from; at < this.used; at++) {
      const member = this.members[at];
      if (member !== undefined && visit(member, this.scored ? this.scores[at] : 0, this.seqs[at]) === false) return at + 1;
    }
    return -1;
  }

  /**
   * Appends a member with the number it had (from forEachNumbered, in that order), so a cursor
   * taken before a hand-over stays valid. False, adding nothing, when the member is there already
   * or the number is not above the last one.
   */
  restore(member: string, score: number, seq: number): boolean {
    if (this.index.has(member) || !(seq >= this.nextSeq) || !Number.isSafeInteger(seq)) return false;
    this.append(member, score, seq);
    this.nextSeq = seq + 1;
    return true;
  }

  private append(member: string, score: number, seq: number): void {
    this.members.push(member);
    this.seqs.push(seq);
    if (this.scored) this.scores.push(score);
    this.index.set(member, this.used++);
  }

  /** Drops the holes, keeping order and numbers. */
  private squeeze(): void {
    const members: (string | undefined)[] = [];
    const seqs: number[] = [];
    const scores: number[] = [];
    for (let at = 0; at < this.used; at++) {
      const member = this.members[at];
      if (member === undefined) continue;
      this.index.set(member, members.length);
      members.push(member);
      seqs.push(this.seqs[at]);
      if (this.scored) scores.push(this.scores[at]);
    }
    this.members = members;
    this.seqs = seqs;
    this.scores = scores;
    this.used = members.length;
    this.holes = 0;
  }
}
