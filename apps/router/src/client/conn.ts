import type * as net from 'node:net';
import {
  Args,
  InlineParser,
  OutBuffer,
  QUERY_BUFFER_LIMIT_ERROR,
  ReplyKind,
  RespParser,
  respArrayHeader,
  respBulkLatin1,
  respError,
  respInteger,
  respNull,
  respSimple,
  shardOf,
  TEXT_ERROR,
  TEXT_NOTFOUND,
  TEXT_OK,
  TextOp,
  TextParser,
  copyArgs,
  type RespSink,
  type TextSink,
} from '@kv/wire';
import { answerTo, arityOk, commandNamed, lookup, NO_STAT, statIndex, UNKNOWN_OPCODE, type CommandSpec, type ReplySink } from '@kv/node';
import { runConnectionCommand } from '../commands';
import { Gather, PartSlot, settleSink } from '../coord/gather';
import { log } from '../log';
import { Transaction } from '../coord/txn';
import { Slot, type SlotOwner } from '../links/peers';
import type { Router } from '../worker/router';
import { runScan } from '../coord/scan';

const GET = commandNamed('GET');
const PUT = commandNamed('PUT');
const NEWLINE = 0x0a;
const STAR = 0x2a;
/** Stop reading a client whose unsent replies pass this; resume on drain. */
const OUTPUT_HIGH_WATER = 1024 * 1024;
/**
 * Stop reading a client with this many forwarded commands unanswered; resume below half. Their
 * replies are not yet counted anywhere, so without it a client that never reads would have every
 * command it sends forwarded, answered by the peer and held here before the first byte is owed.
 */
const MAX_IN_FLIGHT = 1024;
/** How long a client closed by the server may go on sending (dropped) before its socket is destroyed. */
const LINGER_MS = 2000;
const LINK_DOWN = 'ERR the worker owning this key is down';
const NOAUTH = 'NOAUTH Authentication required.';
/** What a client may send before AUTH, as in Redis. */
const OPEN_BEFORE_AUTH = new Set(['AUTH', 'HELLO', 'QUIT']);
/** Where each text command's figures go in CommandStats, by TextOp. */
const TEXT_STATS: number[] = [];
TEXT_STATS[TextOp.GET] = statIndex(GET.opcode, false);
TEXT_STATS[TextOp.PUT] = statIndex(PUT.opcode, false);
TEXT_STATS[TextOp.STATS] = statIndex(commandNamed('STATS').opcode, false);
TEXT_STATS[TextOp.AUTH] = statIndex(commandNamed('AUTH').opcode, false);
const UNKNOWN_TEXT = statIndex(UNKNOWN_OPCODE, false);

const nameArgs = new Args(1);
/** Seed commands (answered in the text protocol even when Redis has a command of the name). */
const TEXT_NAMES = new Set(['GET', 'PUT', 'STATS', 'AUTH']);

/**
 * True when the line at chunk[pos] starts with the name of a RESP command the seed's protocol does
 * not have (SET, PING, ...), followed by a blank: a Redis client sending inline commands (as
 * `redis-cli --pipe` does with inline input), which the seed would answer ERROR. Only the first
 * line of a connection is checked; a name split across reads is not recognised (the line is text).
 */
function startsWithRedisOnlyCommand(chunk: Buffer, pos: number): boolean {
  const limit = Math.min(chunk.length, pos + 17);
  let end = pos;
  while (end < limit && chunk[end] !== 0x20 && chunk[end] !== 0x09 && chunk[end] !== 0x0d && chunk[end] !== 0x0a) end++;
  if (end === pos || end === limit) return false;
  nameArgs.reset(chunk);
  nameArgs.push(pos, end);
  const spec = lookup(nameArgs);
  return spec !== undefined && !TEXT_NAMES.has(spec.name);
}

/**
 * One client connection: parses what it sends (a command starting with `*` is RESP, anything else
 * the seed's text protocol until the first RESP command, then a Redis inline command; a first line
 * naming a Redis command the seed lacks is inline too), runs commands of this worker's shards at once, forwards the rest,
 * and writes replies in request order, each in the protocol of its command.
 *
 * While no forwarded reply is owed, replies are encoded straight into the router's shared output
 * buffer and written once per read. Once one is owed, the replies of that read and later ones
 * wait in `held`, and each owed reply is a Slot marking its place there; when slots resolve,
 * everything now in order is written in one go.
 */
