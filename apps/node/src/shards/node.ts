import { Args, copyArgs, FrameEncoder, FrameKind, NO_REPLY, OutBuffer, repliesForMode, ReplyKind, ReplyMode, RequestReader, type Items, type ReplyEncoder } from '@kv/wire';
import type { EvictionPolicy } from '@kv/lru';
import { BY_OPCODE, type CommandSpec } from '../commands/table';
import type { ReplySink } from '../reply';
import type { ProcessStats } from '../commands/info';
import type { EncodedSink, ShardServices } from '../types';
import { ERR } from '../errors';
import { ShardSet } from './shards';
import { LateFrameReply } from './late-reply';

/**
 * The replies to a peer's request frame, each carrying its request's id. A request of mode FORM
 * gets (kind, payload); one of mode TEXT, RESP or RESP3 gets its reply encoded here in that
 * client protocol (ENCODED), so the asking worker moves the bytes to its client without decoding
 * or encoding them again.
 *
 * Exactly one reply per request, enforced here: begin(id) opens a request, its first reply
 * closes it, and a reply while none is open (a second one, or one after end()) is dropped and
 * reported, never sent: the asking worker would take it for another request's. end() answers a
 * request its handler left unanswered with an error.
 */
export class FrameReplies implements ReplySink, EncodedSink {
  readonly encoder = new FrameEncoder(FrameKind.REPLY);
  /** The client protocol of the request being answered, or null for FORM. */
  private replies: ReplyEncoder | null = null;
  /** The id of the request being answered; NO_REPLY once it has its reply (or before begin). */
  private id = NO_REPLY;
  /** Where an ENCODED reply is built before it goes into the frame whole. */
  private readonly scratch = new OutBuffer(1024);
  /** Replies dropped because no request was open for them (each one reported to onFault). */
  dropped = 0;
  /** Told of a reply dropped and of a request its handler left unanswered (bugs): the worker logs them. */
  onFault: (message: string, fields: Record<string, unknown>) => void = () => {};

  /** Request `id` is answered next, in `mode`. */
  begin(id: number, mode: ReplyMode): void {
    this.id = id;
    this.replies = repliesForMode(mode);
  }

  /**
   * The open request will be answered later (a blocked command): closed here without a reply,
   * and a sink that answers it, by its id, whenever it is told (once).
   */
  later(): ReplySink {
    const id = this.id;
    const mode = this.mode;
    this.id = NO_REPLY;
    return new LateFrameReply(this, id, mode);
  }

  /** The request's handler is done: one left without a reply gets an error; the sink is closed. */
  end(): void {
    if (this.id === NO_REPLY) return;
    this.onFault('a command gave no reply', { id: this.id });
    this.error(ERR.noReply);
  }

  /** The open request's state, to reopen it after answering another inside it (see restore). */
  get state(): number {
    return this.id * 4 + this.mode;
  }

  restore(state: number): void {
    this.begin(Math.floor(state / 4), (state % 4) as ReplyMode);
  }

  /** The reply mode of the request being answered. */
  get mode(): ReplyMode {
    return this.replies === null ? ReplyMode.FORM : this.replies.mode;
  }

  /** The id the reply being made answers, closing it; NO_REPLY (reported) when none is open. */
  private claim(what: string): number {
    const id = this.id;
    if (id === NO_REPLY) {
      this.dropped++;
      this.onFault('a reply to no open request was dropped', { reply: what });
      return NO_REPLY;
    }
    this.id = NO_REPLY;
    return id;
  }

