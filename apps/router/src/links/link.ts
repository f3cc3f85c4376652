import type * as net from 'node:net';
import { checkTree, copyArgs, decodeItems, FrameDecoder, FrameEncoder, FrameError, FrameKind, helloVersion, NO_REPLY, PushEncoder, PushReader, ReplyKind, ReplyReader, type Args, type FrameSink, type Items, type OutBuffer } from '@kv/wire';
import { BY_OPCODE, commandNamed, COMMAND_TABLE_VERSION, FrameReplies } from '@kv/node';
import { PendingTable } from './pending';
import type { LinkHost, LinkLike, PeerEvents, Pending } from './types';
import { REPLY_ERRORS } from '../reply-errors';
import { EARLY_FLUSH_BYTES, EARLY_FLUSH_COMMANDS, LINK_HIGH_WATER, MAX_LINK_BYTES, MAX_LINK_OWED } from './bounds';
import { settleEncodedSafely, settleSafely } from './settle';

export { EARLY_FLUSH_COMMANDS, LINK_HIGH_WATER, MAX_LINK_BYTES, MAX_LINK_OWED };

export const LINK_DOWN = REPLY_ERRORS.linkDown;
const TXHOLD = commandNamed('TXHOLD').opcode;
const TXRUN = commandNamed('TXRUN').opcode;
const TXABORT = commandNamed('TXABORT').opcode;
/** What a command that would pass a link's bounds is answered, at once, instead of being sent. */
export const LINK_FULL = REPLY_ERRORS.linkFull;
/** A link accepted but not yet named by its peer's hello. */
export const NOT_LINKED = -1;
let nextLinkId = 0;

/**
 * One Unix-socket link between two workers, used both ways: this worker's requests to the peer
 * and its replies to the peer's requests travel together, one write per event-loop turn. Each
 * request carries an id and its reply names it (PendingTable), so a reply can only ever settle
 * its own request: one naming no request owed is reported and dropped.
 */
export class PeerLink implements FrameSink, LinkLike {
  readonly requests = new FrameEncoder(FrameKind.REQUEST);
  readonly replies = new FrameReplies();
  /** This turn's push messages for the peer (Pub/Sub, invalidations ...): no id, no reply. */
  readonly pushes = new PushEncoder();
  private readonly decoder = new FrameDecoder();
  private readonly pushReader = new PushReader();
  private readonly replyReader = new ReplyReader();
  private readonly pending = new PendingTable();
  up = false;
  /** Request frames sent. */
  frames = 0;
  /** Replies that named no request owed (dropped, each reported). */
  strayReplies = 0;
  /** Unique for the life of the process: transactions held for this link end with it. */
  readonly id = nextLinkId++;
  /**
   * The hold this worker asked of the peer for a MULTI/EXEC or a script (TXHOLD sent, its
   * TXABORT not yet), or ''. The peer runs that hold's TXRUNs at once, ahead of what waits behind
   * the hold, so meanwhile every other request (but a `holdFree` one) waits here (`parked`): replies still come
   * back in the order the requests went (ids would match them in any order; the order is kept).
   */
  private holdId = '';
  private parked: { opcode: number; args: Args; slot: Pending; reader: number }[] = [];
  /** Bytes of the arguments parked (copies). */
  private parkedBytes = 0;
  /** Its socket holds more than LINK_HIGH_WATER unsent: set after a write, cleared on 'drain'. */
  blocked = false;
  private readonly drained = () => this.unblock();

  constructor(
    public peer: number,
    readonly path: string,
    readonly socket: net.Socket,
    private readonly peers: LinkHost,
  ) {
    // A reply to a peer made twice, or to no request (bugs), is dropped there and logged.
    this.replies.onFault = (message, fields) => peers.node.shards.onFault(message, { peer: this.peer, ...fields });
  }

  /**
   * Null when a request may be sent now; else the error it is answered instead: past
   * MAX_LINK_OWED requests owed or MAX_LINK_BYTES unsent. (A transaction's TXRUN is never refused:
   * its EXEC's queue bounds it, and refusing it would fail a command after others of its EXEC ran.)
   */
  refusal(): string | null {
    if (this.pending.size + this.parked.length >= MAX_LINK_OWED) return LINK_FULL;
    const unsent = this.parkedBytes + this.requests.out.length + (this.blocked ? this.socket.writableLength : 0);
    return unsent > MAX_LINK_BYTES ? LINK_FULL : null;
  }

