import type * as net from 'node:net';
import { QUERY_BUFFER_LIMIT_ERROR, RESP_REPLIES, shardOf, TEXT_REPLIES, TextOp, type Args, type Items, type OutBuffer, type ReplyEncoder, type RespSink, type TextSink } from '@kv/wire';
import { arityOk, commandNamed, lookup, NO_STAT, statIndex, UNKNOWN_OPCODE, type CommandSpec } from '@kv/node';
import { runConnectionCommand, unknownCommand } from '../commands';
import type { ConnectionContext } from '../commands/context';
import { coordinate } from '../coord/coordinator';
import type { Plan, PlanClient } from '../coord/plan';
import { runScript } from '../coord/script';
import { log } from '../log';
import { Demux } from './demux';
import { Flow } from './flow';
import { Multi, NOT_QUEUED, queuedReply } from './multi';
import { ConnState } from './conn-state';
import type { ClientHost, ClientLike } from './host';
import { ReplyQueue, Slot, type Owed } from './reply-queue';

const GET = commandNamed('GET');
const PUT = commandNamed('PUT');
const NOAUTH = 'NOAUTH Authentication required.';
const QUEUE_FULL = 'ERR MULTI queue is over the client query buffer limit; EXEC will abort';
/** What a client may send before AUTH, as in Redis. */
const OPEN_BEFORE_AUTH = new Set(['AUTH', 'HELLO', 'QUIT']);
/** Where each text command's figures go in CommandStats, by TextOp. */
const TEXT_STATS: number[] = [];
TEXT_STATS[TextOp.GET] = statIndex(GET.opcode, false);
TEXT_STATS[TextOp.PUT] = statIndex(PUT.opcode, false);
TEXT_STATS[TextOp.STATS] = statIndex(commandNamed('STATS').opcode, false);
TEXT_STATS[TextOp.AUTH] = statIndex(commandNamed('AUTH').opcode, false);
const UNKNOWN_TEXT = statIndex(UNKNOWN_OPCODE, false);

/**
 * One client connection: what it sends is split into commands (Demux), each command is found in
 * the command table and run by its plan: on the owner of its key (Owners.run, here or on a peer),
 * by the coordinator over several owners, or here for a connection command. Replies go out in
 * request order (ReplyQueue), each in the protocol of its command; Flow stops and resumes reading.
 */
export class Conn extends ConnState implements TextSink, RespSink, ConnectionContext, PlanClient, ClientLike {
  private readonly demux: Demux;
  /** The encoder of the command being answered: RESP2, RESP3 or the seed's text protocol. */
  replies: ReplyEncoder = TEXT_REPLIES;
  /** The RESP encoder HELLO chose for this connection: RESP2 until HELLO 3 (commands/connection.ts). */
  resp: ReplyEncoder = RESP_REPLIES;
  readonly queue = new ReplyQueue();
  readonly flow: Flow;
  dirty = false;
  /** A transaction of this client's in flight: what it sent next waits (Flow) until it is done. */
  private blockedBy: Plan | null = null;
  /** MULTI's queue and WATCHed keys. */
  readonly tx: Multi = new Multi(this);

  /** The command being timed (its CommandStats index) while its reply may still come within this read, and its start (performance.now; 0 before the first). */
  private stat = NO_STAT;
  started = 0;

  constructor(
    readonly socket: net.Socket,
    router: ClientHost,
    id: number,
  ) {
    super(router, id);
    this.demux = new Demux(router.limits);
    this.flow = new Flow(this, socket, router);
  }

  /** True while some reply is owed. */
  get waiting(): boolean {
    return this.queue.waiting;
  }

  get blocked(): boolean {
    return this.blockedBy !== null;
  }