export class Conn implements TextSink, RespSink, ReplySink, SlotOwner {
  readonly id: number;
  name = '';
  private readonly text: TextParser;
  private readonly resp: RespParser;
  /** Made at the first RESP command: from then on a line not starting with `*` is a Redis inline command. */
  private inline: InlineParser | null = null;
  /** Nothing read yet: the first line decides whether an inline command can open the connection. */
  private fresh = true;
  /** The command being answered came in RESP. */
  private inResp = false;
  private held: OutBuffer | null = null;
  private slots: Slot[] = [];
  private slotHead = 0;
  dirty = false;
  closed = false;
  /** QUIT or a protocol error: read nothing more, close once the owed replies are out. */
  private closing = false;
  /** A transaction of this client's in flight: what it sent next waits in pendingInput. */
  private blockedBy: Transaction | null = null;
  private pendingInput: Buffer[] = [];
  /** The client sent FIN: nothing more will come. */
  private inputEnded = false;
  /** No password is set, or this client gave it. */
  private authenticated: boolean;
  private paused = false;
  /** The command being timed (its CommandStats index) while its reply may still come within this read, and its start. */
  private stat = NO_STAT;
  private started = 0;
  /** Closed by the server while the client may still send: its input is read and dropped. */
  private lingering = false;
  /** A 'drain' listener is set to resume reading. */
  private drainWait = false;

  constructor(
    readonly socket: net.Socket,
    readonly router: Router,
    id: number,
  ) {
    this.id = id;
    this.authenticated = !router.passwordRequired;
    this.text = new TextParser(router.limits.textMaxLine);
    this.resp = new RespParser({ maxBulkLen: router.limits.protoMaxBulkLen, maxQueryBuffer: router.limits.clientQueryBufferLimit });
  }

  /** True while some forwarded reply is owed. */
  get waiting(): boolean {
    return this.slotHead < this.slots.length;
  }

  onData(chunk: Buffer): void {
    if (this.lingering) return;
    // Input stashed while replies were owed (or a transaction ran) goes first.
    if (this.blockedBy !== null || this.router.paused || this.pendingInput.length > 0) {
      // A copy: the chunk may be the worker's read buffer, reused by the next read.
      this.pendingInput.push(Buffer.from(chunk));
      this.socket.pause();
      return;
    }
    let pos = 0;
    const len = chunk.length;
    const out = this.router.out;
    // What the socket holds unsent, read once: a getter through the stream's state is not free per command.
    const room = this.router.limits.clientOutputLimit - this.socket.writableLength;
    while (pos < len && !this.closing) {
      if (this.fresh) {
        this.fresh = false;
        if (chunk[pos] !== STAR && startsWithRedisOnlyCommand(chunk, pos)) this.inline = new InlineParser();
      }
      const inline = this.inline;
      if (this.resp.midCommand || (!this.text.midLine && !inline?.midLine && chunk[pos] === STAR)) {
        pos = this.resp.feed(chunk, pos, this);
        this.inline ??= new InlineParser();
      } else if (inline !== null) pos = inline.feedLine(chunk, pos, this);
      else pos = this.text.feedLine(chunk, pos, this);
      if (this.blockedBy !== null) {
        // Later commands wait for the transaction, so this client reads its own writes.
        if (pos < len) this.pendingInput.push(Buffer.from(chunk.subarray(pos)));
        this.socket.pause();
        break;
      }
      if (pos >= len) break;
      // Past the output limit within this read, or too many forwarded replies still to come
      // (counted nowhere yet): the rest of the chunk waits, unparsed, until replies drain
      // (maybeResume). A client that does not read is then closed by checkOutput.
      if (out.length + (this.held === null ? 0 : this.held.length) > room || this.slots.length - this.slotHead > MAX_IN_FLIGHT) {
        this.pendingInput.push(Buffer.from(chunk.subarray(pos)));
        this.paused = true;
        this.socket.pause();
        break;
      }
    }
    this.endCommands();
    if (out.length > 0) this.write(out.take());
    else this.checkOutput();
    if (this.closing) this.closeWhenSettled();
    // Stashed with nothing left to drain or to come back (the socket took every byte): no 'drain'
    // or reply will resume it, so look again once this turn is over.
    else if (this.paused && !this.closed && !this.drainWait && this.pendingInput.length > 0) setImmediate(() => this.maybeResume());
  }

