import { argsOf, type Args, type OutBuffer } from '@kv/wire';
import { commandNamed, lookup, movesAcross, type PlanKind } from '@kv/node';
import { LINK_DOWN } from '../links/link';
import { Hold, sendWhole, type HoldTaker, type OwnerRequest, type WholeTaker } from './hold';
import { PlanReply, type OwnerSet, type Plan, type PlanSink } from './plan';

const EXECHERE = commandNamed('EXECHERE');
/** Plans a transaction's command may have to run whole on the one owner of its keys. */
const RUN_ON_OWNER: ReadonlySet<PlanKind> = new Set(['one-key', 'each-key', 'atomic', 'script']);

/** What EXEC needs of its client: to run its queued commands as if just sent, in order. */
export interface ExecClient {
  /** Runs a queued command: its reply takes its place in the client's reply order. */
  runQueued(args: Args): void;
  /** The place in the client's reply order that the next owed reply would take. */
  readonly nextSeq: number;
  /** True when every owed reply before place `seq` is done. */
  answeredBefore(seq: number): boolean;
  /** The EXEC's commands run now: they pass its hold, and each owed reply done calls check(). */
  enter(exec: Exec): void;
  /** They are over: the client goes on (what waited for the EXEC runs once its replies are out). */
  leave(): void;
}

/**
 * EXEC of a MULTI: its queued commands run one after another with no other client's command in
 * between on any worker they touch (a Hold). Its reply is an array header, then each command's
 * own reply in its place in the client's reply order; nil when a WATCHed key changed; an error
 * when a worker could not be held.
 */
export class Exec implements Plan, HoldTaker, WholeTaker {
  readonly blocks = true;
  private readonly reply: PlanReply;
  private readonly hold: Hold;
  private result: 'array' | 'nil' | 'error' = 'array';
  private error = '';
  /** The owner's reply, in the client's protocol, when the owner ran it whole. */
  private owned: Buffer | null = null;
  /** The reply-order place after the last command sent's. */
  private last = 0;
  /** The next queued command to send. */
  private next = 0;

  constructor(
    private readonly owners: OwnerSet,
    sink: PlanSink,
    private readonly client: ExecClient,
    workers: Iterable<number>,
    private readonly queued: readonly Args[],
    /** Watched keys with the version each had at WATCH, by owning worker. */
    private readonly watches: ReadonlyMap<number, string[]>,
    /** Counts watched keys changed on this worker's own shards, when it runs with no hold. */
    private readonly changedHere: () => number,
  ) {
    this.reply = new PlanReply(sink, this);
    this.hold = new Hold(owners, null, workers, (worker) => watches.get(worker) ?? [], this);
    this.reader = owners.reader;
  }

  /** Client-side caching: the tracking client, whose queued reads an owner running the EXEC whole remembers. */
  private readonly reader: number;

  get done(): boolean {
    return this.reply.done;
  }

  /** Its client goes on once every command's reply is in and the holds are gone. */
  get over(): boolean {
    return this.reply.done && this.hold.released;
  }

  start(): void {
    const hold = this.hold;
    if (hold.way === 'here') return this.run(this.changedHere(), false);
    const request = hold.way === 'whole' ? this.ownerRequest() : null;
    if (request === null) return hold.take();
    hold.released = true;
    this.reply.wait();
    if (!sendWhole(this.owners, hold.owner, request, this.reply.replies.mode, this, this.reader)) this.refused(LINK_DOWN);
  }

  /**
   * EXECHERE n-watched (key version)* (argc argv...)*: the whole transaction for the one worker
   * owning every key, when each command runs on keys alone (no connection, every-worker or
   * cursor command, which need this connection or every worker).
   */
  private ownerRequest(): OwnerRequest | null {
    const parts = [EXECHERE.name];
    const watches = [...this.watches.values()][0] ?? [];
    parts.push(String(watches.length / 2), ...watches);
    for (const args of this.queued) {
      const spec = lookup(args);
      if (spec === undefined || !RUN_ON_OWNER.has(spec.plan)) return null;
      parts.push(String(args.count));
      for (let i = 0; i < args.count; i++) parts.push(args.latin1(i));
    }
    return { opcode: EXECHERE.opcode, args: argsOf(parts) };
  }

  waiting(): void {
    this.reply.wait();
  }

  held(changed: number): void {
    this.run(changed, true);
  }

  /** Runs the queued commands: here at once with no hold, or through the holds taken. */
  private run(changed: number, held: boolean): void {
    if (changed > 0) {
      this.result = 'nil';
      this.hold.release();
      return this.reply.complete();
    }
    if (!held) {
      // At once, here (nothing waited): header and replies go out in order as they are produced.
      this.reply.complete();
      for (const args of this.queued) this.client.runQueued(args);
      return;
    }
    // The header first, in its place; each command's reply takes the next.
    this.reply.wait();
    this.reply.complete();
    this.client.enter(this);
    this.dispatch();
  }

  /**
   * Sends the queued commands in order. A command's steps go out in order on each link, so the
   * next may follow at once, unless it takes more than one round of steps (MSETNX's writes after
   * its checks, a script's calls, a SCAN's next shard): then the next waits until it is done.
   */
  private dispatch(): void {
    const client = this.client;
    while (this.next < this.queued.length) {
      const args = this.queued[this.next++];
      client.runQueued(args);
      this.last = client.nextSeq;
      if (takesRounds(args) && !client.answeredBefore(this.last)) return;
    }
    this.check();
  }

  /** Some owed reply of its client is done: go on, and once all are, the holds go. */
  check(): void {
    if (this.hold.released || !this.client.answeredBefore(this.last)) return;
    if (this.next < this.queued.length) return this.dispatch();
    // Its client's later commands must not pass this hold: it stops being theirs before the
    // release, which can run them at once (work that waited for the hold flushes their input).
    this.client.leave();
    this.hold.release();
  }

  refused(message: string): void {
    this.result = 'error';
    this.error = message;
    this.reply.complete();
  }

  answered(reply: Buffer): void {
    this.owned = reply;
    this.reply.complete();
  }

  failed(err: Error): void {
    this.reply.sink.failed(err);
  }

  /** The holds' id: its commands carry it (the client's txid while it runs them). */
  get holdId(): string {
    return this.hold.id;
  }

  encode(out: OutBuffer): void {
    const replies = this.reply.replies;
    // The owner's bytes too are not sent under CLIENT REPLY OFF.
    if (this.owned !== null) return replies.silent === true ? undefined : out.bytes(this.owned, 0, this.owned.length);
    // In the protocol EXEC was sent in: a WATCHed key changed is RESP2's `*-1`, RESP3's `_`.
    if (this.result === 'error') return replies.error(out, this.error);
    if (this.result === 'nil') return replies.nullArray(out);
    replies.arrayHeader(out, this.queued.length);
  }
}

/** A command whose later steps are sent only after earlier ones answered (the table says which; RENAME or COPY over two shards). */
function takesRounds(args: Args): boolean {
  const spec = lookup(args);
  return spec !== undefined && (spec.plan === 'script' || spec.plan === 'cursor' || spec.rounds === true || movesAcross(spec, args, true));
}
