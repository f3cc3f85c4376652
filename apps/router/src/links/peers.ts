import * as fs from 'node:fs';
import * as net from 'node:net';
import { FrameError, helloFrame, OutBuffer, type Args, type PushEncoder } from '@kv/wire';
import { COMMAND_TABLE_VERSION, FRAME_BUCKETS, Histogram, type ShardNode } from '@kv/node';
import { LINK_DOWN, NOT_LINKED, PeerLink } from './link';
import type { Flushable, LinkHost, PeerEvents, Pending, PushHandler } from './types';
import { MAX_WORKERS } from '../primary/shard-map';
import { readInto } from '../client/read-buffer';

/** Wait before reopening a link that closed while its peer may still be alive. */
const RELINK_DELAY_MS = 200;
/** A link's reads: a turn's frame for 50 clients at depth 16 is about 30 KB. */
const PEER_READ_BUFFER_BYTES = 256 * 1024;

/**
 * This worker's links to every other worker, and the per-turn batching. Worker i opens the links
 * to workers below i and accepts those from workers above, so each pair shares one socket.
 */
export class Peers implements LinkHost {
  private readonly links: (PeerLink | undefined)[] = [];
  private readonly dirty: Flushable[] = [];
  private readonly scratch = new OutBuffer(64 * 1024);
  /** Where every link's reads land (see readInto): frames in it are used or copied within the read. */
  private readonly readBuffer = Buffer.allocUnsafe(PEER_READ_BUFFER_BYTES);
  private flushScheduled = false;
  /** Client reads being handled now (deferFlushes), and a flushDirty loop running. */
  private flushHeld = 0;
  private flushing = false;
  private server: net.Server | null = null;
  private upWaiters: (() => void)[] = [];
  private closing = false;
  /** Commands sent to other workers. */
  forwarded = 0;
  /** Links whose socket holds more than LINK_HIGH_WATER unsent (PeerLink.blocked). */
  blocked = 0;
  /** Commands per request frame sent, over all links. */
  readonly frameCommands = new Histogram(FRAME_BUCKETS);
  /** Push messages from peers, by kind (set by whoever sends that kind: pubsub/, tracking/ ...). */
  private readonly pushHandlers: (PushHandler | undefined)[] = [];
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
      // Its own socket, never the primary's: links must not wait behind anything the primary does.
      server.listen({ path, exclusive: true }, () => {
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

  /**
   * Null when a client's command may be sent to `peer` now; else the error it is answered at
   * once: its link is down, or (`bounded`: not a transaction's TXRUN) at its bounds.
   */
  refusal(peer: number, bounded: boolean): string | null {
    const link = this.links[peer];
    if (link === undefined || !link.usable) return LINK_DOWN;
    return bounded ? link.refusal() : null;
  }

  linkBlocked(change: 1 | -1): void {
    this.blocked += change;
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
    return this.allUp() ? Promise.resolve() : new Promise((resolve) => this.upWaiters.push(resolve));
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
   * of this event-loop turn. The caller checks isUp first. Its id on the link (0: refused or parked), for a cancel. `reader`: its tracking client (frame.ts).
   */
  forward(peer: number, opcode: number, args: Args, slot: Pending, reader = 0): number {
    this.forwarded++;
    this.scheduleFlush();
    return this.links[peer]!.add(opcode, args, slot, true, reader);
  }

  /** A worker's own request to a peer (a shard hand-over), not a client's: not counted as forwarded, nor refused at the link's bounds. */
  request(peer: number, opcode: number, args: Args, slot: Pending): void {
    this.links[peer]!.add(opcode, args, slot, false);
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

  /** Who handles push messages of `kind` from peers (one handler a kind). */
  onPush(kind: number, handler: PushHandler): void {
    if (this.pushHandlers[kind] !== undefined) throw new Error(`push kind ${kind} has a handler already`);
    this.pushHandlers[kind] = handler;
  }

  /**
   * Where to add a push message for `peer` (it leaves in that peer's frame at the end of this
   * turn), or null when its link is down: a push is never owed, so it is then dropped.
   */
  pushTo(peer: number): PushEncoder | null {
    const link = this.links[peer];
    if (link === undefined || !link.usable) return null;
    this.scheduleFlush();
    return link.pushes;
  }

  /** A push message from a peer: its kind's handler, whose fault (a bug) drops that message only. */
  pushed(kind: number, args: Args, peer: number): void {
    const handler = this.pushHandlers[kind];
    try {
      if (handler === undefined) throw new Error(`no handler for push kind ${kind}`);
      handler(args, peer);
    } catch (err) {
      this.events.onPushFault?.(peer, kind, err as Error);
    }
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

  markDirty(owner: Flushable): void {
    if (!owner.dirty) {
      owner.dirty = true;
      this.dirty.push(owner);
    }
  }

  /**
   * Writes out, once per client, the replies that a reply frame (or a hold's end) put back in
   * order. Each client writes through the worker's one shared output buffer, so this never runs
   * inside another client's read (see deferFlushes) nor inside itself: a nested call returns, and
   * the loop running picks up the clients marked meanwhile.
   */
  flushDirty(): void {
    if (this.flushHeld > 0 || this.flushing) return;
    this.flushing = true;
    const dirty = this.dirty;
    try {
      for (let i = 0; i < dirty.length; i++) {
        const client = dirty[i];
        client.dirty = false;
        try {
          client.flushResolved();
        } catch (err) {
          // A reply that cannot be written (a bug) fails its client only.
          this.events.onSettleFault?.(this.self, err as Error);
          client.failed(err as Error);
        }
      }
    } finally {
      dirty.length = 0;
      this.flushing = false;
    }
  }

  /**
   * A client's read is being handled (Router.receive): until endDeferFlushes, the shared output
   * buffer holds that client's replies, so replies settled meanwhile (work that waited for a hold
   * its commands ended) wait to be written until it is over. Written at once, they would take
   * its bytes with them to another client.
   */
  deferFlushes(): void {
    this.flushHeld++;
  }

  endDeferFlushes(): void {
    if (--this.flushHeld === 0 && this.dirty.length > 0) this.flushDirty();
  }

  private linked(link: PeerLink): void {
    link.up = true;
    this.events.onLinkUp?.(link.peer);
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