  // The seed's text protocol.

  textCommand(op: TextOp, args: Args): void {
    const router = this.router;
    router.commands++;
    this.inResp = false;
    this.begin(TEXT_STATS[op]);
    if (op === TextOp.AUTH) return this.authenticate(args.latin1(1)) ? this.ok() : this.error('');
    if (!this.authenticated) return this.error(NOAUTH);
    if (op === TextOp.STATS) {
      this.target().latin1(router.statsText());
      return;
    }
    this.runKeyed(op === TextOp.GET ? GET : PUT, args);
  }

  textError(): void {
    this.router.commands++;
    this.inResp = false;
    this.begin(UNKNOWN_TEXT);
    this.target().all(TEXT_ERROR);
  }

  // RESP.

  respCommand(args: Args): void {
    const router = this.router;
    router.commands++;
    this.inResp = true;
    const spec = lookup(args);
    this.begin(statIndex(spec === undefined ? UNKNOWN_OPCODE : spec.opcode, true));
    if (!this.authenticated && !(spec !== undefined && OPEN_BEFORE_AUTH.has(spec.name))) return this.error(NOAUTH);
    if (spec === undefined) return this.error(unknownCommand(args));
    if (!arityOk(spec, args.count)) return this.error(`ERR wrong number of arguments for '${spec.name.toLowerCase()}' command`);
    switch (spec.route) {
      case 'key':
        return this.runKeyed(spec, args);
      case 'each-key':
        return this.runEachKey(spec, args);
      case 'each-worker':
        return this.runEachWorker(spec, args);
      case 'txn':
        return this.runTransaction(spec, args);
      case 'cursor':
        return runScan(this, spec, args);
      default:
        return runConnectionCommand(this, spec, args);
    }
  }

  respProtocolError(message: string): void {
    if (message === QUERY_BUFFER_LIMIT_ERROR) {
      this.router.queryLimitClosed++;
      log('warn', 'client closed: query buffer limit reached', { worker: this.router.self, client: this.id, limit: this.router.limits.clientQueryBufferLimit });
    }
    this.inResp = true;
    this.error(`ERR Protocol error: ${message}`);
    this.closing = true;
  }

  get passwordRequired(): boolean {
    return this.router.passwordRequired;
  }

  get isAuthenticated(): boolean {
    return this.authenticated;
  }

  /** AUTH: true when the password is right (this connection may then run anything). */
  authenticate(password: string): boolean {
    if (!this.router.passwordMatches(password)) return false;
    this.authenticated = true;
    return true;
  }

  configParams(): [string, string][] {
    return this.router.configParams();
  }

  /** QUIT: read nothing more; the connection closes once this read's replies are out. */
  quit(): void {
    this.closing = true;
  }

  /** The client half-closed: answer everything it sent (some may wait for a transaction), then close. */
  closeAfterReplies(): void {
    this.inputEnded = true;
    this.finishIfInputDone();
  }

  private finishIfInputDone(): void {
    if (!this.inputEnded || this.blockedBy !== null || this.pendingInput.length > 0) return;
    this.closing = true;
    this.closeWhenSettled();
  }

  /**
   * A command starts: the one before it in this read, if answered here, ends now, so one clock
   * read per command times both. A command that owes a slot is timed when the slot is flushed.
   */
  private begin(stat: number): void {
    const now = performance.now();
    const stats = this.router.commandStats;
    if (this.stat !== NO_STAT) stats.done(this.stat, now - this.started);
    stats.calls[stat]++;
    this.stat = stat;
    this.started = now;
  }

  /** The read's commands have run: the last, if answered here, ends now. */
  private endCommands(): void {
    if (this.stat === NO_STAT) return;
    this.router.commandStats.done(this.stat, performance.now() - this.started);
    this.stat = NO_STAT;
  }

  // Routing.

  private runKeyed(spec: CommandSpec, args: Args): void {
    const router = this.router;
    const shard = shardOf(args.buf, args.starts[1], args.ends[1]);
    const owner = router.owners[shard];
    if (owner === router.self) {
      router.local++;
      const shards = router.node.shards;
      if (!shards.busy) return shards.executeOn(shard, spec, args, this);
      // A transaction holds this worker's shards: wait in line like a forwarded command.
      const sink = settleSink(this.owe(new Slot(this, this.inResp)), router.peers);
      const copy = copyArgs(args);
      shards.defer(() => shards.executeOn(shard, spec, copy, sink), answerTo(sink));
      return;
    }
    if (!router.peers.isUp(owner)) return this.error(LINK_DOWN);
    router.peers.forward(owner, spec.opcode, args, this.owe(new Slot(this, this.inResp)));
  }