  onData(chunk: Buffer): void {
    const flow = this.flow;
    if (!flow.accepts(chunk)) return;
    let pos = 0;
    const len = chunk.length;
    const out = this.router.out;
    // What the socket holds unsent, read once: a getter through the stream's state is not free per command.
    const room = this.router.limits.clientOutputLimit - this.socket.writableLength;
    while (pos < len && !flow.closing) {
      pos = this.demux.feed(chunk, pos, this);
      if (this.blockedBy !== null) {
        // Later commands wait for the transaction, so this client reads its own writes.
        flow.stash(chunk, pos, false);
        break;
      }
      if (pos >= len) break;
      // Past the output limit within this read, or too many owed replies still to come: the rest
      // waits, unparsed, until replies drain. A client that does not read is then closed.
      if (out.length + this.queue.heldBytes > room || flow.tooManyInFlight()) {
        flow.stash(chunk, pos, true);
        break;
      }
    }
    this.endCommands();
    if (out.length > 0) flow.writeOut(out);
    else flow.checkOutput();
    flow.afterRead();
  }

  // The seed's text protocol.

  textCommand(op: TextOp, args: Args): void {
    this.router.commands++;
    this.replies = TEXT_REPLIES;
    this.begin(TEXT_STATS[op]);
    if (op === TextOp.AUTH) return this.authenticate(args.latin1(1)) ? this.ok() : this.error('');
    if (!this.authenticated) return this.error(NOAUTH);
    if (op === TextOp.STATS) return this.target().latin1(this.router.statsText());
    this.runOnOwner(op === TextOp.GET ? GET : PUT, args);
  }

  textError(): void {
    this.router.commands++;
    this.replies = TEXT_REPLIES;
    this.begin(UNKNOWN_TEXT);
    this.error('');
  }

  // RESP.

  respCommand(args: Args): void {
    this.router.commands++;
    this.replies = this.resp;
    const spec = lookup(args);
    this.begin(statIndex(spec === undefined ? UNKNOWN_OPCODE : spec.opcode, true));
    if (!this.authenticated && !(spec !== undefined && OPEN_BEFORE_AUTH.has(spec.name))) return this.refuse(NOAUTH);
    if (spec === undefined) return this.refuse(unknownCommand(args));
    if (!arityOk(spec, args.count)) return this.refuse(`ERR wrong number of arguments for '${spec.name.toLowerCase()}' command`, spec.name === 'EXEC');
    this.info.command = spec;
    if (this.tx.active && !NOT_QUEUED.has(spec.name)) return this.tx.queue(args) ? queuedReply(this, spec, args) : this.error(QUEUE_FULL);
    this.dispatch(spec, args);
  }

  private dispatch(spec: CommandSpec, args: Args): void {
    if (spec.plan === 'one-key') return this.runOnOwner(spec, args);
    if (spec.plan === 'connection') return runConnectionCommand(this, spec, args);
    this.runBlocking(spec.plan === 'script' ? runScript(this, spec, args, () => this.target()) : coordinate(this, spec, args, this.router.workers, () => this.target()));
  }

  /** A command refused before it ran: inside MULTI, EXEC will answer EXECABORT (an EXEC refused itself answers it, in MULTI or not, as Redis 7). */
  private refuse(message: string, exec = false): void {
    if (exec) {
      this.tx.discard();
      return this.error(`EXECABORT Transaction discarded because of: ${message.replace(/^ERR /, '')}`);
    }
    this.tx.refused();
    this.error(message);
  }

  runBlocking(plan: Plan | string): void {
    if (typeof plan === 'string') return this.error(plan);
    // Later commands wait for a transaction, so this client reads its own writes. (Inside an
    // EXEC, the EXEC makes them wait already.)
    if (plan.blocks && !plan.over && this.running === null && this.txid === null) this.blockedBy = plan;
  }

  /** A command EXEC runs: as if just sent, its reply in its place in the reply order. */
  runQueued(args: Args): void {
    this.replies = this.resp;
    this.dispatch(lookup(args)!, args);
  }

  get nextSeq(): number {
    return this.queue.nextSeq;
  }

  answeredBefore(seq: number): boolean {
    return this.queue.doneBefore(seq);
  }

