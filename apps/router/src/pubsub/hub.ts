import { OutBuffer, ReplyMode, type Args, type ReplyEncoder } from '@kv/wire';
import { compileGlob, type Glob, type PubSubBroker } from '@kv/node';
import type { EncodedMessage, Subscriber } from './subscriber';

/** A pattern subscription: its compiled glob (KEYS's matcher) and who holds it. */
interface PatternEntry {
  readonly glob: Glob;
  readonly subscribers: Set<Subscriber>;
}

/**
 * A message's bytes, encoded at most once per protocol for all the subscribers that get it:
 * [kind, (pattern,) channel, message] as a RESP3 push or a RESP2 array. The channel and message
 * are ranges of a buffer valid for one delivery (a client's read, a link frame).
 */
class Message implements EncodedMessage {
  private readonly resp2 = new OutBuffer(256);
  private readonly resp3 = new OutBuffer(256);
  private has2 = false;
  private has3 = false;
  private kind = '';
  private pattern: string | null = null;
  private buf: Buffer = Buffer.alloc(0);
  private channel = 0;
  private channelEnd = 0;
  private message = 0;
  private messageEnd = 0;

  set(kind: string, pattern: string | null, buf: Buffer, channel: number, channelEnd: number, message: number, messageEnd: number): this {
    this.kind = kind;
    this.pattern = pattern;
    this.buf = buf;
    this.channel = channel;
    this.channelEnd = channelEnd;
    this.message = message;
    this.messageEnd = messageEnd;
    this.has2 = this.has3 = false;
    return this;
  }

  bytes(replies: ReplyEncoder): OutBuffer {
    const resp3 = replies.mode === ReplyMode.RESP3;
    const out = resp3 ? this.resp3 : this.resp2;
    if (resp3 ? this.has3 : this.has2) return out;
    out.clear();
    replies.pushHeader(out, this.pattern === null ? 3 : 4);
    replies.bulk(out, this.kind);
    if (this.pattern !== null) replies.bulk(out, this.pattern);
    replies.bulkBytes(out, this.buf, this.channel, this.channelEnd);
    replies.bulkBytes(out, this.buf, this.message, this.messageEnd);
    if (resp3) this.has3 = true;
    else this.has2 = true;
    return out;
  }
}

/**
 * A worker's Pub/Sub: which of its clients subscribe to what (channels, patterns, shard channels)
 * and the delivery of a message to them. PUBLISH runs on every worker (plan `each-worker`), so
 * each hub serves only its own clients: a message reaches every subscriber on every worker once,
 * and in the publisher's order, since its PUBLISHes reach each worker in the order sent (one link
 * each, run in order). PUBLISH's reply is the sum of the workers' counts (the plan gathers
 * them), so no worker keeps a copy of another's subscriptions.
 */
export class PubSubHub implements PubSubBroker {
  private readonly channelSubs = new Map<string, Set<Subscriber>>();
  private readonly shardSubs = new Map<string, Set<Subscriber>>();
  private readonly patternSubs = new Map<string, PatternEntry>();
  private readonly exact = new Message();
  private readonly matched = new Message();
  /** Messages published here (PUBLISH and SPUBLISH steps, keyspace events, redirected invalidations). */
  published = 0;

  /** Subscribes `sub` to a channel (a shard channel when `shard`): false when it already was. */
  subscribe(sub: Subscriber, channel: string, shard: boolean): boolean {
    const mine = shard ? (sub.shardChannels ??= new Set()) : (sub.channels ??= new Set());
    if (mine.has(channel)) return false;
    mine.add(channel);
    sub.active++;
    const all = shard ? this.shardSubs : this.channelSubs;
    let set = all.get(channel);
    if (set === undefined) all.set(channel, (set = new Set()));
    set.add(sub);
    return true;
  }

