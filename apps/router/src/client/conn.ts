import type * as net from 'node:net';
import { Demux, type Args } from '@kv/wire';
import type { Flushable } from '../links/types';
import { Dispatcher, isRedisOnly } from './dispatch';
import { Flow } from './flow';
import type { ClientHost, ClientLike } from './host';
import { Input } from './input';
import { Multi } from './multi';
import { ClientPlans, type PlansClient } from './plans';
import type { ReadTarget, SocketClient } from '../worker/client-socket';
import { PushChannel } from './push';
import { Subscriber, type SubscriberClient } from '../pubsub/subscriber';
import { log } from '../log';
import { REPLY_ERRORS } from '../reply-errors';
import { ClientReplies } from './replies';
import { ReplyOrder, type OrderClient } from './reply-order';
import { Session } from './session';
import { CommandTimer } from './timer';

/**
 * One client connection, made of parts with one job each:
 * - input (`Input`, with `Demux` and `Flow`): bytes read become commands, or wait;
 * - dispatch (`Dispatcher`): a command's table entry becomes its run: on its key's owner, a
 *   connection command's handler, or a plan over several owners (`ClientPlans`);
 * - reply order (`ReplyOrder`, `ClientReplies`): replies in request order, each in the protocol of
 *   its command, some of them owed and done later, in any order;
 * - push (`PushChannel`): messages answering no command, between replies;
 * - the session (`Session`): what its commands see of it (name, auth, protocol, MULTI).
 * The connection itself only wires them and is what its worker and links see (ClientLike,
 * Flushable): it writes out what is in order once its replies come back.
 */
export class Conn implements ClientLike, Flushable, OrderClient, SubscriberClient, PlansClient, ReadTarget, SocketClient {
  readonly order: ReplyOrder;
  readonly flow: Flow;
  readonly session: Session;
  readonly push: PushChannel;
  /** Its channels, patterns and shard channels (none until it subscribes). */
  readonly subs: Subscriber;
  private readonly plans: ClientPlans;
  private readonly input: Input;
  /** Its commands' dispatch (the plans run EXEC's queued commands through it). */
  private readonly commands: Dispatcher;
  /** Queued in the worker's list of clients with replies to write (Peers.markDirty). */
  dirty = false;
  /** The seq of the blocked command it half-closed behind, until its answer is seen (settleLeftBlocked); -1: none. */
  private leftBlocked = -1;
  /** The seq of a blocked command CLIENT UNBLOCK ERROR cancelled, until its answer is made UNBLOCKED; -1: none. */
  private unblockedError = -1;

  constructor(
    readonly socket: net.Socket,
    private readonly host: ClientHost,
    id: number,
  ) {
    // Its parts call back into it (a method, never a closure each: fewer objects per client for the collector).
    const order = (this.order = new ReplyOrder(this));
    const reply = new ClientReplies(order, host.out);
    const timer = new CommandTimer(host.commandStats, this, reply);
    const plans = (this.plans = new ClientPlans(order, reply, timer, host.out, this));
    const flow = (this.flow = new Flow(this, socket, host, plans));
    const env = host.plans;
    const tx = new Multi(env, plans, host.limits.clientQueryBufferLimit);
    const session = (this.session = new Session(id, socket, host, reply, tx, plans, env, timer, flow));
    this.commands = new Dispatcher({ host, session, reply, order, plans, tx, timer, flow, env });
    this.push = new PushChannel(order, this, host.out);
    this.subs = session.subs = new Subscriber(this, host.limits.outputLimits.pubsub);
    this.input = new Input(socket, host, new Demux(host.limits, isRedisOnly), this.commands, flow, order, plans, timer);
  }

  get id(): number {
    return this.session.id;
  }

  /** Whether the command being timed was refused before it ran (CommandTimer). */
  get refused(): boolean {
    return this.session.info.refused;
  }

  /** A command EXEC queued runs now, as if just sent (ClientPlans). */
  runQueued(args: Args): void {
    this.commands.runQueued(args);
  }

  /** Its socket read `bytes` bytes into the worker's read buffer (client-socket.ts: a wired socket's read target). */
  read(bytes: number, buf: Buffer): void {
    this.host.receive(this, buf.subarray(0, bytes));
  }

  /** Its socket closed: its subscriptions, tracking and plans end, and it leaves the worker. */
  socketClosed(): void {
    this.flow.closed = true;
    this.closed();
    this.host.clientGone(this);
  }