  respProtocolError(message: string): void {
    if (message === QUERY_BUFFER_LIMIT_ERROR) {
      this.router.queryLimitClosed++;
      log('warn', 'client closed: query buffer limit reached', { worker: this.router.self, client: this.id, limit: this.router.limits.clientQueryBufferLimit });
    }
    this.replies = this.resp;
    this.error(`ERR Protocol error: ${message}`);
    this.flow.closing = true;
  }

  /** A one-key command on the shard that owns its key: answered now, or its reply owed. */
  private runOnOwner(spec: CommandSpec, args: Args): void {
    const owners = this.router.owners;
    const shard = shardOf(args.buf, args.starts[1], args.ends[1]);
    owners.run(owners.map[shard], shard, spec, args, this, this, 0);
  }

  /** Owners.run's `later`: this command's reply comes later, in its place in the reply order. */
  later(_index: number): Slot {
    return this.owe(new Slot(this, this.replies, this.queue));
  }

  /** Places an owed reply in the reply order; it is timed when written, not at the end of this read. */
  owe<T extends Owed>(item: T): T {
    item.stat = this.stat;
    item.started = this.started;
    this.stat = NO_STAT;
    return this.queue.owe(item, this.router.out);
  }

  /** QUIT: read nothing more; the connection closes once this read's replies are out. */
  quit(): void {
    this.flow.closing = true;
  }

  /**
   * A command starts: the one before it in this read, if answered here, ends now, so one clock
   * read per command times both. A command that owes a reply is timed when it is written.
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

  // Replies, in the protocol of the command being answered.

  ok(): void {
    this.replies.ok(this.target());
  }
  status(text: string): void {
    this.replies.status(this.target(), text);
  }
  nil(): void {
    this.replies.nil(this.target());
  }
  bulk(value: string): void {
    this.replies.bulk(this.target(), value);
  }
  bulkBytes(buf: Uint8Array, start: number, end: number): void {
    this.replies.bulkBytes(this.target(), buf, start, end);
  }
  integer(n: number | bigint): void {
    this.replies.integer(this.target(), n);
  }
  error(message: string): void {
    this.replies.error(this.target(), message);
  }
  array(items: Items): void {
    this.replies.array(this.target(), items);
  }
  map(items: Items): void {
    this.replies.map(this.target(), items);
  }
  nullArray(): void {
    this.replies.nullArray(this.target());
  }
  cursor(cursor: string, items: Items): void {
    this.replies.cursor(this.target(), cursor, items);
  }
  /** Array header, for connection commands that answer lists. */
  arrayHeader(n: number): void {
    this.replies.arrayHeader(this.target(), n);
  }

  /** Where the next reply goes: straight out, or held behind an owed one. */
  target(): OutBuffer {
    return this.queue.target(this.router.out);
  }

  /** An owed reply is done: written once this read of a link is over (Peers.flushDirty). */
  ready(): void {
    if (this.running !== null) this.running.check();
    this.router.peers.markDirty(this);
  }

  /** A reply owed to this client could not be handled or written (a bug): close it, and only it, none of its bytes left in `out`. */
  failed(_err: Error): void {
    this.router.out.clear();
    this.socket.destroy();
  }

  /** Writes every reply now in order; then goes on with input that waited for a transaction. */
  flushResolved(): void {
    const out = this.router.out;
    this.queue.flush(out, this.router.commandStats, performance.now());
    if (out.length > 0) this.flow.writeOut(out);
    if (this.blockedBy !== null && this.blockedBy.over) {
      this.blockedBy = null;
      this.flow.replayInput();
    }
    this.flow.maybeResume();
    if (!this.queue.waiting) {
      if (this.flow.closing) this.flow.closeWhenSettled();
      this.router.settled();
    }
  }

  /** The client half-closed: answer everything it sent (some may wait for a transaction), then close. */
  closeAfterReplies(): void {
    this.flow.inputEnded = true;
    this.flow.finishIfInputDone();
  }

  /** A resize's pause is over: run what this client sent during it. */
  resumeInput(): void {
    this.flow.resumeInput();
  }

  /** Stops reading; replies already owed still go out. */
  stopReading(): void {
    this.flow.stopReading();
  }
}
