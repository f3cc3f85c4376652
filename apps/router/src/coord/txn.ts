import { argsOf, ReplyKind, shardOfString, type Args, type Items, type OutBuffer } from '@kv/wire';
import { commandNamed, type CommandSpec } from '@kv/node';
import { LINK_DOWN } from '../links/link';
import { Combined } from './combine';
import { WHOLE_WORKER } from './owners';
import { PlanReply, type OwnerSet, type Plan, type PlanSink } from './plan';
import { Steps, type StepTaker } from './steps';

const TXPREPARE = commandNamed('TXPREPARE');
const TXCOMMIT = commandNamed('TXCOMMIT');
const TXABORT = commandNamed('TXABORT');

/** What a transaction does with its keys (the table's `atomic`): read them, write them all, or write them if none exists. */
export type TxnMode = NonNullable<CommandSpec['atomic']>;

/**
 * The coordinator of a command over keys on several workers that must look atomic: MSET,
 * MSETNX, and MGET across workers. It prepares the workers one by one in worker order; a
 * prepared worker holds its shards (everything else there waits its turn) until the commit or
 * abort. Only when all are prepared does it commit them all, so no reader on any worker can see
 * some of the keys written and others not; taking workers in one global order means two
 * transactions never wait on each other in a cycle. Each prepare is a step through the owners,
 * here or on a peer, like any other command; its one reply is built as a list, a sum or OK.
 */
export class Transaction implements Plan, StepTaker {
  readonly blocks = true;
  /** This transaction's id, which its participants hold for. */
  readonly id: string;
  private readonly reply: PlanReply;
  private readonly steps: Steps;
  private readonly result: Combined;
  /** The workers to prepare, in worker order. */
  private readonly workers: number[];
  /** Key positions (into keys) per owning worker. */
  private readonly positions = new Map<number, number[]>();
  /** The position in `workers` of the worker being prepared. */
  private at = 0;
  private existing = 0;
  /** The link each remote prepare went out on. */
  private readonly links = new Map<number, number>();

  constructor(
    private readonly owners: OwnerSet,
    sink: PlanSink,
    private readonly mode: TxnMode,
    private readonly keys: readonly string[],
    private readonly writes: readonly string[] | null,
  ) {
    this.reply = new PlanReply(sink, this);
    this.steps = new Steps(owners, null, this);
    this.result = new Combined(mode === 'read' ? 'list' : mode === 'write-new' ? 'sum' : 'ok', mode === 'read' ? keys.length : 0);
    this.id = owners.newTxid('txn');
    keys.forEach((key, i) => {
      const worker = owners.map[shardOfString(key)];
      const list = this.positions.get(worker);
      if (list === undefined) this.positions.set(worker, [i]);
      else list.push(i);
    });
    this.workers = [...this.positions.keys()].sort((a, b) => a - b);
  }

  get done(): boolean {
    return this.reply.done;
  }

  get over(): boolean {
    return this.reply.done;
  }

  /** Runs the transaction (finished at once when every worker was this one and free). */
  start(): void {
    this.prepareNext();
  }

  /** Prepares the workers in order while they answer at once; one that waits goes on in late(). */
  private prepareNext(): void {
    const owners = this.owners;
    const steps = this.steps;
    while (this.at < this.workers.length) {
      const worker = this.workers[this.at];
      if (worker !== owners.self) this.links.set(worker, owners.linkIdOf(worker));
      if (!steps.run(worker, WHOLE_WORKER, TXPREPARE, this.prepareArgs(worker), this.at)) return;
      if (!this.prepared(steps.now.kind, steps.now.payload, steps.now.items)) return;
    }
    this.finish();
  }

  waiting(): void {
    this.reply.wait();
  }

  late(_index: number, kind: ReplyKind, payload: string, items?: Items): void {
    if (this.prepared(kind, payload, items)) this.prepareNext();
  }

  failed(err: Error): void {
    this.reply.sink.failed(err);
  }

  /** A worker answered its prepare: record what it said; false when it failed (the transaction is over). */
  private prepared(kind: ReplyKind, payload: string, items?: Items): boolean {
    if (kind === ReplyKind.ERROR) {
      this.fail(payload);
      return false;
    }
    const worker = this.workers[this.at];
    if (this.mode === 'write-new') this.existing += Number(payload);
    if (this.mode === 'read') {
      const values = items ?? [];
      this.positions.get(worker)!.forEach((position, j) => this.result.setValue(position, values[j]));
    }
    this.at++;
    return true;
  }

  /**
   * Every worker is prepared: commit (or, MSETNX with an existing key, abort) them all. The client
   * hears OK only if every remote TXCOMMIT was written to the very link its prepare went out on,
   * still usable: that link's participant holds the shards for this link id, and frames on it
   * arrive in order, so the participant reads TXCOMMIT before it could see the link close.
   * Everything here is synchronous, so no link changes between the check and the writes; remote
   * commits go out before this worker's own, whose release runs waiting work.
   */
  private finish(): void {
    const owners = this.owners;
    // A link that closed (or was closed here) since its prepare released, or will release, that
    // worker's hold: committing the others would apply only part of the write.
    for (const [worker, link] of this.links) if (owners.linkIdOf(worker) !== link) return this.fail(LINK_DOWN);
    const commit = !(this.mode === 'write-new' && this.existing > 0);
    const here = this.workers.includes(owners.self);
    for (let i = 0; i < this.workers.length; i++) {
      const worker = this.workers[i];
      if (worker !== owners.self && !this.end(worker, commit)) {
        // Cannot happen after the check above; if it does, release those not yet told (commits
        // already written stand) and say so rather than answer OK.
        for (let j = i + 1; j < this.workers.length; j++) this.end(this.workers[j], false);
        if (here) this.end(owners.self, false);
        this.result.error = LINK_DOWN;
        return this.reply.complete();
      }
    }
    if (here) this.end(owners.self, commit);
    if (this.mode === 'write-new') this.result.sum = commit ? 1 : 0;
    this.reply.complete();
  }

  /** A worker could not be prepared: release those that were, and answer the error. */
  private fail(message: string): void {
    for (let i = 0; i < this.at; i++) this.end(this.workers[i], false);
    this.result.error = message;
    this.reply.complete();
  }

  /** Commits or aborts one worker; false when a remote one's prepare link is gone (nothing sent). */
  private end(worker: number, commit: boolean): boolean {
    const owners = this.owners;
    if (worker === owners.self) {
      owners.endHold(this.id, commit);
      return true;
    }
    const link = this.links.get(worker);
    // Never prepared (it failed, or was not reached): nothing to end.
    if (link === undefined) return true;
    // Sent at once, before the client hears OK: the commit must not wait for the end of the turn.
    const spec = commit ? TXCOMMIT : TXABORT;
    return owners.control(worker, spec.opcode, argsOf([spec.name, this.id]), link);
  }

  /** TXPREPARE txid coordinator mode key [value] ... for the keys this worker owns. */
  private prepareArgs(worker: number): Args {
    const parts = [TXPREPARE.name, this.id, String(this.owners.self), this.mode];
    for (const i of this.positions.get(worker)!) {
      parts.push(this.keys[i]);
      if (this.writes !== null) parts.push(this.writes[i]);
    }
    return argsOf(parts);
  }

  encode(out: OutBuffer): void {
    this.result.encode(out, this.reply.replies);
  }
}
