import * as net from 'node:net';
import { FrameDecoder, FrameEncoder, FrameKind, ReplyKind, ReplyReader, type Args, type FrameSink } from '@kv/wire';

/** A reply owed to a client for a command sent to another worker. */
export class Slot {
  /** Where the reply goes among the client's held bytes. */
  pos = 0;
  done = false;
  kind: ReplyKind = ReplyKind.NIL;
  /** BULK value, ERROR message or INTEGER digits, as latin1. */
  payload = '';
  constructor(readonly owner: SlotOwner) {}
}

/** The client connection a slot belongs to. */
export interface SlotOwner {
  /** True while queued in the dirty list (set and cleared by Peers). */
  dirty: boolean;
  /** Some of its slots were resolved: write out what is now in order. */
  flushResolved(): void;
}

export interface PeerEvents {
  onLinkDown(peer: number, reason: string): void;
  onCorruptFrame(peer: number, error: Error): void;
}

const LINK_DOWN = 'ERR the worker owning this key is down';

/**
 * The client side of one Unix-socket link to another worker. Commands forwarded during an
 * event-loop turn are encoded into one request frame; the peer answers each frame with one reply
 * frame in the same order, so a FIFO of slots is enough to match replies to commands.
 */
class PeerLink implements FrameSink {
  readonly encoder = new FrameEncoder(FrameKind.REQUEST);
  private readonly decoder = new FrameDecoder();
  private readonly replies = new ReplyReader();
  private pending: Slot[] = [];
  private head = 0;
  up = false;
  frames = 0;

  constructor(
    readonly index: number,
    readonly path: string,
    private readonly socket: net.Socket,
    private readonly peers: Peers,
  ) {}

  add(opcode: number, args: Args, first: number, slot: Slot): void {
    this.encoder.command(opcode, args, first);
    this.pending.push(slot);
  }

  flushBatch(): void {
    const frame = this.encoder.finish();
    if (frame === null) return;
    this.frames++;
    this.socket.write(frame);
  }

  onData(chunk: Buffer): void {
    try {
      this.decoder.feed(chunk, this);
    } catch (err) {
      this.peers.events.onCorruptFrame(this.index, err as Error);
      this.socket.destroy();
    }
    this.peers.flushDirty();
  }

  frame(kind: FrameKind, count: number, buf: Buffer, start: number, end: number): void {
    if (kind !== FrameKind.REPLY) throw new Error(`unexpected frame kind ${kind} on a request link`);
    if (count > this.pending.length - this.head) throw new Error('more replies than commands sent');
    const reader = this.replies;
    reader.reset(buf, start, end);
    for (let i = 0; i < count; i++) {
      const kind = reader.next();
      const slot = this.pending[this.head++];
      slot.kind = kind;
      if (reader.stop > reader.start) slot.payload = buf.latin1Slice(reader.start, reader.stop);
      this.peers.resolve(slot);
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
    this.encoder.discard();
    for (let i = this.head; i < this.pending.length; i++) {
      const slot = this.pending[i];
      slot.kind = ReplyKind.ERROR;
      slot.payload = LINK_DOWN;
      this.peers.resolve(slot);
    }
    this.pending = [];
    this.head = 0;
    this.peers.flushDirty();
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Links from this worker's router to every other worker, and the per-turn batching. */
export class Peers {
  private readonly links: (PeerLink | undefined)[] = [];
  private readonly dirty: SlotOwner[] = [];
  private flushScheduled = false;
  /** Commands sent to other workers. */
  forwarded = 0;
  private readonly flushBatches = () => {
    this.flushScheduled = false;
    for (const link of this.links) if (link !== undefined && link.up) link.flushBatch();
  };

  constructor(
    readonly self: number,
    readonly events: PeerEvents,
  ) {}

  isUp(peer: number): boolean {
    const link = this.links[peer];
    return link !== undefined && link.up;
  }

  /** Frames sent so far, over all links. */
  framesSent(): number {
    let n = 0;
    for (const link of this.links) if (link !== undefined) n += link.frames;
    return n;
  }

  /**
   * Queues a command for the worker that owns its key; it leaves in that peer's frame at the end
   * of this event-loop turn. The caller checks isUp first.
   */
  forward(peer: number, opcode: number, args: Args, first: number, slot: Slot): void {
    this.links[peer]!.add(opcode, args, first, slot);
    this.forwarded++;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushBatches);
    }
  }

  /** Connects to every peer whose path is new; resolves when all listed peers are linked. */
  async update(paths: (string | null)[]): Promise<void> {
    const connecting: Promise<void>[] = [];
    paths.forEach((path, peer) => {
      if (peer === this.self || path === null) return;
      const link = this.links[peer];
      if (link !== undefined && link.path === path && link.up) return;
      if (link !== undefined) link.close();
      connecting.push(this.connect(peer, path));
    });
    await Promise.all(connecting);
  }

  closeAll(): void {
    for (const link of this.links) link?.close();
  }

  resolve(slot: Slot): void {
    slot.done = true;
    const owner = slot.owner;
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

  private connect(peer: number, path: string): Promise<void> {
    return new Promise((resolve) => {
      const socket = net.createConnection(path);
      const link = new PeerLink(peer, path, socket, this);
      this.links[peer] = link;
      socket.setNoDelay(true);
      socket.on('connect', () => {
        link.up = true;
        resolve();
      });
      socket.on('data', (chunk: Buffer) => link.onData(chunk));
      socket.on('error', () => {
        // 'close' follows and does the work; a refused connect resolves so start-up is not stuck.
      });
      socket.on('close', () => {
        const wasUp = link.up;
        link.fail();
        if (wasUp) this.events.onLinkDown(peer, 'closed');
        resolve();
      });
    });
  }
}
