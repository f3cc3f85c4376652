import type { Args } from '@kv/wire';

/**
 * A worker's Pub/Sub subscribers as the shards see them (the router's pubsub/hub.ts): PUBLISH and
 * SPUBLISH run on every worker (plan `each-worker`), each delivering to its own subscribers.
 */
export interface PubSubBroker {
  /** Delivers args[message] on channel args[channel] (a shard channel when `shard`) to this worker's subscribers: how many got it. */
  publish(args: Args, channel: number, message: number, shard: boolean): number;
  /** Channels with a subscriber here (shard channels when `shard`), those matching `pattern` when given. */
  channels(shard: boolean, pattern: string | undefined): string[];
  /** Subscribers here of `channel` (a shard channel when `shard`). */
  subscribers(channel: string, shard: boolean): number;
  /** The patterns subscribed to here. */
  patterns(): string[];
}
