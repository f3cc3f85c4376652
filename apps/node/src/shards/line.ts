/** Commands that may wait behind a transaction's hold on one worker, at most (see WaitingLine). */
export const MAX_WAITING = 65_536;
/** Bytes of copied arguments that waiting commands may hold on one worker, at most. */
export const MAX_WAITING_BYTES = 64 * 1024 * 1024;

const NOTHING = () => {};

/**
 * The work waiting behind a transaction's hold on a worker (ShardSet), in arrival order: local
 * clients' commands, peers' requests, a prepare waiting its turn. Bounded by count and by the
 * bytes of the arguments it keeps copies of: a command past either bound is refused (offer()
 * says so, its caller answers LINE_FULL), never queued, dropped or allowed to grow the process.
 * Internal work (a hand-over's snapshot: one per step) is always taken (push()).
 */
export class WaitingLine {
  private work: (() => void)[] = [];
  /** Bytes each entry holds, beside it. */
  private sizes: number[] = [];
  private head = 0;
  /** Bytes held by the entries still waiting. */
  bytes = 0;

  get length(): number {
    return this.work.length - this.head;
  }

  /** Queues a client's or a peer's command holding `bytes` of arguments; false (nothing queued) past a bound. */
  offer(work: () => void, bytes: number): boolean {
    if (this.length >= MAX_WAITING || this.bytes + bytes > MAX_WAITING_BYTES) return false;
    this.push(work, bytes);
    return true;
  }

  push(work: () => void, bytes = 0): void {
    this.work.push(work);
    this.sizes.push(bytes);
    this.bytes += bytes;
  }

  /** Takes the next entry out of the line (null when empty); it is the caller's to run. */
  next(): (() => void) | null {
    if (this.head === this.work.length) return null;
    const work = this.work[this.head];
    this.work[this.head] = NOTHING;
    this.bytes -= this.sizes[this.head++];
    if (this.head === this.work.length) {
      this.work.length = 0;
      this.sizes.length = 0;
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.work.length) {
      // A line that never empties (a hold after every other command) must not keep what ran.
      this.work = this.work.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
    return work;
  }
}
