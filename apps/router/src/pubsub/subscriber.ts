import type { OutBuffer, ReplyEncoder } from '@kv/wire';
import { OutputLimit, type OutputLimits } from './output-limit';

/** A message encoded once per protocol for every subscriber that gets it (hub.ts). */
export interface EncodedMessage {
  /** The message's bytes in `replies`'s protocol (RESP3 `>`, an array in RESP2). */
  bytes(replies: ReplyEncoder): OutBuffer;
}

/** What a subscriber needs of its client connection (Conn gives it). */
export interface SubscriberClient {
  readonly id: number;
  /** The connection's RESP protocol now (HELLO chooses it). */
  readonly resp: ReplyEncoder;
  /** Sends a message already in the connection's protocol, between replies (PushChannel). */
  pushEncoded(buf: Uint8Array, start: number, end: number): void;
  /** Bytes owed to the client: unsent on its socket, held behind owed replies, messages not yet written. */
  readonly owed: number;
  /** Closes the client for its output: it reached its class's limit. */
  closeForOutput(what: string): void;
}

/**
 * One client's subscriptions: channels, patterns and shard channels (the sets made at its first
 * subscription, none for a client that never subscribes), the counts Redis's replies carry, and
 * the delivery of each message to it, checked against the pubsub class's output limits
 * (client-output-buffer-limit pubsub): a subscriber that does not read is closed, never waited
 * for, so no publisher is ever slowed by one and the server's memory stays bounded.
 */
export class Subscriber {
  channels: Set<string> | null = null;
  patterns: Set<string> | null = null;
  shardChannels: Set<string> | null = null;
  /** Messages delivered to it. */
  delivered = 0;
  /** Every subscription (channels, patterns, shard channels), kept by the hub: a RESP2 connection with any is in subscribed mode (read per command). */
  active = 0;
  private readonly limit: OutputLimit;
  private closed = false;

  constructor(
    readonly client: SubscriberClient,
    limits: OutputLimits,
  ) {
    this.limit = new OutputLimit(limits);
  }

  /** Channels and patterns: the count SUBSCRIBE's, PSUBSCRIBE's and their UNSUBSCRIBEs' replies carry. */
  get count(): number {
    return (this.channels?.size ?? 0) + (this.patterns?.size ?? 0);
  }

  /** Shard channels: the count SSUBSCRIBE's and SUNSUBSCRIBE's replies carry. */
  get shardCount(): number {
    return this.shardChannels?.size ?? 0;
  }

  /** Sends `message` to the client, or closes it past the pubsub class's limits. */
  deliver(message: EncodedMessage): void {
    if (this.closed) return;
    const client = this.client;
    const out = message.bytes(client.resp);
    client.pushEncoded(out.buf, 0, out.length);
    this.delivered++;
    this.checkOutput();
  }

  /** Closes the client when what it owes is past the pubsub class's limits (after a message, or a write). */
  checkOutput(): void {
    if (this.closed || this.active === 0 || !this.limit.exceeded(this.client.owed)) return;
    this.closed = true;
    this.client.closeForOutput('pubsub');
  }
}