  /** Sends a request (this turn) or parks it behind a hold: its id, which a blocked command's cancel names (0: parked or refused). */
  // A client's (`bounded`) past the bounds is answered LINK_FULL at once; a worker's own (one per step of something bounded) is not refused.
  add(opcode: number, args: Args, slot: Pending, bounded = true, reader = 0): number {
    const refused = opcode === TXRUN || !bounded ? null : this.refusal();
    if (refused === null) return this.enqueue(opcode, args, slot, reader);
    settleSafely(slot, ReplyKind.ERROR, refused, this.peers.events, this.peer);
    return 0;
  }

  private enqueue(opcode: number, args: Args, slot: Pending, reader = 0): number {
    if (this.holdId !== '' && opcode !== TXRUN && BY_OPCODE[opcode]?.holdFree !== true) {
      const copy = copyArgs(args);
      this.parked.push({ opcode, args: copy, slot, reader });
      this.parkedBytes += copy.buf.length;
      return 0;
    }
    let owed = slot;
    if (opcode === TXHOLD) {
      const holdId = (this.holdId = args.latin1(1));
      // Refused: no hold to wait for.
      owed = {
        client: slot.client,
        mode: slot.mode,
        settle: (kind, payload, items) => {
          if (kind === ReplyKind.ERROR && this.holdId === holdId) this.unpark();
          slot.settle(kind, payload, items);
        },
      };
    }
    const id = this.pending.add(owed);
    this.requests.command(id, opcode, args, 0, slot.mode, reader);
    if (this.requests.count >= EARLY_FLUSH_COMMANDS || this.requests.out.length > EARLY_FLUSH_BYTES) this.flushRequests();
    return id;
  }

  /** A step that gets no reply (a transaction's commit or abort, a hold's release), sent at once. */
  addControl(opcode: number, args: Args): void {
    this.requests.command(NO_REPLY, opcode, args);
    this.flushRequests();
    if (opcode === TXABORT && this.holdId !== '' && args.latin1(1) === this.holdId) this.unpark();
  }

  /** The hold is over: what waited goes out, in order (up to another hold, if one waited). */
  private unpark(): void {
    this.holdId = '';
    const parked = this.parked;
    this.parked = [];
    this.parkedBytes = 0;
    // Taken already: not checked against the bounds again.
    for (const { opcode, args, slot, reader } of parked) this.enqueue(opcode, args, slot, reader);
    if (this.requests.count > 0) this.peers.scheduleFlush();
  }

  /** The replies answered so far, now: the peer's clients wait for them. */
  private flushReplies(): void {
    const frame = this.replies.encoder.finish();
    if (frame !== null) this.write(frame);
  }

  /** Big values: send what is batched now rather than grow one frame without bound. */
  private flushRequests(): void {
    const count = this.requests.count;
    const frame = this.requests.finish();
    if (frame === null) return;
    this.frames++;
    this.peers.frameCommands.observe(count);
    this.write(frame);
  }

  /**
   * Writes to the peer, noting backpressure: past LINK_HIGH_WATER unsent, `blocked` until the
   * socket drains (Peers counts blocked links; Flow stops reading clients with commands in
   * flight meanwhile). Reading from the peer never stops, so two workers writing to each other
   * cannot wait on each other.
   */
  private write(bytes: Buffer): void {
    this.socket.write(bytes);
    if (this.blocked || this.socket.writableLength <= LINK_HIGH_WATER) return;
    this.blocked = true;
    this.peers.linkBlocked(1);
    this.socket.once('drain', this.drained);
  }

  private unblock(): void {
    if (!this.blocked) return;
    this.blocked = false;
    this.socket.off('drain', this.drained);
    this.peers.linkBlocked(-1);
  }

  /** Writes this turn's replies, requests and push messages for the peer, in one write. */
  flush(scratch: OutBuffer): void {
    const replies = this.replies.encoder;
    const requests = this.requests;
    const pushes = this.pushes.frames;
    if (requests.count > 0) {
      this.frames++;
      this.peers.frameCommands.observe(requests.count);
    }
    // One kind is written as its own frame (one copy); several are copied into one write.
    const kinds = (replies.count > 0 ? 1 : 0) + (requests.count > 0 ? 1 : 0) + (pushes.count > 0 ? 1 : 0);
    if (kinds === 1) return this.write((replies.finish() ?? requests.finish() ?? pushes.finish())!);
    for (const frames of [replies, requests, pushes]) frames.finishInto(scratch);
    if (kinds > 1) this.write(scratch.take());
  }

  /**
   * Up and its socket not destroyed: a socket closed here (a corrupt frame, a replaced link) stays
   * `up` until its 'close' event, and what is written to it meanwhile is lost.
   */
  get usable(): boolean { return this.up && !this.socket.destroyed; }

  hasOutput(): boolean {
    return this.requests.count > 0 || this.replies.encoder.count > 0 || this.pushes.count > 0;
  }