  /** MSET, MSETNX (and MGET over several workers): all of it or nothing, for every reader. */
  private runTransaction(spec: CommandSpec, args: Args): void {
    if (args.count % 2 === 0) return this.error(`ERR wrong number of arguments for '${spec.name.toLowerCase()}' command`);
    const keys: string[] = [];
    const values: string[] = [];
    for (let i = 1; i < args.count; i += 2) {
      keys.push(args.latin1(i));
      values.push(args.latin1(i + 1));
    }
    this.startTransaction(new Transaction(this, this.inResp, this.router, spec.name as 'MSET' | 'MSETNX', keys, values));
  }

  private startTransaction(txn: Transaction): void {
    this.owe(txn);
    // Finished at once (only this worker, and free): write it out now rather than wait for a peer.
    if (txn.start()) this.flushResolved();
    else this.blockedBy = txn;
  }

  /** The transaction this client waits for is done: go on with what it sent after it. */
  private unblock(): void {
    this.blockedBy = null;
    this.replayInput();
  }

  /** A resize's pause is over: run what this client sent during it. */
  resumeInput(): void {
    if (this.closed) return;
    if (this.blockedBy === null) this.replayInput();
    // Replies that drained during the pause left it waiting for a 'drain' that has come and gone.
    this.maybeResume();
  }

  private replayInput(): void {
    const input = this.pendingInput;
    this.pendingInput = [];
    if (!this.paused && !this.router.draining && !this.router.paused && !this.closing && !this.inputEnded) this.socket.resume();
    // A chunk that meets a new transaction or pause goes back to pendingInput, in order.
    for (const chunk of input) this.router.receive(this, chunk);
    this.finishIfInputDone();
  }

  /** MGET, DEL, EXISTS ...: the command once per key on the key's owner, replies combined. */
  private runEachKey(spec: CommandSpec, args: Args): void {
    const router = this.router;
    const parts = args.count - 1;
    if (spec.combine === 'list' && spansWorkers(args, router.owners)) {
      const keys: string[] = [];
      for (let k = 1; k <= parts; k++) keys.push(args.latin1(k));
      return this.startTransaction(new Transaction(this, this.inResp, router, 'MGET', keys, null));
    }
    const gather = new Gather(this, this.inResp, spec.combine!, parts);
    const local = router.partArgs;
    const sink = router.partSink;
    let forwarded = false;
    for (let k = 1; k <= parts; k++) {
      const shard = shardOf(args.buf, args.starts[k], args.ends[k]);
      const owner = router.owners[shard];
      if (owner === router.self) {
        router.local++;
        local.reset(args.buf);
        local.push(args.starts[0], args.ends[0]);
        local.push(args.starts[k], args.ends[k]);
        const shards = router.node.shards;
        if (shards.busy) {
          if (!forwarded) this.owe(gather);
          forwarded = true;
          const copy = copyArgs(local);
          const partSink = settleSink(new PartSlot(gather, k - 1), router.peers);
          shards.defer(() => shards.executeOn(shard, spec, copy, partSink), answerTo(partSink));
          continue;
        }
        sink.gather = gather;
        sink.index = k - 1;
        shards.executeOn(shard, spec, local, sink);
      } else if (!router.peers.isUp(owner)) {
        gather.part(k - 1, ReplyKind.ERROR, LINK_DOWN);
      } else {
        if (!forwarded) this.owe(gather);
        forwarded = true;
        router.peers.forwardKey(owner, spec.opcode, args, k, new PartSlot(gather, k - 1));
      }
    }
    if (!forwarded) this.encodeGather(this.target(), gather);
  }

