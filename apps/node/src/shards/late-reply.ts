import type { Items, ReplyMode } from '@kv/wire';
import type { ReplySink } from '../reply';

/** What LateFrameReply needs of a link's FrameReplies: reopening a request by its id inside whatever is open now. */
export interface ReopenableReplies extends ReplySink {
  readonly state: number;
  begin(id: number, mode: ReplyMode): void;
  end(): void;
  restore(state: number): void;
}

/** A blocked request's reply, made whenever a push or its timeout comes: its id reopened around it in the link's reply frame. */
export class LateFrameReply implements ReplySink {
  constructor(
    private readonly replies: ReopenableReplies,
    private readonly id: number,
    private readonly mode: ReplyMode,
  ) {}

  private around(reply: (replies: ReplySink) => void): void {
    const replies = this.replies;
    const outer = replies.state;
    replies.begin(this.id, this.mode);
    reply(replies);
    replies.end();
    replies.restore(outer);
  }

  ok(): void {
    this.around((r) => r.ok());
  }
  status(text: string): void {
    this.around((r) => r.status(text));
  }
  nil(): void {
    this.around((r) => r.nil());
  }
  bulk(value: string): void {
    this.around((r) => r.bulk(value));
  }
  bulkBytes(buf: Uint8Array, start: number, end: number): void {
    this.around((r) => r.bulkBytes(buf, start, end));
  }
  integer(n: number | bigint): void {
    this.around((r) => r.integer(n));
  }
  error(message: string): void {
    this.around((r) => r.error(message));
  }
  array(items: Items): void {
    this.around((r) => r.array(items));
  }
  map(items: Items): void {
    this.around((r) => r.map(items));
  }
  nullArray(): void {
    this.around((r) => r.nullArray());
  }
  cursor(cursor: string, items: Items): void {
    this.around((r) => r.cursor(cursor, items));
  }
  tree(buf: Buffer, start: number, end: number): void {
    this.around((r) => r.tree(buf, start, end));
  }
}