  ok(): void {
    const id = this.claim('ok');
    if (id === NO_REPLY) return;
    if (this.replies === null) return this.encoder.reply(id, ReplyKind.OK);
    const at = this.encoder.beginEncoded(id);
    this.replies.ok(this.encoder.out);
    this.encoder.endEncoded(at);
  }
  status(text: string): void {
    this.kinded(ReplyKind.STATUS, text);
  }
  nil(): void {
    const id = this.claim('nil');
    if (id === NO_REPLY) return;
    if (this.replies === null) return this.encoder.reply(id, ReplyKind.NIL);
    const at = this.encoder.beginEncoded(id);
    this.replies.nil(this.encoder.out);
    this.encoder.endEncoded(at);
  }
  bulk(value: string): void {
    const id = this.claim('bulk');
    if (id === NO_REPLY) return;
    if (this.replies === null) return this.encoder.replyLatin1(id, ReplyKind.BULK, value);
    const at = this.encoder.beginEncoded(id);
    this.replies.bulk(this.encoder.out, value);
    this.encoder.endEncoded(at);
  }
  bulkBytes(buf: Uint8Array, start: number, end: number): void {
    const id = this.claim('bulk');
    if (id === NO_REPLY) return;
    if (this.replies === null) return this.encoder.replyBytes(id, ReplyKind.BULK, buf, start, end);
    const at = this.encoder.beginEncoded(id);
    this.replies.bulkBytes(this.encoder.out, buf, start, end);
    this.encoder.endEncoded(at);
  }
  integer(n: number | bigint): void {
    const id = this.claim('integer');
    if (id === NO_REPLY) return;
    if (this.replies === null) return this.encoder.replyLatin1(id, ReplyKind.INTEGER, String(n));
    const at = this.encoder.beginEncoded(id);
    this.replies.integer(this.encoder.out, n);
    this.encoder.endEncoded(at);
  }
  error(message: string): void {
    this.kinded(ReplyKind.ERROR, message);
  }
  array(items: Items): void {
    const id = this.claim('array');
    if (id === NO_REPLY) return;
    if (this.replies === null) return this.encoder.replyArray(id, items);
    const at = this.encoder.beginEncoded(id);
    this.replies.array(this.encoder.out, items);
    this.encoder.endEncoded(at);
  }
  map(items: Items): void {
    const id = this.claim('map');
    if (id === NO_REPLY) return;
    if (this.replies === null) return this.encoder.replyMap(id, items);
    const at = this.encoder.beginEncoded(id);
    this.replies.map(this.encoder.out, items);
    this.encoder.endEncoded(at);
  }
  nullArray(): void {
    const id = this.claim('nullArray');
    if (id === NO_REPLY) return;
    if (this.replies === null) return this.encoder.reply(id, ReplyKind.NULL_ARRAY);
    const at = this.encoder.beginEncoded(id);
    this.replies.nullArray(this.encoder.out);
    this.encoder.endEncoded(at);
  }

  cursor(cursor: string, items: Items): void {
    const id = this.claim('cursor');
    if (id === NO_REPLY) return;
    if (this.replies === null) return this.encoder.replyCursor(id, cursor, items);
    const at = this.encoder.beginEncoded(id);
    this.replies.cursor(this.encoder.out, cursor, items);
    this.encoder.endEncoded(at);
  }

  tree(buf: Buffer, start: number, end: number): void {
    const id = this.claim('tree');
    if (id === NO_REPLY) return;
    if (this.replies === null) return this.encoder.replyBytes(id, ReplyKind.TREE, buf, start, end);
    const at = this.encoder.beginEncoded(id);
    this.replies.tree(this.encoder.out, buf, start, end);
    this.encoder.endEncoded(at);
  }

  /**
   * A reply encoded by `fill` in the request's client protocol (EXECHERE, EVALHERE); an error for
   * FORM. Built aside and added whole, so a reply made while `fill` runs cannot land inside it.
   */
  encoded(fill: (out: OutBuffer, replies: ReplyEncoder) => void): void {
    const replies = this.replies;
    if (replies === null) return this.error(ERR.wholeNeedsProtocol);
    const id = this.claim('encoded');
    if (id === NO_REPLY) return;
    const scratch = this.scratch;
    scratch.clear();
    fill(scratch, replies);
    const at = this.encoder.beginEncoded(id);
    this.encoder.out.bytes(scratch.buf, 0, scratch.length);
    this.encoder.endEncoded(at);
    scratch.clear();
  }

  private kinded(kind: ReplyKind, payload: string): void {
    const id = this.claim(kind === ReplyKind.ERROR ? `error ${payload.slice(0, 64)}` : 'status');
    if (id === NO_REPLY) return;
    if (this.replies === null) {
      if (payload.length === 0) this.encoder.reply(id, kind);
      else this.encoder.replyLatin1(id, kind, payload);
      return;
    }
    const at = this.encoder.beginEncoded(id);
    this.replies.kind(this.encoder.out, kind, payload);
    this.encoder.endEncoded(at);
  }
}

