import { NO_STAT, type CommandStats } from '@kv/node';
import { OutBuffer, ReplyKind, type Items, type ReplyEncoder, type ReplyMode } from '@kv/wire';
import type { Answer, Place } from '../coord/plan';
import type { Failable, Pending } from '../links/types';

/** The client a reply order belongs to. */
export interface OrderClient extends Failable {
  /** One of its owed replies is done: write out what is now in order (once per read of a link). */
  ready(): void;
}

/** Owed replies kept for reuse, at most (a client rarely owes more at once). */
const POOL_LIMIT = 1024;
/** A reply copied to wait is kept in its entry's own buffer, reused, up to this size. */
const KEEP_COPY_BYTES = 16 * 1024;

/**
 * One entry in a client's reply order that could not be written when its command ran: a
 * forwarded command's reply, one waiting behind a hold here, a plan's answer, a push message (or,
 * later, a blocked command's reply). Entries are pooled by their ReplyOrder: taking one allocates
 * nothing once the pool has warmed up.
 *
 * A peer's reply comes encoded in the client's protocol: when everything before it is done, it is
 * written in this same frame's flush, so it is kept as a reference into the frame (copied once,
 * into the client's output); otherwise it is copied out of the frame to wait (into the entry's
 * own buffer, reused).
 */
export class OwedReply implements Pending, Place {
  mode!: ReplyMode;
  /** The protocol of the command: a reply in the inter-process form is encoded in it. */
  private replies: ReplyEncoder | null = null;
  private kind = 0 as ReplyKind;
  private payload = '';
  private items: Items | undefined = undefined;
  /** An answer that encodes itself (a plan's), or null. */
  private answer: Answer | null = null;
  /** Bytes already in the client's protocol: a reference into a frame, or `own`. */
  private bytes: Buffer | null = null;
  private start = 0;
  private end = 0;
  /** This entry's copy buffer, kept while small for the next reply that must wait. */
  private own: Buffer | null = null;
  /** Where the reply goes among the client's held bytes. */
  pos = 0;
  /** Its place in the client's reply order, counted from the connection's first entry. */
  seq = 0;
  done = false;
  /** The command's place in CommandStats, and when it started (performance.now), to time its reply; NO_STAT: none (a push). */
  stat = NO_STAT;
  started = 0;
  /** A push message's bytes (0 for a reply): counted in ReplyOrder.pushBytes until written. */
  pushLength = 0;
  /** SLOWLOG's check of the command, told how long its reply took (ms) when written; null: none. */
  slow: ((ms: number) => void) | null = null;

  constructor(private readonly order: ReplyOrder) {}

  get client(): Failable {
    return this.order.client;
  }

  /** Makes it a fresh entry for a reply in `replies`, or for `answer`. */
  reset(replies: ReplyEncoder | null, answer: Answer | null): void {
    this.replies = replies;
    this.mode = replies === null ? (0 as ReplyMode) : replies.mode;
    this.answer = answer;
    this.bytes = null;
    this.items = undefined;
    this.payload = '';
    this.done = false;
    this.stat = NO_STAT;
    this.pushLength = 0;
    this.slow = null;
  }

  settle(kind: ReplyKind, payload: string, items?: Items): void {
    if (this.done) return;
    this.kind = kind;
    this.payload = payload;
    this.items = items;
    this.done = true;
    this.order.client.ready();
  }

  settleEncoded(buf: Buffer, start: number, end: number): void {
    if (this.done) return;
    this.done = true;
    if (this.order.writableNow(this)) {
      this.bytes = buf;
      this.start = start;
      this.end = end;
    } else this.copy(buf, start, end);
    this.order.client.ready();
  }

  /** Place: a plan's answer is final. */
  ready(): void {
    if (this.done) return;
    this.done = true;
    this.order.client.ready();
  }

  /** Keeps a copy of buf[start, end) in this entry's own buffer. */
  copy(buf: Uint8Array, start: number, end: number): void {
    const length = end - start;
    let own = this.own;
    if (own === null || own.length < length) {
      own = Buffer.allocUnsafe(Math.max(length, 256));
      if (own.length <= KEEP_COPY_BYTES) this.own = own;
    }
    own.set(buf.subarray(start, end), 0);
    this.bytes = own;
    this.start = 0;
    this.end = length;
  }

  /** Appends the reply (once: when done and first in order). */
  encode(out: OutBuffer): void {
    const bytes = this.bytes;
    if (bytes !== null) {
      out.bytes(bytes, this.start, this.end);
      this.bytes = null;
    } else if (this.answer !== null) this.answer.encode(out);
    else this.replies!.kind(out, this.kind, this.payload, this.items);
    this.answer = null;
    this.items = undefined;
  }

  /** True for a reply that is a nil or a null array, as a dropped blocked command's (done entries only). */
  get empty(): boolean {
    const bytes = this.bytes;
    if (bytes === null) return this.answer === null && (this.kind === ReplyKind.NULL_ARRAY || this.kind === ReplyKind.NIL);
    const first = bytes[this.start];
    // RESP3's null `_`, or RESP2's `*-1` / `$-1`.
    return first === 0x5f || ((first === 0x2a || first === 0x24) && bytes[this.start + 1] === 0x2d);
  }

  /** Forgets the reply unwritten (its client is gone: ReplyOrder.silenceFrom). */
  discard(): void {
    this.bytes = null;
    this.answer = null;
    this.items = undefined;
  }
}

/**
 * A client's replies in request order. While nothing is owed, replies go straight to the shared
 * output buffer and out in one write per read. Once something is owed, later replies wait in
 * `held` and each owed one marks its place there; entries may be done in any order (replies come
 * from several peers, a blocked command's whenever another client acts), and flush() writes
 * whatever is now in order. A push message takes a place too, done at once, so it is written
 * between replies, never inside one.
 */
export class ReplyOrder {
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
      if (item.stat !== NO_STAT) stats.done(item.stat, now - item.started);
      this.pushBytes -= item.pushLength;
      if (item.slow !== null) item.slow(now - item.started);
      // Held bytes before an entry come after the one before it: silent past the first silent entry.
      if (item.seq <= silentFrom) out.bytes(held.buf, from, item.pos);
      if (item.seq < silentFrom) item.encode(out);
      else item.discard();
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