  /** Unsubscribes `sub` from a channel: false when it was not subscribed. */
  unsubscribe(sub: Subscriber, channel: string, shard: boolean): boolean {
    const mine = shard ? sub.shardChannels : sub.channels;
    if (mine === null || !mine.delete(channel)) return false;
    sub.active--;
    const all = shard ? this.shardSubs : this.channelSubs;
    const set = all.get(channel);
    if (set !== undefined && set.delete(sub) && set.size === 0) all.delete(channel);
    return true;
  }

  psubscribe(sub: Subscriber, pattern: string): boolean {
    const mine = (sub.patterns ??= new Set());
    if (mine.has(pattern)) return false;
    mine.add(pattern);
    sub.active++;
    let entry = this.patternSubs.get(pattern);
    if (entry === undefined) this.patternSubs.set(pattern, (entry = { glob: compileGlob(pattern), subscribers: new Set() }));
    entry.subscribers.add(sub);
    return true;
  }

  punsubscribe(sub: Subscriber, pattern: string): boolean {
    if (sub.patterns === null || !sub.patterns.delete(pattern)) return false;
    sub.active--;
    const entry = this.patternSubs.get(pattern);
    if (entry !== undefined && entry.subscribers.delete(sub) && entry.subscribers.size === 0) this.patternSubs.delete(pattern);
    return true;
  }

  /** A client that leaves: every subscription of its goes, with no message. */
  forget(sub: Subscriber): void {
    for (const channel of sub.channels ?? []) this.unsubscribe(sub, channel, false);
    for (const channel of sub.shardChannels ?? []) this.unsubscribe(sub, channel, true);
    for (const pattern of sub.patterns ?? []) this.punsubscribe(sub, pattern);
  }

  // PubSubBroker: PUBLISH's and PUBSUB's steps on this worker.

  publish(args: Args, channel: number, message: number, shard: boolean): number {
    return this.deliver(args.buf, args.starts[channel], args.ends[channel], args.starts[message], args.ends[message], shard);
  }

  /**
   * Delivers the message buf[message, messageEnd) on channel buf[channel, channelEnd) to this
   * worker's subscribers: those of the channel, then those of each pattern it matches (a shard
   * channel's only to its own). How many got it.
   */
  deliver(buf: Buffer, channel: number, channelEnd: number, message: number, messageEnd: number, shard: boolean): number {
    this.published++;
    const name = buf.latin1Slice(channel, channelEnd);
    let receivers = 0;
    const exact = (shard ? this.shardSubs : this.channelSubs).get(name);
    if (exact !== undefined) {
      const encoded = this.exact.set(shard ? 'smessage' : 'message', null, buf, channel, channelEnd, message, messageEnd);
      for (const sub of exact) sub.deliver(encoded);
      receivers += exact.size;
    }
    if (shard || this.patternSubs.size === 0) return receivers;
    for (const [pattern, entry] of this.patternSubs) {
      if (!entry.glob.matches(name)) continue;
      const encoded = this.matched.set('pmessage', pattern, buf, channel, channelEnd, message, messageEnd);
      for (const sub of entry.subscribers) sub.deliver(encoded);
      receivers += entry.subscribers.size;
    }
    return receivers;
  }

  channels(shard: boolean, pattern: string | undefined): string[] {
    const glob = pattern === undefined ? null : compileGlob(pattern);
    const out: string[] = [];
    for (const channel of (shard ? this.shardSubs : this.channelSubs).keys()) if (glob === null || glob.matches(channel)) out.push(channel);
    return out;
  }

  subscribers(channel: string, shard: boolean): number {
    return (shard ? this.shardSubs : this.channelSubs).get(channel)?.size ?? 0;
  }

  patterns(): string[] {
    return [...this.patternSubs.keys()];
  }

  /** Channels, shard channels and patterns subscribed to on this worker (INFO). */
  get counts(): { channels: number; shardChannels: number; patterns: number } {
    return { channels: this.channelSubs.size, shardChannels: this.shardSubs.size, patterns: this.patternSubs.size };
  }
}
