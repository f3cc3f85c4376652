import { OutBuffer, type ReplyEncoder } from '@kv/wire';
import type { ReplyOrder } from './reply-order';

/**
 * Messages any worker may send to this client that answer no command: Pub/Sub messages and
 * invalidations (the issue filed as "Pub/Sub, keyspace notifications and client-side caching").
 * Each is encoded in the connection's protocol as it stands when sent (RESP3 `>`, an array in
 * RESP2) and takes a place in the reply order, done at once: it is written after every reply owed
 * before it, in the order sent, never inside a reply, whichever worker it came from. Pub/Sub
 * messages are delivered by the subscriber's own worker (pubsub/hub.ts, from PUBLISH's step
 * there), already encoded once for all its subscribers (`sendEncoded`).
 */
export class PushChannel {
  /** Where a message is encoded before it is copied into its place (made at the first message). */
  private scratch: OutBuffer | null = null;
  /** Messages sent to this client. */
  sent = 0;

  constructor(
    private readonly order: ReplyOrder,
    /** The connection, whose `resp` is its RESP protocol now (HELLO chooses it). */
    private readonly client: { readonly resp: ReplyEncoder },
    /** The worker's shared output buffer (this client's only during its own read). */
    private readonly out: OutBuffer,
  ) {}

  /** Sends one message of `items` (bulk strings; undefined: nil). */
  send(items: readonly (string | undefined)[]): void {
    const replies = this.client.resp;
    const scratch = (this.scratch ??= new OutBuffer(256));
    scratch.clear();
    replies.pushHeader(scratch, items.length);
    for (const item of items) {
      if (item === undefined) replies.nil(scratch);
      else replies.bulk(scratch, item);
    }
    this.order.push(scratch.buf, 0, scratch.length, this.out);
    this.sent++;
  }

  /** Sends one message already encoded in the connection's protocol, buf[start, end) (copied). */
  sendEncoded(buf: Uint8Array, start: number, end: number): void {
    this.order.push(buf, start, end, this.out);
    this.sent++;
  }
}
