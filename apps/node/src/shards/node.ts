import { copyArgs, FrameEncoder, FrameKind, repliesFor, ReplyKind, ReplyMode, RequestReader, type Args, type Items, type ReplyEncoder } from '@kv/wire';
import type { EvictionPolicy } from '@kv/lru';
import { BY_OPCODE, type CommandSpec } from '../commands/table';
import type { ReplySink } from '../reply';
import { answerTo, ShardSet } from './shards';

/**
 * The replies to a peer's request frame, in order. A request of mode FORM gets (kind, payload);
 * one of mode TEXT or RESP gets its reply encoded here in that client protocol (ENCODED), so the
 * asking worker moves the bytes to its client without decoding or encoding them again.
 */
export class FrameReplies implements ReplySink {
  readonly encoder = new FrameEncoder(FrameKind.REPLY);
  /** The client protocol of the command being answered, or null for FORM. */
  private replies: ReplyEncoder | null = null;

  /** The reply mode of the next reply (the request's). */
  set mode(mode: ReplyMode) {
    this.replies = mode === ReplyMode.FORM ? null : repliesFor(mode === ReplyMode.RESP);
  }

  get mode(): ReplyMode {
    return this.replies === null ? ReplyMode.FORM : this.replies.resp ? ReplyMode.RESP : ReplyMode.TEXT;
  }

  ok(): void {
    if (this.replies === null) return this.encoder.reply(ReplyKind.OK);
    const at = this.encoder.beginEncoded();
    this.replies.ok(this.encoder.out);
    this.encoder.endEncoded(at);
  }
  status(text: string): void {
    this.kinded(ReplyKind.STATUS, text);
  }
  nil(): void {
    if (this.replies === null) return this.encoder.reply(ReplyKind.NIL);
    const at = this.encoder.beginEncoded();
    this.replies.nil(this.encoder.out);
    this.encoder.endEncoded(at);
  }
  bulk(value: string): void {
    if (this.replies === null) return this.encoder.replyLatin1(ReplyKind.BULK, value);
    const at = this.encoder.beginEncoded();
    this.replies.bulk(this.encoder.out, value);
    this.encoder.endEncoded(at);
  }
  integer(n: number | bigint): void {
    if (this.replies === null) return this.encoder.replyLatin1(ReplyKind.INTEGER, String(n));
    const at = this.encoder.beginEncoded();
    this.replies.integer(this.encoder.out, n);
    this.encoder.endEncoded(at);
  }
  error(message: string): void {
    this.kinded(ReplyKind.ERROR, message);
  }
  array(items: Items): void {
    if (this.replies === null) return this.encoder.replyArray(items);
    const at = this.encoder.beginEncoded();
    this.replies.array(this.encoder.out, items);
    this.encoder.endEncoded(at);
  }
  cursor(cursor: string, items: Items): void {
    if (this.replies === null) return this.encoder.replyCursor(cursor, items);
    const at = this.encoder.beginEncoded();
    this.replies.cursor(this.encoder.out, cursor, items);
    this.encoder.endEncoded(at);
  }

  private kinded(kind: ReplyKind, payload: string): void {
    if (this.replies === null) {
      if (payload.length === 0) this.encoder.reply(kind);
      else this.encoder.replyLatin1(kind, payload);
      return;
    }
    const at = this.encoder.beginEncoded();
    this.replies.kind(this.encoder.out, kind, payload);
    this.encoder.endEncoded(at);
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
      const mode = reader.mode;
      replies.mode = mode;
      if (spec === undefined) replies.error('ERR unknown command');
      else if (spec.control) spec.workerHandler!(shards, reader.args, replies);
      else if (shards.busy) {
        const args = copyArgs(reader.args);
        const answer = answerTo(replies);
        shards.defer(
          () => {
            replies.mode = mode;
            this.runOne(spec, args, replies, source);
          },
          (err) => {
            replies.mode = mode;
            answer(err);
          },
        );
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
