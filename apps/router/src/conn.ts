import type * as net from 'node:net';
import { OutBuffer, ReplyKind, shardOf, TEXT_ERROR, TEXT_NOTFOUND, TEXT_OK, TextOp, type Args, type TextSink, TextParser } from '@kv/wire';
import { COMMANDS, ownerOf, type ReplySink } from '@kv/node';
import { Slot, type SlotOwner } from './peers';
import type { Router } from './router';

const GET = COMMANDS.find((c) => c.name === 'GET')!;
const SET = COMMANDS.find((c) => c.name === 'SET')!;
const NEWLINE = 0x0a;
/** Stop reading a client whose unsent replies pass this; resume on drain. */
const OUTPUT_HIGH_WATER = 1024 * 1024;

/**
 * One client connection: parses what it sends, runs commands of this worker's shards at once,
 * forwards the rest, and writes replies in request order.
 *
 * While no forwarded reply is owed, replies are encoded straight into the router's shared output
 * buffer and written once per read. While one is owed, later replies wait in `held`, and each
 * owed reply is a Slot marking its place there; when slots resolve, everything now in order is
 * written in one go.
 */
export class Conn implements TextSink, ReplySink, SlotOwner {
  private readonly parser = new TextParser();
  private held: OutBuffer | null = null;
  private slots: Slot[] = [];
  private slotHead = 0;
  dirty = false;
  closed = false;
  private paused = false;

  constructor(
    readonly socket: net.Socket,
    private readonly router: Router,
  ) {}

  /** True while some forwarded reply is owed. */
  get waiting(): boolean {
    return this.slotHead < this.slots.length;
  }

  onData(chunk: Buffer): void {
    this.parser.feed(chunk, this);
    const out = this.router.out;
    if (out.length > 0) this.write(out.take());
  }

  textCommand(op: TextOp, args: Args): void {
    const router = this.router;
    router.commands++;
    if (op === TextOp.STATS) {
      this.target().latin1(router.statsText());
      return;
    }
    const spec = op === TextOp.GET ? GET : SET;
    const shard = shardOf(args.buf, args.starts[0], args.ends[0]);
    const owner = ownerOf(shard, router.workers);
    if (owner === router.self) {
      router.local++;
      router.node.shards.executeOn(shard, spec, args, this);
      return;
    }
    if (!router.peers.isUp(owner)) {
      this.target().all(TEXT_ERROR);
      return;
    }
    const held = this.held ?? (this.held = new OutBuffer(1024));
    if (!this.waiting) {
      // Replies of this read so far wait with the rest, so the whole read is answered in one write.
      const out = router.out;
      held.bytes(out.buf, 0, out.length);
      out.clear();
    }
    const slot = new Slot(this);
    slot.pos = held.length;
    this.slots.push(slot);
    router.peers.forward(owner, spec.opcode, args, 0, slot);
  }

  textError(): void {
    this.router.commands++;
    this.target().all(TEXT_ERROR);
  }

  ok(): void {
    this.target().all(TEXT_OK);
  }
  nil(): void {
    this.target().all(TEXT_NOTFOUND);
  }
  bulk(value: string): void {
    const out = this.target();
    out.latin1(value);
    out.u8(NEWLINE);
  }
  integer(n: number): void {
    this.target().latin1(`${n}\n`);
  }
  error(_message: string): void {
    this.target().all(TEXT_ERROR);
  }

  /** Writes every reply now in order: resolved slots in sequence, with the held bytes between. */
  flushResolved(): void {
    const held = this.held!;
    const out = this.router.out;
    const slots = this.slots;
    let from = 0;
    while (this.slotHead < slots.length && slots[this.slotHead].done) {
      const slot = slots[this.slotHead++];
      out.bytes(held.buf, from, slot.pos);
      encodeTextReply(out, slot);
      from = slot.pos;
    }
    if (this.slotHead === slots.length) {
      out.bytes(held.buf, from, held.length);
      held.clear();
      slots.length = 0;
      this.slotHead = 0;
    } else {
      const stop = slots[this.slotHead].pos;
      out.bytes(held.buf, from, stop);
      held.consume(stop);
      for (let i = this.slotHead; i < slots.length; i++) slots[i].pos -= stop;
      if (this.slotHead > 1024) {
        this.slots = slots.slice(this.slotHead);
        this.slotHead = 0;
      }
    }
    if (out.length > 0) this.write(out.take());
    if (!this.waiting) this.router.settled(this);
  }

  /** Stops reading; replies already owed still go out. */
  stopReading(): void {
    this.socket.pause();
    this.paused = true;
  }

  private target(): OutBuffer {
    return this.slotHead < this.slots.length ? this.held! : this.router.out;
  }

  private write(bytes: Buffer): void {
    if (this.closed) return;
    this.socket.write(bytes);
    if (this.socket.writableLength > OUTPUT_HIGH_WATER && !this.paused) {
      this.socket.pause();
      this.paused = true;
      this.socket.once('drain', () => {
        if (this.router.draining) return;
        this.paused = false;
        this.socket.resume();
      });
    }
  }
}

function encodeTextReply(out: OutBuffer, slot: Slot): void {
  switch (slot.kind) {
    case ReplyKind.OK:
      out.all(TEXT_OK);
      return;
    case ReplyKind.NIL:
      out.all(TEXT_NOTFOUND);
      return;
    case ReplyKind.BULK:
    case ReplyKind.INTEGER:
      out.latin1(slot.payload);
      out.u8(NEWLINE);
      return;
    default:
      out.all(TEXT_ERROR);
  }
}
