import * as fs from 'node:fs';
import * as net from 'node:net';
import { FrameDecoder, FrameEncoder, FrameError, FrameKind, helloFrame, helloVersion, OutBuffer, ReplyKind, ReplyReader, type Args, type FrameSink } from '@kv/wire';
import { COMMAND_TABLE_VERSION, FRAME_BUCKETS, FrameReplies, Histogram, NO_STAT, type ShardNode } from '@kv/node';
import { MAX_WORKERS } from '../primary/shard-map';
import { readInto } from '../client/read-buffer';

/** A reply owed to a client for a command sent to another worker. */
export class Slot {
  /** Where the reply goes among the client's held bytes. */
  pos = 0;
  done = false;
  kind: ReplyKind = ReplyKind.NIL;
  /** BULK value, ERROR message, STATUS text or INTEGER digits, as latin1. */
  payload = '';
  /** The command's place in CommandStats, and when it started (performance.now), to time its reply. */
  stat = NO_STAT;
  started = 0;
  constructor(
    readonly owner: SlotOwner,
    /** The command came in RESP (else the text protocol): the reply is encoded to match. */
    readonly resp: boolean,
  ) {}

  /** The reply arrived (or the link failed). */
  settle(kind: ReplyKind, payload: string, peers: Peers): void {
    this.kind = kind;
    this.payload = payload;
    this.done = true;
    peers.markDirty(this.owner);
  }
}

/** The client connection a slot belongs to. */
export interface SlotOwner {
  /** True while queued in the dirty list (set and cleared by Peers). */
  dirty: boolean;
  /** Some of its slots were resolved: write out what is now in order. */
  flushResolved(): void;
  /** Handling one of its replies threw (a bug): close this client, and only it. */
  failed(err: Error): void;
}

export interface PeerEvents {
  onLinkDown(peer: number, reason: string): void;
  onCorruptFrame(peer: number, error: Error): void;
  /** Settling one client's reply threw: that client was closed, the link goes on. */
  onSettleFault?(peer: number, error: Error): void;
}

/** Settles one slot; an error thrown by what it calls (a transaction's next step ...) fails that client only. */
function settleSafely(slot: Slot, kind: ReplyKind, payload: string, peers: Peers, peer: number): void {
  try {
    slot.settle(kind, payload, peers);
  } catch (err) {
    peers.events.onSettleFault?.(peer, err as Error);
    try {
      slot.owner.failed(err as Error);
    } catch {
      // Closing a client cannot be allowed to take the link down either.
    }
  }
}

const LINK_DOWN = 'ERR the worker owning this key is down';
/** A turn's request frame to one peer is sent early past this size. */
const EARLY_FLUSH_BYTES = 16 * 1024 * 1024;
/** Wait before reopening a link that closed while its peer may still be alive. */
const RELINK_DELAY_MS = 200;
const NOT_LINKED = -1;
/** A link's reads: a turn's frame for 50 clients at depth 16 is about 30 KB. */
const PEER_READ_BUFFER_BYTES = 256 * 1024;
let nextLinkId = 0;

/**
 * One Unix-socket link between two workers, used both ways: this worker's requests to the peer
 * and its replies to the peer's requests travel together, one write per event-loop turn. The peer
 * answers each request frame with one reply frame in the same order, so a FIFO of slots matches
 * replies to commands.
 */
class PeerLink implements FrameSink {
  readonly requests = new FrameEncoder(FrameKind.REQUEST);
  readonly replies = new FrameReplies();
  private readonly decoder = new FrameDecoder();
  private readonly replyReader = new ReplyReader();
  private pending: Slot[] = [];
  private head = 0;
  up = false;
  /** Request frames sent. */
  frames = 0;
  /** Unique for the life of the process: transactions held for this link end with it. */
  readonly id = nextLinkId++;

  constructor(
    public peer: number,
    readonly path: string,
    readonly socket: net.Socket,
    private readonly peers: Peers,
  ) {}

  add(opcode: number, args: Args, slot: Slot): void {
    this.requests.command(opcode, args);
    this.pending.push(slot);
    if (this.requests.out.length > EARLY_FLUSH_BYTES) this.flushRequests();
  }

  addWithKey(opcode: number, args: Args, key: number, slot: Slot): void {
    this.requests.commandWithKey(opcode, args, key);
    this.pending.push(slot);
    if (this.requests.out.length > EARLY_FLUSH_BYTES) this.flushRequests();
  }

  /** A step that gets no reply (a transaction's commit or abort), sent at once. */
  addControl(opcode: number, args: Args): void {
    this.requests.command(opcode, args);
    this.flushRequests();
  }

  /** Big values: send what is batched now rather than grow one frame without bound. */
  private flushRequests(): void {
    const count = this.requests.count;
    const frame = this.requests.finish();
    if (frame === null) return;
    this.frames++;
    this.peers.frameCommands.observe(count);
    this.socket.write(frame);
  }

