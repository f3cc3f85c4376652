import { copyArgs, FrameEncoder, FrameKind, ReplyKind, RequestReader, type Args } from '@kv/wire';
import type { EvictionPolicy } from '@kv/lru';
import { BY_OPCODE, type CommandSpec } from './commands/table';
import { KindedReply } from './reply';
import { answerTo, ShardSet } from './shards';

/** Encodes replies into a reply frame for the peer that sent the batch. */
export class FrameReplies extends KindedReply {
  readonly encoder = new FrameEncoder(FrameKind.REPLY);
  protected reply(kind: ReplyKind, payload: string): void {
    if (payload.length === 0) this.encoder.reply(kind);
    else this.encoder.replyLatin1(kind, payload);
  }
}

/**
 * The data side of a worker process: the shards it owns, and the batches of commands that other
 * workers' routers forward for those shards. Each batch runs in order, each command appending
 * one reply, so the sender can match replies to commands by position.
 */
export class ShardNode {
  readonly shards: ShardSet;
  /** Commands run for other workers' clients. */
  servedForPeers = 0;
  /** Batches (frames) received from peers. */
  peerFrames = 0;
  private readonly reader = new RequestReader();

  constructor(owned: readonly number[], maxmemory: number, policy: EvictionPolicy = 'allkeys-lru') {
    this.shards = new ShardSet(owned, maxmemory, policy);
  }

  /**
   * Runs the `count` commands of a request frame body buf[start, end), each appending one reply
   * (a transaction's commit or abort appends none). While a transaction holds these shards, the
   * rest waits its turn with a copy of its arguments. Throws FrameError if the frame is corrupt.
   */
  serveBatch(count: number, buf: Buffer, start: number, end: number, replies: FrameReplies, source: number): void {
    const reader = this.reader;
    const shards = this.shards;
    reader.reset(buf, start, end);
    for (let i = 0; i < count; i++) {
      const spec = BY_OPCODE[reader.next()];
      if (spec === undefined) replies.error('ERR unknown command');
      else if (spec.control) spec.workerHandler!(shards, reader.args, replies);
      else if (shards.busy) {
        const args = copyArgs(reader.args);
        shards.defer(() => this.runOne(spec, args, replies, source), answerTo(replies));
      } else this.runOne(spec, reader.args, replies, source);
    }
    this.peerFrames++;
    this.servedForPeers += count;
  }

  private runOne(spec: CommandSpec, args: Args, replies: FrameReplies, source: number): void {
    const shards = this.shards;
    shards.source = source;
    if (spec.workerHandler !== undefined) shards.runWorkerCommand(spec, args, replies);
    else shards.execute(spec, args, replies);
    shards.source = -1;
  }
}
