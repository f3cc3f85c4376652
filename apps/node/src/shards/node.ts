import { Args, copyArgs, FrameEncoder, FrameKind, repliesForMode, ReplyKind, ReplyMode, RequestReader, type Items, type OutBuffer, type ReplyEncoder } from '@kv/wire';
import type { EvictionPolicy } from '@kv/lru';
import { BY_OPCODE, type CommandSpec } from '../commands/table';
import type { ReplySink } from '../reply';
import { answerTo, ShardSet } from './shards';

/**
 * The replies to a peer's request frame, in order. A request of mode FORM gets (kind, payload);
 * one of mode TEXT, RESP or RESP3 gets its reply encoded here in that client protocol (ENCODED),
 * so the asking worker moves the bytes to its client without decoding or encoding them again.
 */
export class FrameReplies implements ReplySink {
  readonly encoder = new FrameEncoder(FrameKind.REPLY);
  /** The client protocol of the command being answered, or null for FORM. */
  private replies: ReplyEncoder | null = null;

  /** The reply mode of the next reply (the request's). */
  set mode(mode: ReplyMode) {
    this.replies = repliesForMode(mode);
  }

  get mode(): ReplyMode {
    return this.replies === null ? ReplyMode.FORM : this.replies.mode;
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
  bulkBytes(buf: Uint8Array, start: number, end: number): void {
    if (this.replies === null) return this.encoder.replyBytes(ReplyKind.BULK, buf, start, end);
    const at = this.encoder.beginEncoded();
    this.replies.bulkBytes(this.encoder.out, buf, start, end);
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
  map(items: Items): void {
    if (this.replies === null) return this.encoder.replyMap(items);
    const at = this.encoder.beginEncoded();
    this.replies.map(this.encoder.out, items);
    this.encoder.endEncoded(at);
  }
  nullArray(): void {
    if (this.replies === null) return this.encoder.reply(ReplyKind.NULL_ARRAY);
    const at = this.encoder.beginEncoded();
    this.replies.nullArray(this.encoder.out);
    this.encoder.endEncoded(at);
  }

  cursor(cursor: string, items: Items): void {
    if (this.replies === null) return this.encoder.replyCursor(cursor, items);
    const at = this.encoder.beginEncoded();
    this.replies.cursor(this.encoder.out, cursor, items);
    this.encoder.endEncoded(at);
  }

  /** A reply encoded by `fill` in the request's client protocol (EXECHERE, EVALHERE); an error for FORM. */
  encoded(fill: (out: OutBuffer, replies: ReplyEncoder) => void): void {
    const replies = this.replies;
    if (replies === null) return this.error('ERR a whole transaction needs a client protocol');
    const at = this.encoder.beginEncoded();
    fill(this.encoder.out, replies);
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
  /** A TXRUN's inner command, as a view of its arguments. */
  private readonly heldArgs = new Args(8);

  constructor(owned: readonly number[], maxmemory: number, policy: EvictionPolicy = 'allkeys-lru') {
    this.shards = new ShardSet(owned, maxmemory, policy);
  }

  /** Bytes of the store's arena chunks (keys and string values, outside the V8 heap). */
  get arenaBytes(): number {
    return this.shards.memory.arena.size;
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
      else if (spec.bypass) this.runHeld(reader.args, replies, source);
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

  /**
   * TXRUN txid opcode argv...: a command of the MULTI/EXEC or script holding these shards, run
   * now, ahead of the work waiting behind its hold; refused when that transaction does not hold them.
   */
  private runHeld(args: Args, replies: FrameReplies, source: number): void {
    if (!this.shards.holds(args.latin1(1))) return replies.error('ERR the transaction no longer holds this worker');
    const inner = BY_OPCODE[Number(args.latin1(2))];
    if (inner === undefined || inner.control || inner.bypass || (inner.handler === undefined && inner.workerHandler === undefined)) {
      return replies.error('ERR unknown command');
    }
    const view = this.heldArgs;
    view.reset(args.buf);
    for (let i = 3; i < args.count; i++) view.push(args.starts[i], args.ends[i]);
    this.runOne(inner, view, replies, source);
  }

  private runOne(spec: CommandSpec, args: Args, replies: FrameReplies, source: number): void {
    const shards = this.shards;
    shards.source = source;
    if (spec.workerHandler !== undefined) shards.runWorkerCommand(spec, args, replies);
    else shards.execute(spec, args, replies);
    shards.source = -1;
  }
}
