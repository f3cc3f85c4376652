import type { Args } from '@kv/wire';
import { ERR, type ReplySink } from '../reply';
import type { WorkerShards } from '../types';
import { upperArg } from './args';

/**
 * PUBLISH, SPUBLISH and PUBSUB's steps, run on every worker (plan `each-worker`): each delivers to,
 * or counts, the subscribers of its own clients (the router's pubsub/hub.ts, `shards.pubsub`), and
 * the asking router combines the workers' answers (a sum of receivers; lists made one).
 */

/** PUBLISH channel message: this worker's receivers. */
export function publish(shards: WorkerShards, args: Args, reply: ReplySink): void {
  reply.integer(shards.pubsub?.publish(args, 1, 2, false) ?? 0);
}

/** SPUBLISH shardchannel message: this worker's receivers of the shard channel. */
export function spublish(shards: WorkerShards, args: Args, reply: ReplySink): void {
  reply.integer(shards.pubsub?.publish(args, 1, 2, true) ?? 0);
}

/**
 * PUBSUBSTEP subcommand [args] (internal): this worker's part of PUBSUB CHANNELS / SHARDCHANNELS
 * [pattern] (its channels), NUMSUB / SHARDNUMSUB [channel ...] (channel, count pairs) and NUMPAT
 * (its patterns, made one over the workers before they are counted).
 */
export function pubsubStep(shards: WorkerShards, args: Args, reply: ReplySink): void {
  const broker = shards.pubsub;
  const sub = upperArg(args, 1);
  switch (sub) {
    case 'CHANNELS':
    case 'SHARDCHANNELS':
      return reply.array(broker?.channels(sub === 'SHARDCHANNELS', args.count > 2 ? args.latin1(2) : undefined) ?? []);
    case 'NUMSUB':
    case 'SHARDNUMSUB': {
      const items: string[] = [];
      for (let i = 2; i < args.count; i++) {
        const channel = args.latin1(i);
        items.push(channel, String(broker?.subscribers(channel, sub === 'SHARDNUMSUB') ?? 0));
      }
      return reply.array(items);
    }
    case 'NUMPAT':
      return reply.array(broker?.patterns() ?? []);
    default:
      return reply.error(ERR.syntax);
  }
}
