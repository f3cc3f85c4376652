import { NO_STAT, type CommandStats } from '@kv/node';
import { OutBuffer, type ReplyEncoder } from '@kv/wire';
import type { Answer } from '../coord/plan';
import { OwedReply, type EntryOrder, type OrderClient } from './owed-reply';

export { OwedReply, type OrderClient } from './owed-reply';

/** Owed replies kept for reuse, at most (a client rarely owes more at once). */
const POOL_LIMIT = 1024;
/**
 * A client's replies in request order. While nothing is owed, replies go straight to the shared
 * output buffer and out in one write per read. Once something is owed, later replies wait in
 * `held` and each owed one marks its place there; entries may be done in any order (replies come
 * from several peers, a blocked command's whenever another client acts), and flush() writes
 * whatever is now in order. A push message takes a place too, done at once, so it is written
 * between replies, never inside one.
 */
export class ReplyOrder implements EntryOrder {
  private held: OutBuffer | null = null;
  /** The entries in the order, entries[head, count); the array is reused, never shrunk or copied per reply. */
  private entries: OwedReply[] = [];
  private count = 0;
  private head = 0;
  /** The seq of entries[0]. */
  private base = 0;
  /** Every entry with a lower seq is done: the next flush writes up to it. */
  private doneUpTo = 0;
  private readonly pool: OwedReply[] = [];
  /** This client's read is being handled: the shared output buffer holds its replies so far. */
  reading = false;
  /** Bytes of push messages taken and not yet written (a subscriber's output limit counts them). */
  pushBytes = 0;
  /** Entries from this seq on are dropped unwritten, with the bytes after them (silenceFrom). */
  private silentFrom = Infinity;

  constructor(readonly client: OrderClient) {}

  /** True while some reply is owed. */
  get waiting(): boolean {
    return this.head < this.count;
  }

  /** Entries owed, not yet done or not yet written. */
  get inFlight(): number {
    return this.count - this.head;
  }

  /** Bytes of replies done but waiting behind an owed one. */
  get heldBytes(): number {
    return this.held === null ? 0 : this.held.length;
  }

  /** Where a reply answered now goes: `out` while nothing is owed, else behind the owed ones. */
  target(out: OutBuffer): OutBuffer {
    return this.head < this.count ? this.held! : out;
  }

  /** A reply that comes later, encoded in `replies`: its place, taken now (the replies in `out` so far, this read's, wait with it). */
  owe(replies: ReplyEncoder, out: OutBuffer): OwedReply {
    const item = this.take(out);
    item.reset(replies, null);
    return item;
  }

  /** A plan's answer that comes later: its place, taken now. */
  place(answer: Answer, out: OutBuffer): OwedReply {
    const item = this.take(out);
    item.reset(null, answer);
    return item;
  }

  /**
   * A push message (bytes already in the client's protocol): written after every reply owed
   * before it, never inside one. During this client's own read `out` holds its replies so far,
   * and the message goes after them; at any other time `out` is another client's and is left alone.
   */
  push(message: Uint8Array, start: number, end: number, out: OutBuffer): void {
    const item = this.take(this.reading ? out : null);
    item.reset(null, null);
    item.copy(message, start, end);
    item.done = true;
    item.pushLength = end - start;
    this.pushBytes += end - start;
    this.client.ready();
  }

  private take(out: OutBuffer | null): OwedReply {
    const held = this.held ?? (this.held = new OutBuffer(1024));
    if (this.head === this.count && out !== null) {
      held.bytes(out.buf, 0, out.length);
      out.clear();
    }
    const item = this.pool.pop() ?? new OwedReply(this);
    item.pos = held.length;
    item.seq = this.base + this.count;
    if (this.count === this.entries.length) this.entries.push(item);
    else this.entries[this.count] = item;
    this.count++;
    return item;
  }

  /** The seq the next owed reply will get. */
  get nextSeq(): number {
    return this.base + this.count;
  }

  /** True when every owed reply with a lower seq than `seq` is done (or written). */
  doneBefore(seq: number): boolean {
    this.advanceDone();
    return seq <= this.doneUpTo;
  }

  /** True when `item` (just done) and everything before it are done: the next flush writes it. */
  writableNow(item: OwedReply): boolean {
    this.advanceDone();
    return item.seq < this.doneUpTo;
  }

  private advanceDone(): void {
    const entries = this.entries;
    while (this.doneUpTo - this.base < this.count && entries[this.doneUpTo - this.base].done) this.doneUpTo++;
  }

  /** Whether the owed entry `seq` is done with an empty reply (OwedReply.empty); null while it is not done (or not owed). */
  doneEmpty(seq: number): boolean | null {
    const at = seq - this.base;
    if (at < this.head || at >= this.count || !this.entries[at].done) return null;
    return this.entries[at].empty;
  }

  /** CLIENT UNBLOCK ERROR: the owed entry `seq`, done empty (its cancel's answer), answers the error `text`; null while it is not done. */
  errorIfEmpty(seq: number, text: string): boolean | null {
    const at = seq - this.base;
    if (at < this.head) return false;
    if (at >= this.count || !this.entries[at].done) return null;
    const entry = this.entries[at];
    if (!entry.empty) return false;
    entry.replaceWithError(text);
    return true;
  }

  /**
   * The entry `seq` and everything after it are never written (a client that left while blocked:
   * Redis frees it unanswered); those before it still are.
   */
  silenceFrom(seq: number): void {
    this.silentFrom = seq;
  }

  /** Appends to `out` every reply now in order (timing each owed one as it goes), keeping the rest. */
  flush(out: OutBuffer, stats: CommandStats, now: number): void {
    const held = this.held;
    if (held === null) return;
    const entries = this.entries;
    const pool = this.pool;
    const silentFrom = this.silentFrom;
    let from = 0;
    while (this.head < this.count && entries[this.head].done) {
      const item = entries[this.head++];
      this.pushBytes -= item.pushLength;
      if (item.slow !== null) item.slow(now - item.started);
      // Held bytes before an entry come after the one before it: silent past the first silent entry.
      if (item.seq <= silentFrom) out.bytes(held.buf, from, item.pos);
      let failed = false;
      if (item.seq < silentFrom) failed = item.encode(out);
      else item.discard();
      if (item.stat !== NO_STAT) stats.done(item.stat, now - item.started, failed);
      from = item.pos;
      if (pool.length < POOL_LIMIT) pool.push(item);
    }
    // Everything held after a silent entry is silent too.
    if (this.base + this.head - 1 >= silentFrom) from = this.head === this.count ? held.length : entries[this.head].pos;
    if (this.head === this.count) {
      out.bytes(held.buf, from, held.length);
      held.clear();
      this.base += this.count;
      this.doneUpTo = this.base;
      this.count = 0;
      this.head = 0;
      return;
    }
    const stop = entries[this.head].pos;
    out.bytes(held.buf, from, stop);
    held.consume(stop);
    for (let i = this.head; i < this.count; i++) entries[i].pos -= stop;
    if (this.doneUpTo < this.base + this.head) this.doneUpTo = this.base + this.head;
    if (this.head > 1024) {
      entries.copyWithin(0, this.head, this.count);
      this.count -= this.head;
      this.base += this.head;
      this.head = 0;
    }
  }
}