  /** Requests queued or sent on this link and not yet answered. */
  owes(): boolean {
    return this.requests.count > 0 || this.pending.size > 0 || this.parked.length > 0;
  }

  onData(chunk: Buffer): void {
    try {
      this.decoder.feed(chunk, this);
    } catch (err) {
      // The decoder's and the protocol's errors (FrameError): a client's fault never gets here,
      // settleSafely contains it to that client.
      this.peers.events.onCorruptFrame(this.peer, err as Error);
      this.socket.destroy();
    }
    this.peers.flushDirty();
  }

  frame(kind: FrameKind, count: number, buf: Buffer, start: number, end: number): void {
    if (kind === FrameKind.REQUEST) {
      if (!this.up) throw new FrameError('request before hello');
      this.peers.node.serveBatch(count, buf, start, end, this.replies, this.id);
      if (this.replies.encoder.count >= EARLY_FLUSH_COMMANDS) this.flushReplies();
      this.peers.scheduleFlush();
      return;
    }
    if (kind === FrameKind.PUSH) {
      if (!this.up) throw new FrameError('push before hello');
      const reader = this.pushReader;
      reader.reset(buf, start, end);
      // A corrupt message throws FrameError (the link closes); a handler's fault is its own (Peers.pushed).
      for (let i = 0; i < count; i++) this.peers.pushed(reader.next(), reader.args, this.peer);
      return;
    }
    if (kind === FrameKind.HELLO) {
      if (this.peer !== NOT_LINKED) throw new FrameError('second hello on a link');
      // Opcodes are positions in the command table: a peer built from another table would run
      // the wrong commands. Refused (the link closes, logged as a corrupt frame with this reason).
      const version = helloVersion(buf, start, end);
      if (version !== COMMAND_TABLE_VERSION) {
        throw new FrameError(`hello from worker ${count} with command table version ${version}, this worker has ${COMMAND_TABLE_VERSION}`);
      }
      this.peers.adopt(this, count);
      return;
    }
    const reader = this.replyReader;
    reader.reset(buf, start, end);
    for (let i = 0; i < count; i++) {
      const kind = reader.next();
      const slot = this.pending.take(reader.id);
      if (slot === undefined) {
        // Answers nothing owed (a second reply, a bug): settling anything with it would hand it
        // to a request it does not answer. Nobody gets it; it is reported.
        this.strayReplies++;
        this.peers.events.onStrayReply?.(this.peer, reader.id, kind);
        continue;
      }
      try {
        this.settle(slot, kind, buf, reader.start, reader.stop);
      } catch (err) {
        // A corrupt reply (FrameError): it closes the link, and its request, no longer owed, fails now.
        settleSafely(slot, ReplyKind.ERROR, LINK_DOWN, this.peers.events, this.peer);
        throw err;
      }
    }
    // Encoded replies point into this frame's bytes: write them out before they are reused.
    this.peers.flushDirty();
  }

  /** Settles a request with its reply, buf[start, stop) of kind `kind`; throws FrameError for a corrupt one. */
  private settle(slot: Pending, kind: ReplyKind, buf: Buffer, start: number, stop: number): void {
    const events = this.peers.events;
    if (kind === ReplyKind.ENCODED) {
      if (slot.settleEncoded === undefined) throw new FrameError('an encoded reply to a request that asked for its form');
      return settleEncodedSafely(slot, buf, start, stop, events, this.peer);
    }
    if (kind === ReplyKind.ARRAY || kind === ReplyKind.MAP) return settleSafely(slot, kind, '', events, this.peer, decodeItems(buf, start, stop, kind));
    if (kind === ReplyKind.TREE) checkTree(buf, start, stop);
    if (kind === ReplyKind.CURSOR) {
      const items = decodeItems(buf, start, stop);
      if (items.length === 0 || items[0] === undefined) throw new FrameError('a cursor reply without its cursor');
      return settleSafely(slot, kind, items[0], events, this.peer, items.slice(1));
    }
    settleSafely(slot, kind, stop > start ? buf.latin1Slice(start, stop) : '', events, this.peer);
  }

  /** The link is gone: every command still owed gets an error, never a hang. */
  fail(): void {
    this.up = false;
    this.requests.discard();
    this.replies.encoder.discard();
    this.pushes.frames.discard();
    for (const slot of this.pending.drain()) settleSafely(slot, ReplyKind.ERROR, LINK_DOWN, this.peers.events, this.peer);
    for (const { slot } of this.parked) settleSafely(slot, ReplyKind.ERROR, LINK_DOWN, this.peers.events, this.peer);
    this.parked = [];
    this.parkedBytes = 0;
    this.holdId = '';
    this.unblock();
    this.peers.flushDirty();
  }

  close(): void {
    this.socket.destroy();
  }
}
