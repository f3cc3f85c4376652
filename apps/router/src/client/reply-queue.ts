import { NO_STAT, type CommandStats } from '@kv/node';
import { OutBuffer, type ReplyMode, type Items, type ReplyEncoder, type ReplyKind } from '@kv/wire';
import type { Failable, Pending } from '../links/types';

/** The client an owed reply belongs to. */
export interface OwedClient extends Failable {
  /** One of its owed replies is done: write out what is now in order (once per read of a link). */
  ready(): void;
}

/**
 * A reply a client is owed that could not be written when its command ran: a forwarded command's
 * (Slot) or a plan's over several owners (coord/plan.ts). It holds a place in the client's reply
 * order until done.
 */
export abstract class Owed {
  /** Where the reply goes among the client's held bytes. */
  pos = 0;
  /** Its place in the client's reply order, counted from the connection's first owed reply. */
  seq = 0;
  done = false;
  /** The command's place in CommandStats, and when it started (performance.now), to time its reply. */
  stat = NO_STAT;
  started = 0;
  abstract readonly client: OwedClient;
  /** Appends the reply (called once, when done and first in order). */
  abstract encode(out: OutBuffer): void;
}

/**
 * The reply of one command run elsewhere (another worker, or here after a transaction's hold).
 * A peer's reply comes encoded in the client's protocol: when everything before it is done, it
 * is written in this same frame's flush, so it is kept as a reference into the frame (copied
 * once, into the client's output); otherwise it is copied out of the frame to wait.
 */
export class Slot extends Owed implements Pending {
  readonly mode: ReplyMode;
  private kind: ReplyKind = 0 as ReplyKind;
  private payload = '';
  private items: Items | undefined = undefined;
  private bytes: Buffer | null = null;
  private start = 0;
  private end = 0;

  constructor(
    readonly client: OwedClient,
    /** The protocol of the command: the reply is encoded in it. */
    private readonly replies: ReplyEncoder,
    private readonly queue: ReplyQueue,
  ) {
    super();
    this.mode = replies.mode;
  }

  settle(kind: ReplyKind, payload: string, items?: Items): void {
    this.kind = kind;
    this.payload = payload;
    this.items = items;
    this.done = true;
    this.client.ready();
  }

  settleEncoded(buf: Buffer, start: number, end: number): void {
    this.done = true;
    if (this.queue.writableNow(this)) {
      this.bytes = buf;
      this.start = start;
      this.end = end;
    } else {
      this.bytes = Buffer.from(buf.subarray(start, end));
      this.start = 0;
      this.end = end - start;
    }
    this.client.ready();
  }

  encode(out: OutBuffer): void {
    const bytes = this.bytes;
    if (bytes === null) return this.replies.kind(out, this.kind, this.payload, this.items);
    out.bytes(bytes, this.start, this.end);
    this.bytes = null;
  }
}

/**
 * A client's replies in request order. While nothing is owed, replies go straight to the shared
 * output buffer and out in one write per read. Once something is owed, later replies wait in
 * `held` and each owed one marks its place there; flush() writes whatever is now in order.
 */
export class ReplyQueue {
  private held: OutBuffer | null = null;
  private items: Owed[] = [];
  private head = 0;
  /** The seq of items[0]. */
  private base = 0;
  /** Every item with a lower seq is done: the next flush writes up to it. */
  private doneUpTo = 0;

  /** True while some reply is owed. */
  get waiting(): boolean {
    return this.head < this.items.length;
  }

  /** Replies owed, not yet done or not yet written. */
  get inFlight(): number {
    return this.items.length - this.head;
  }

  /** Bytes of replies done but waiting behind an owed one. */
  get heldBytes(): number {
    return this.held === null ? 0 : this.held.length;
  }

  /** Where a reply answered now goes: `out` while nothing is owed, else behind the owed ones. */
  target(out: OutBuffer): OutBuffer {
    return this.head < this.items.length ? this.held! : out;
  }

  /** Places an owed reply; the replies in `out` so far (this read's) wait with the rest, to go out in one write. */
  owe<T extends Owed>(item: T, out: OutBuffer): T {
    const held = this.held ?? (this.held = new OutBuffer(1024));
    if (this.head === this.items.length) {
      held.bytes(out.buf, 0, out.length);
      out.clear();
    }
    item.pos = held.length;
    item.seq = this.base + this.items.length;
    this.items.push(item);
    return item;
  }

  /** The seq the next owed reply will get. */
  get nextSeq(): number {
    return this.base + this.items.length;
  }

  /** True when every owed reply with a lower seq than `seq` is done (or written). */
  doneBefore(seq: number): boolean {
    const items = this.items;
    while (this.doneUpTo - this.base < items.length && items[this.doneUpTo - this.base].done) this.doneUpTo++;
    return seq <= this.doneUpTo;
  }

  /** True when `item` (just done) and everything before it are done: the next flush writes it. */
  writableNow(item: Owed): boolean {
    const items = this.items;
    while (this.doneUpTo - this.base < items.length && items[this.doneUpTo - this.base].done) this.doneUpTo++;
    return item.seq < this.doneUpTo;
  }

  /** Appends to `out` every reply now in order (timing each owed one as it goes), keeping the rest. */
  flush(out: OutBuffer, stats: CommandStats, now: number): void {
    const held = this.held;
    if (held === null) return;
    const items = this.items;
    let from = 0;
    while (this.head < items.length && items[this.head].done) {
      const item = items[this.head++];
      if (item.stat !== NO_STAT) stats.done(item.stat, now - item.started);
      out.bytes(held.buf, from, item.pos);
      item.encode(out);
      from = item.pos;
    }
    if (this.head === items.length) {
      out.bytes(held.buf, from, held.length);
      held.clear();
      this.base += items.length;
      this.doneUpTo = this.base;
      items.length = 0;
      this.head = 0;
      return;
    }
    const stop = items[this.head].pos;
    out.bytes(held.buf, from, stop);
    held.consume(stop);
    for (let i = this.head; i < items.length; i++) items[i].pos -= stop;
    if (this.doneUpTo < this.base + this.head) this.doneUpTo = this.base + this.head;
    if (this.head > 1024) {
      this.items = items.slice(this.head);
      this.base += this.head;
      this.head = 0;
    }
  }
}