  /** DBSIZE, FLUSHALL: the command on every worker, replies combined. */
  private runEachWorker(spec: CommandSpec, args: Args): void {
    const router = this.router;
    const gather = new Gather(this, this.inResp, spec.combine!, router.workers);
    let forwarded = false;
    for (let w = 0; w < router.workers; w++) {
      if (w === router.self) {
        const shards = router.node.shards;
        if (shards.busy) {
          if (!forwarded) this.owe(gather);
          forwarded = true;
          const copy = copyArgs(args);
          const partSink = settleSink(new PartSlot(gather, w), router.peers);
          shards.defer(() => shards.runWorkerCommand(spec, copy, partSink), answerTo(partSink));
          continue;
        }
        router.partSink.gather = gather;
        router.partSink.index = w;
        shards.runWorkerCommand(spec, args, router.partSink);
      } else if (!router.peers.isUp(w)) {
        gather.part(w, ReplyKind.ERROR, LINK_DOWN);
      } else {
        if (!forwarded) this.owe(gather);
        forwarded = true;
        router.peers.forward(w, spec.opcode, args, new PartSlot(gather, w));
      }
    }
    if (!forwarded) this.encodeGather(this.target(), gather);
  }

  /** Places a slot in the reply order; replies after it wait in `held` until it is done. */
  owe<T extends Slot>(slot: T): T {
    const held = this.held ?? (this.held = new OutBuffer(1024));
    if (!this.waiting) {
      // Replies of this read so far wait with the rest, so the whole read is answered in one write.
      const out = this.router.out;
      held.bytes(out.buf, 0, out.length);
      out.clear();
    }
    slot.pos = held.length;
    // Its reply is timed when flushed, not at the end of this read.
    slot.stat = this.stat;
    slot.started = this.started;
    this.stat = NO_STAT;
    this.slots.push(slot);
    return slot;
  }

  // Replies, in the protocol of the command being answered.

  ok(): void {
    if (this.inResp) respSimple(this.target(), 'OK');
    else this.target().all(TEXT_OK);
  }
  status(text: string): void {
    if (this.inResp) respSimple(this.target(), text);
    else this.textLine(text);
  }
  nil(): void {
    if (this.inResp) respNull(this.target());
    else this.target().all(TEXT_NOTFOUND);
  }
  bulk(value: string): void {
    if (this.inResp) respBulkLatin1(this.target(), value);
    else this.textLine(value);
  }
  integer(n: number | bigint): void {
    if (!this.inResp) return this.textLine(String(n));
    if (typeof n === 'number') return respInteger(this.target(), n);
    const out = this.target();
    out.latin1(`:${n}\r\n`);
  }
  error(message: string): void {
    if (this.inResp) respError(this.target(), message);
    else this.target().all(TEXT_ERROR);
  }
  /** RESP array header, for connection commands that answer lists. */
  arrayHeader(n: number): void {
    respArrayHeader(this.target(), n);
  }

  private textLine(text: string): void {
    const out = this.target();
    out.latin1(text);
    out.u8(NEWLINE);
  }

  /** Writes every reply now in order: resolved slots in sequence, with the held bytes between. */
  /** A reply owed to this client could not be handled (a bug): close it, and only it. */
  failed(_err: Error): void {
    this.socket.destroy();
  }