  /** Writes this turn's replies and requests for the peer, in one write. */
  flush(scratch: OutBuffer): void {
    const replies = this.replies.encoder;
    const requests = this.requests;
    if (requests.count > 0) {
      this.frames++;
      this.peers.frameCommands.observe(requests.count);
    }
    if (replies.count > 0 && requests.count > 0) {
      replies.finishInto(scratch);
      requests.finishInto(scratch);
      this.socket.write(scratch.take());
      return;
    }
    const frame = replies.finish() ?? requests.finish();
    if (frame !== null) this.socket.write(frame);
  }

  /**
   * Up and its socket not destroyed: a socket closed here (a corrupt frame, a replaced link) stays
   * `up` until its 'close' event, and what is written to it meanwhile is lost.
   */
  get usable(): boolean {
    return this.up && !this.socket.destroyed;
  }

  hasOutput(): boolean {
    return this.requests.count > 0 || this.replies.encoder.count > 0;
  }

  /** Requests queued or sent on this link and not yet answered. */
  owes(): boolean {
    return this.requests.count > 0 || this.head < this.pending.length;
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
      this.peers.scheduleFlush();
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
    if (count > this.pending.length - this.head) throw new FrameError('more replies than commands sent');
    const reader = this.replyReader;
    reader.reset(buf, start, end);
    for (let i = 0; i < count; i++) {
      const kind = reader.next();
      const payload = reader.stop > reader.start ? buf.latin1Slice(reader.start, reader.stop) : '';
      settleSafely(this.pending[this.head++], kind, payload, this.peers, this.peer);
    }
    if (this.head === this.pending.length) {
      this.pending.length = 0;
      this.head = 0;
    } else if (this.head > 4096) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
  }