/**
 * The data side of a worker process: the shards it owns, and the batches of commands that other
 * workers' routers forward for those shards. Each batch runs in order, each command answered
 * once with its request's id (one that waits behind a hold is answered when it runs).
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

  constructor(owned: readonly number[], maxmemory: number, policy: EvictionPolicy = 'allkeys-lru', services: ShardServices<ProcessStats> = {}) {
    this.shards = new ShardSet(owned, maxmemory, policy, services);
  }

  /** Bytes of the store's arena chunks (keys and string values, outside the V8 heap). */
  get arenaBytes(): number {
    return this.shards.memory.arena.size;
  }

  /**
   * Runs the `count` commands of a request frame body buf[start, end), each answered once, by its
   * id (a transaction's commit or abort gets no reply). While a transaction holds these shards,
   * the rest waits its turn with a copy of its arguments. Throws FrameError if the frame is corrupt.
   */
  serveBatch(count: number, buf: Buffer, start: number, end: number, replies: FrameReplies, source: number): void {
    const reader = this.reader;
    const shards = this.shards;
    reader.reset(buf, start, end);
    for (let i = 0; i < count; i++) {
      const spec = BY_OPCODE[reader.next()];
      // A control step is answered by nobody: any reply it made would find no request open.
      if (spec !== undefined && spec.control) {
        spec.workerHandler!(shards, reader.args, replies, source);
        continue;
      }
      const { id, mode, client } = reader;
      if (spec !== undefined && !spec.bypass && !spec.holdFree && shards.busy) {
        this.defer(spec, copyArgs(reader.args), id, mode, replies, source, client);
        continue;
      }
      replies.begin(id, mode);
      if (client !== 0) shards.client = client; // client-side caching: its reads tracked, its writes named (frame.ts)
      if (spec === undefined) replies.error(ERR.unknownInternal);
      else if (spec.bypass) this.runHeld(reader.args, replies, source);
      else if (spec.blocking !== undefined) this.block(spec, reader.args, replies, source, id);
      else this.runOne(spec, reader.args, replies, source);
      if (client !== 0) shards.client = 0;
      replies.end();
    }
    this.peerFrames++;
    this.servedForPeers += count;
  }

  /**
   * A request that waits behind a hold: answered, by its id, when it runs (even if that is inside
   * another's turn), or at once with LINE_FULL when the line is at its bound.
   */
  private defer(spec: CommandSpec, args: Args, id: number, mode: ReplyMode, replies: FrameReplies, source: number, client: number): void {
    const queued = this.shards.offer(() => {
      const outer = replies.state;
      replies.begin(id, mode);
      this.shards.client = client;
      try {
        if (spec.blocking !== undefined) this.block(spec, args, replies, source, id);
        else this.runOne(spec, args, replies, source);
      } catch (err) {
        replies.error(ERR.threw((err as Error).message));
      }
      this.shards.client = 0;
      replies.end();
      replies.restore(outer);
    }, args.buf.length);
    if (queued) return;
    replies.begin(id, mode);
    replies.error(ERR.lineFull);
    replies.end();
  }

  /**
   * TXRUN txid opcode argv...: a command of the MULTI/EXEC or script holding these shards, run
   * now, ahead of the work waiting behind its hold; refused when that transaction does not hold them.
   */
  private runHeld(args: Args, replies: FrameReplies, source: number): void {
    if (!this.shards.holds(args.latin1(1))) return replies.error(ERR.notHeld);
    const inner = BY_OPCODE[Number(args.latin1(2))];
    if (inner === undefined || inner.control || inner.bypass || (inner.handler === undefined && inner.workerHandler === undefined)) {
      return replies.error(ERR.unknownInternal);
    }
    const view = this.heldArgs;
    view.reset(args.buf);
    for (let i = 3; i < args.count; i++) view.push(args.starts[i], args.ends[i]);
    this.runOne(inner, view, replies, source);
  }

  /** A peer's client's blocking command (not a transaction's: those come as TXRUN): answered now, or kept with its reply owed. */
  private block(spec: CommandSpec, args: Args, replies: FrameReplies, source: number, id: number): void {
    this.shards.block(spec, args, replies, () => replies.later(), source, id);
  }

  private runOne(spec: CommandSpec, args: Args, replies: FrameReplies, source: number): void {
    // A peer's client's one-key command is timed here, where it runs, for SLOWLOG and LATENCY (two clock reads; plans are timed by their client's worker).
    const slowlog = this.shards.slowlog;
    const timed = slowlog !== null && slowlog.timing && spec.plan === 'one-key';
    const started = timed ? performance.now() : 0;
    if (spec.workerHandler !== undefined) this.shards.runWorkerCommand(spec, args, replies, source);
    else this.shards.execute(spec, args, replies);
    if (!timed) return;
    slowlog.ranForPeer(spec, args, (performance.now() - started) * 1000, source);
  }
}
