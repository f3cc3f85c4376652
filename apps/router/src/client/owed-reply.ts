import { NO_STAT } from '@kv/node';
import { ReplyKind, ReplyMode, type Items, type OutBuffer, type ReplyEncoder } from '@kv/wire';

const TEXT_ERROR = 'ERROR\n';

/** Whether the reply written to `out` from `at` is an error: its first byte says (an error inside an EXEC's or a script's reply is not the call's). */
export function isErrorAt(out: OutBuffer, at: number, mode: ReplyMode): boolean {
  if (mode !== ReplyMode.TEXT) return out.length > at && out.buf[at] === 0x2d;
  return out.length - at === TEXT_ERROR.length && out.buf.latin1Slice(at, out.length) === TEXT_ERROR;
}
import type { Answer, Place } from '../coord/plan';
import type { Failable, Pending } from '../links/types';

/** The client a reply order belongs to. */
export interface OrderClient extends Failable {
  /** One of its owed replies is done: write out what is now in order (once per read of a link). */
  ready(): void;
}

/** What an entry needs of its reply order (ReplyOrder). */
export interface EntryOrder {
  readonly client: OrderClient;
  /** Everything before `item` is written: its reply may be written from the frame it came in. */
  writableNow(item: OwedReply): boolean;
}

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
  /** CLIENT REPLY OFF or SKIP was on for its command: whatever comes back is dropped. */
  private silent = false;
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

  constructor(private readonly order: EntryOrder) {}

  get client(): Failable {
    return this.order.client;
  }

  /** Makes it a fresh entry for a reply in `replies`, or for `answer`. */
  reset(replies: ReplyEncoder | null, answer: Answer | null): void {
    this.replies = replies;
    this.silent = replies?.silent === true;
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

  /** Appends the reply (once: when done and first in order); true when it is an error (a failed call, for INFO commandstats). */
  encode(out: OutBuffer): boolean {
    const bytes = this.bytes;
    const at = out.length;
    if (this.silent) {
      this.discard();
      return false;
    }
    if (bytes !== null) {
      out.bytes(bytes, this.start, this.end);
      this.bytes = null;
    } else if (this.answer !== null) this.answer.encode(out);
    else this.replies!.kind(out, this.kind, this.payload, this.items);
    this.answer = null;
    this.items = undefined;
    return isErrorAt(out, at, this.mode);
  }

  /** True for a reply that is a nil or a null array, as a dropped blocked command's (done entries only). */
  get empty(): boolean {
    const bytes = this.bytes;
    if (bytes === null) return this.answer === null && (this.kind === ReplyKind.NULL_ARRAY || this.kind === ReplyKind.NIL);
    const first = bytes[this.start];
    // RESP3's null `_`, or RESP2's `*-1` / `$-1`.
    return first === 0x5f || ((first === 0x2a || first === 0x24) && bytes[this.start + 1] === 0x2d);
  }

  /** Answers the error `text` instead of what it was done with (CLIENT UNBLOCK ERROR's blocked command). */
  replaceWithError(text: string): void {
    this.bytes = null;
    this.answer = null;
    this.items = undefined;
    this.kind = ReplyKind.ERROR;
    this.payload = text;
  }

  /** Forgets the reply unwritten (its client is gone: ReplyOrder.silenceFrom). */
  discard(): void {
    this.bytes = null;
    this.answer = null;
    this.items = undefined;
  }
}