  flushResolved(): void {
    const held = this.held!;
    const out = this.router.out;
    const slots = this.slots;
    const stats = this.router.commandStats;
    const now = performance.now();
    let from = 0;
    while (this.slotHead < slots.length && slots[this.slotHead].done) {
      const slot = slots[this.slotHead++];
      if (slot.stat !== NO_STAT) stats.done(slot.stat, now - slot.started);
      out.bytes(held.buf, from, slot.pos);
      if (slot instanceof Gather) this.encodeGather(out, slot);
      else encodeSlot(out, slot);
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
    if (this.blockedBy !== null && this.blockedBy.done) this.unblock();
    this.maybeResume();
    if (!this.waiting) {
      if (this.closing) this.closeWhenSettled();
      this.router.settled(this);
    }
  }

  private encodeGather(out: OutBuffer, gather: Gather): void {
    if (gather.error !== '') return respError(out, gather.error);
    if (gather.encodeReply(out)) return;
    if (gather.combine === 'sum') return respInteger(out, gather.sum);
    if (gather.combine === 'ok') return respSimple(out, 'OK');
    respArrayHeader(out, gather.kinds.length);
    for (let i = 0; i < gather.kinds.length; i++) {
      if (gather.kinds[i] === ReplyKind.BULK) respBulkLatin1(out, gather.values[i]);
      else respNull(out);
    }
  }

  /** Stops reading; replies already owed still go out. */
  stopReading(): void {
    this.socket.pause();
    this.paused = true;
  }

  private closeWhenSettled(): void {
    this.stopReading();
    if (this.waiting || this.lingering) return;
    this.socket.end();
    if (!this.inputEnded) this.linger();
  }

  /**
   * After QUIT or a protocol error, the client may still be sending. Closing with its bytes
   * unread would reset the connection, and a reset can destroy the last replies before the client
   * reads them; waiting for it to close would leave a client that never reads its replies stuck
   * writing. So read and drop its input until it closes, for at most LINGER_MS.
   */
  private linger(): void {
    this.lingering = true;
    const socket = this.socket;
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    socket.once('close', () => clearTimeout(timer));
    socket.resume();
  }

  /** Where the next reply goes: straight out, or held behind an owed one. */
  target(): OutBuffer {
    return this.slotHead < this.slots.length ? this.held! : this.router.out;
  }

  private write(bytes: Buffer): void {
    if (this.closed) return;
    this.socket.write(bytes);
    this.checkOutput();
  }

  /**
   * Backpressure: replies owed (unsent on the socket, or held behind a forwarded one) past the
   * high-water mark stop reading from this client until they drain; past the client output
   * limit the client is closed, so one client that never reads cannot grow the server.
   */
  private checkOutput(): void {
    const owed = this.socket.writableLength + (this.held?.length ?? 0);
    if (owed > this.router.limits.clientOutputLimit) {
      this.router.outputLimitClosed++;
      this.closed = true;
      this.socket.destroy();
      return;
    }
    if ((owed > OUTPUT_HIGH_WATER || this.slots.length - this.slotHead > MAX_IN_FLIGHT) && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    if (this.paused) this.waitForDrain();
  }

  /** One 'drain' listener at a time, however often a paused client is checked. */
  private waitForDrain(): void {
    if (this.drainWait || this.socket.writableLength === 0) return;
    this.drainWait = true;
    this.socket.once('drain', () => {
      this.drainWait = false;
      this.maybeResume();
    });
  }

  private maybeResume(): void {
    if (!this.paused || this.closed || this.router.draining || this.router.paused || this.closing || this.blockedBy !== null) return;
    if (this.socket.writableLength + (this.held?.length ?? 0) > OUTPUT_HIGH_WATER) return this.waitForDrain();
    // Forwarded replies still coming: flushResolved checks again as they arrive.
    if (this.slots.length - this.slotHead > MAX_IN_FLIGHT / 2) return;
    this.paused = false;
    if (this.pendingInput.length > 0) this.replayInput();
    else this.socket.resume();
  }
}

function encodeSlot(out: OutBuffer, slot: Slot): void {
  if (slot.resp) {
    switch (slot.kind) {
      case ReplyKind.OK:
        return respSimple(out, 'OK');
      case ReplyKind.STATUS:
        return respSimple(out, slot.payload);
      case ReplyKind.NIL:
        return respNull(out);
      case ReplyKind.BULK:
        return respBulkLatin1(out, slot.payload);
      case ReplyKind.INTEGER:
        out.u8(0x3a);
        out.latin1(slot.payload);
        out.latin1('\r\n');
        return;
      default:
        return respError(out, slot.payload);
    }
  }
  switch (slot.kind) {
    case ReplyKind.OK:
      return out.all(TEXT_OK);
    case ReplyKind.NIL:
      return out.all(TEXT_NOTFOUND);
    case ReplyKind.ERROR:
      return out.all(TEXT_ERROR);
    default:
      out.latin1(slot.payload);
      out.u8(NEWLINE);
  }
}

/** True when the keys argv[1..] belong to more than one worker. */
function spansWorkers(args: Args, owners: Uint8Array): boolean {
  const first = owners[shardOf(args.buf, args.starts[1], args.ends[1])];
  for (let k = 2; k < args.count; k++) if (owners[shardOf(args.buf, args.starts[k], args.ends[k])] !== first) return true;
  return false;
}

/** Redis 7's reply to an unknown command, quoting up to a few of its arguments. */
function unknownCommand(args: Args): string {
  let text = `ERR unknown command '${args.latin1(0).slice(0, 128)}', with args beginning with: `;
  for (let i = 1; i < args.count && text.length < 256; i++) text += `'${args.latin1(i).slice(0, 128)}' `;
  return text;
}