  /** The link is gone: every command still owed gets an error, never a hang. */
  fail(): void {
    this.up = false;
    this.requests.discard();
    this.replies.encoder.discard();
    for (let i = this.head; i < this.pending.length; i++) settleSafely(this.pending[i], ReplyKind.ERROR, LINK_DOWN, this.peers, this.peer);
    this.pending = [];
    this.head = 0;
    this.peers.flushDirty();
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * This worker's links to every other worker, and the per-turn batching. Worker i opens the links
 * to workers below i and accepts those from workers above, so each pair shares one socket.
 */
export class Peers {
  private readonly links: (PeerLink | undefined)[] = [];
  private readonly dirty: SlotOwner[] = [];
  private readonly scratch = new OutBuffer(64 * 1024);
  /** Where every link's reads land (see readInto): frames in it are used or copied within the read. */
  private readonly readBuffer = Buffer.allocUnsafe(PEER_READ_BUFFER_BYTES);
  private flushScheduled = false;
  private server: net.Server | null = null;
  private upWaiters: (() => void)[] = [];
  private closing = false;
  /** Commands sent to other workers. */
  forwarded = 0;
  /** Commands per request frame sent, over all links. */
  readonly frameCommands = new Histogram(FRAME_BUCKETS);
  private readonly flushAll = () => {
    this.flushScheduled = false;
    for (const link of this.links) if (link !== undefined && link.up && link.hasOutput()) link.flush(this.scratch);
  };

  constructor(
    readonly self: number,
    /** Workers in the shard map: this one links to all of them (a resize changes it). */
    public workers: number,
    readonly node: ShardNode,
    readonly events: PeerEvents,
  ) {}

  /** Accepts links from higher-numbered workers on a Unix socket path (replacing a stale file). */
  listen(path: string): Promise<void> {
    try {
      fs.unlinkSync(path);
    } catch {
      // No stale socket to remove.
    }
    const server = net.createServer((accepted) => {
      accepted.on('error', () => accepted.destroy());
      let link: PeerLink | null = null;
      // Frames are decoded straight from the link read buffer (see readInto), or from 'data' chunks.
      const socket = readInto(accepted, this.readBuffer, (bytes, buf) => link!.onData(buf.subarray(0, bytes))) ?? accepted;
      link = new PeerLink(NOT_LINKED, path, socket, this);
      this.attach(link, socket !== accepted);
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  /** The id of the live link to a peer, or -1: a transaction checks its link did not change under it. */
  linkIdOf(peer: number): number {
    const link = this.links[peer];
    return link !== undefined && link.usable ? link.id : -1;
  }

  isUp(peer: number): boolean {
    const link = this.links[peer];
    return link !== undefined && link.usable;
  }

  allUp(): boolean {
    for (let peer = 0; peer < this.workers; peer++) if (peer !== this.self && !this.isUp(peer)) return false;
    return true;
  }

  /** Resolves once a link to every other worker is up. */
  whenAllUp(): Promise<void> {
    if (this.allUp()) return Promise.resolve();
    return new Promise((resolve) => this.upWaiters.push(resolve));
  }

  /** Nothing this worker asked of a peer is unanswered (a client that left may still be owed a reply). */
  idle(): boolean {
    for (const link of this.links) if (link !== undefined && link.up && link.owes()) return false;
    return true;
  }

  /** Request frames sent so far, over all links. */
  framesSent(): number {
    let n = 0;
    for (const link of this.links) if (link !== undefined) n += link.frames;
    return n;
  }

  /**
   * Queues a command for the worker that owns its key; it leaves in that peer's frame at the end
   * of this event-loop turn. The caller checks isUp first.
   */
  forward(peer: number, opcode: number, args: Args, slot: Slot): void {
    this.links[peer]!.add(opcode, args, slot);
    this.forwarded++;
    this.scheduleFlush();
  }

  /** A worker's own request to a peer (a shard hand-over), not a client's: not counted as forwarded. */
  request(peer: number, opcode: number, args: Args, slot: Slot): void {
    this.links[peer]!.add(opcode, args, slot);
    this.scheduleFlush();
  }

  /**
   * Sends a step that gets no reply, at once (see PeerLink.addControl), on the link `linkId` only.
   * False, sending nothing, when that link is no longer the peer's usable link.
   */
  control(peer: number, opcode: number, args: Args, linkId: number): boolean {
    const link = this.links[peer];
    if (link === undefined || link.id !== linkId || !link.usable) return false;
    link.addControl(opcode, args);
    return true;
  }

  /** Forwards argv[0] with one key of a multi-key command. */
  forwardKey(peer: number, opcode: number, args: Args, key: number, slot: Slot): void {
    this.links[peer]!.addWithKey(opcode, args, key, slot);
    this.forwarded++;
    this.scheduleFlush();
  }

  scheduleFlush(): void {
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushAll);
    }
  }

  /** Opens links to the lower-numbered workers whose socket path is new or whose link is down. */
  update(paths: (string | null)[]): void {
    paths.forEach((path, peer) => {
      if (peer >= this.self || path === null) return;
      const link = this.links[peer];
      if (link !== undefined && link.path === path && (link.up || !link.socket.destroyed)) return;
      this.relink(peer, path);
    });
  }

  private relink(peer: number, path: string): void {
    this.links[peer]?.close();
    let fresh: PeerLink | null = null;
    const socket = net.createConnection({
      path,
      onread: { buffer: this.readBuffer, callback: (bytes: number, buf: Uint8Array) => {
        fresh!.onData((buf as Buffer).subarray(0, bytes));
        return true;
      } },
    });
    fresh = new PeerLink(peer, path, socket, this);
    const link = fresh;
    this.links[peer] = fresh;
    socket.on('connect', () => {
      socket.write(helloFrame(this.self, COMMAND_TABLE_VERSION));
      this.linked(link);
    });
    this.attach(link, true);
  }

  /** A link accepted from a higher-numbered worker named itself. */
  adopt(link: PeerLink, peer: number): void {
    // A worker a resize is adding may say hello before this one hears of the new map.
    if (peer <= this.self || peer >= MAX_WORKERS) throw new FrameError(`hello from unexpected worker ${peer}`);
    link.peer = peer;
    // A restarted peer replaces its predecessor's link, which fails whatever it still owed.
    const old = this.links[peer];
    this.links[peer] = link;
    old?.close();
    this.linked(link);
  }

  closeAll(): void {
    this.closing = true;
    this.server?.close();
    for (const link of this.links) link?.close();
  }

  markDirty(owner: SlotOwner): void {
    if (!owner.dirty) {
      owner.dirty = true;
      this.dirty.push(owner);
    }
  }

  /** Writes out, once per client, the replies that a reply frame put back in order. */
  flushDirty(): void {
    const dirty = this.dirty;
    for (let i = 0; i < dirty.length; i++) {
      dirty[i].dirty = false;
      dirty[i].flushResolved();
    }
    dirty.length = 0;
  }

  private linked(link: PeerLink): void {
    link.up = true;
    if (this.allUp()) {
      const waiters = this.upWaiters;
      this.upWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private attach(link: PeerLink, readsInto: boolean): void {
    const socket = link.socket;
    socket.on('error', () => {
      // 'close' follows and does the work.
    });
    socket.setNoDelay(true);
    if (!readsInto) socket.on('data', (chunk: Buffer) => link.onData(chunk));
    socket.on('close', () => {
      const wasUp = link.up;
      link.fail();
      // A transaction that came on this link will never be committed: release the shards it holds.
      this.node.shards.abortFrom(link.id);
      // A worker a resize retired is no longer in the map: its link closing is expected.
      if (wasUp && link.peer !== NOT_LINKED) this.events.onLinkDown(link.peer, link.peer >= this.workers ? 'retired' : 'closed');
      // The link may have closed with both workers alive (a corrupt frame): the worker that opened
      // it opens it again, until it is up or the primary names a new peer socket.
      const peer = link.peer;
      if (peer !== NOT_LINKED && peer < this.self && this.links[peer] === link) {
        setTimeout(() => {
          if (!this.closing && this.links[peer] === link) this.relink(peer, link.path);
        }, RELINK_DELAY_MS).unref();
      }
    });
  }
}
