import { TEXT_REPLIES, type Items, type OutBuffer, type ReplyEncoder } from '@kv/wire';
import type { ReplySink } from '@kv/node';
import type { ReplyOrder } from './reply-order';

/**
 * A client's replies to the command being answered, in that command's protocol (fixed when the
 * command is read: the seed's text, or the connection's RESP2 or RESP3), into the worker's shared
 * output buffer while nothing is owed, else behind the owed replies (ReplyOrder.target). The one
 * ReplySink a client's commands answer through when they run here.
 */
export class ClientReplies implements ReplySink {
  /** The protocol of the command being answered. */
  replies: ReplyEncoder = TEXT_REPLIES;
  /** Errors answered through here (CommandTimer: a command that answered one failed). */
  errors = 0;

  constructor(
    private readonly order: ReplyOrder,
    /** The worker's shared output buffer: this client's only while one of its reads is handled. */
    private readonly out: OutBuffer,
  ) {}

  /** Where the next reply goes: straight out, or held behind an owed one. */
  target(): OutBuffer {
    return this.order.target(this.out);
  }

  ok(): void {
    this.replies.ok(this.target());
  }
  status(text: string): void {
    this.replies.status(this.target(), text);
  }
  nil(): void {
    this.replies.nil(this.target());
  }
  bulk(value: string): void {
    this.replies.bulk(this.target(), value);
  }
  bulkBytes(buf: Uint8Array, start: number, end: number): void {
    this.replies.bulkBytes(this.target(), buf, start, end);
  }
  integer(n: number | bigint): void {
    this.replies.integer(this.target(), n);
  }
  error(message: string): void {
    this.errors++;
    this.replies.error(this.target(), message);
  }
  array(items: Items): void {
    this.replies.array(this.target(), items);
  }
  map(items: Items): void {
    this.replies.map(this.target(), items);
  }
  nullArray(): void {
    this.replies.nullArray(this.target());
  }
  cursor(cursor: string, items: Items): void {
    this.replies.cursor(this.target(), cursor, items);
  }
  tree(buf: Buffer, start: number, end: number): void {
    this.replies.tree(this.target(), buf, start, end);
  }

  // Headers and RESP3 types, for connection commands that answer lists and maps.

  arrayHeader(n: number): void {
    this.replies.arrayHeader(this.target(), n);
  }
  mapHeader(pairs: number): void {
    this.replies.mapHeader(this.target(), pairs);
  }
  setHeader(n: number): void {
    this.replies.setHeader(this.target(), n);
  }
  /** A push message's header (RESP3 `>`, an array in RESP2): SUBSCRIBE's confirmations are pushes, as Redis's. */
  pushHeader(n: number): void {
    this.replies.pushHeader(this.target(), n);
  }
  verbatim(text: string): void {
    this.replies.verbatim(this.target(), text);
  }
}