  // SubscriberClient: what its subscriptions' messages need of it.

  get resp(): Session['resp'] {
    return this.session.resp;
  }

  /** A Pub/Sub message or an invalidation, already in the connection's protocol. */
  pushEncoded(buf: Uint8Array, start: number, end: number): void {
    this.push.sendEncoded(buf, start, end);
  }

  get owed(): number {
    return this.socket.writableLength + this.order.heldBytes + this.order.pushBytes;
  }

  closeForOutput(what: string): void {
    log('warn', 'client closed for overcoming of output buffer limits', { worker: this.host.self, client: this.id, class: what, owed: this.owed });
    this.flow.closeForOutput();
  }

  /** The connection closed: its subscriptions go, with no message, and MONITOR's lines. */
  closed(): void {
    this.host.pubsub.forget(this.subs);
    this.host.monitor.remove(this);
    // Its tracking ends; the owners' marks of its reads are dropped lazily, where they would be delivered.
    if (this.session.tracking !== null) this.host.tracking.stop(this.id, this.session.tracking);
    this.plans.closed(true);
  }

  /** True while some reply is owed. */
  get waiting(): boolean {
    return this.order.waiting;
  }

  onData(chunk: Buffer): void {
    this.input.onData(chunk);
  }

  /** An owed reply is done: written once this read of a link is over (Peers.flushDirty). */
  ready(): void {
    const running = this.plans.running;
    if (running !== null) running.check();
    this.plans.checkEarlier();
    this.host.peers.markDirty(this);
  }

  /** A reply owed to this client could not be handled or written (a bug): close it, and only it, none of its bytes left in `out`. */
  failed(_err: Error): void {
    this.host.out.clear();
    this.socket.destroy();
  }

  /** Writes every reply now in order; then goes on with input that waited for a transaction. */
  flushResolved(): void {
    const out = this.host.out;
    const flow = this.flow;
    if (this.leftBlocked >= 0) this.settleLeftBlocked();
    if (this.unblockedError >= 0) this.settleUnblocked();
    this.order.flush(out, this.host.commandStats, performance.now());
    if (out.length > 0) flow.writeOut(out);
    if (this.plans.unblocked()) flow.replayInput();
    flow.maybeResume();
    if (!this.order.waiting) {
      if (flow.closing) flow.closeWhenSettled();
      this.host.settled();
    }
  }

  /**
   * The client half-closed: answer everything it sent (some may wait for a transaction), then
   * close. Blocked (BLPOP ...), as Redis frees a client at EOF: its blocked command is cancelled,
   * and when it comes back empty (it was waiting; leftBlocked) it is not answered and what the
   * client sent after it (a QUIT) is not run; replies owed before it still go out.
   */
  closeAfterReplies(): void {
    this.leftBlocked = this.plans.blockedOwed;
    this.plans.closed(false);
    this.flow.inputEnded = true;
    this.flow.finishIfInputDone();
  }

  /**
   * The blocked command it half-closed behind is answered: empty (the cancel's answer), it and all
   * after it are silenced; anything else (an error, or an answer a peer owner made before the
   * cancel reached it: the client may still read it) goes out, and what followed runs.
   */
  private settleLeftBlocked(): void {
    const empty = this.order.doneEmpty(this.leftBlocked);
    if (empty === null) return;
    if (empty) {
      this.order.silenceFrom(this.leftBlocked);
      this.flow.dropInput();
    }
    this.leftBlocked = -1;
  }

  /**
   * CLIENT UNBLOCK: its blocked command waits no more and is answered as timed out or, `error`,
   * with UNBLOCKED (in place of that empty answer, once it comes back). False when none waits.
   */
  unblock(error: boolean): boolean {
    const seq = this.plans.blockedOwed;
    if (seq < 0) return false;
    // Set first: a blocked command of this worker is answered within plans.unblock().
    if (error) this.unblockedError = seq;
    if (this.plans.unblock()) return true;
    this.unblockedError = -1;
    return false;
  }

  /** The UNBLOCKED error in place of the cancelled command's empty answer, once it is done. */
  private settleUnblocked(): void {
    if (this.order.errorIfEmpty(this.unblockedError, REPLY_ERRORS.unblocked) !== null) this.unblockedError = -1;
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
